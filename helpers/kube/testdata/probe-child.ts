/**
 * Test child for probe-namespace.test.ts: opens a probe namespace (prefix argv[3]; with argv[5]
 * `existing`, argv[3] is the existing namespace the probes go into), creates the
 * run's pull secret and two probe pods on node argv[4], prints `READY <namespace>` and waits
 * forever, as a run would while probes execute. The parent kills it with SIGTERM/SIGINT (and may
 * make the API server hang or refuse first) and checks what is left and what stderr says.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../client.ts';
import { ProbeNamespace } from '../probe-namespace.ts';

const [kubeconfig, prefix, node, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const kube = new KubeClient(kc, { kubeconfigPath: kubeconfig, requestMs: 5_000 });
const p = await ProbeNamespace.open(kube, mode === 'existing' ? { probeNamespace: prefix, probeNamespaceMode: 'existing' } : prefix);
const secret = await p.createPullSecret('harbor.sandbox.test', 'robot$probe', 'not-a-real-secret');
for (const name of ['probe-a', 'probe-b']) {
  await p.createPod({ name, node, image: 'harbor.sandbox.test/library/busybox:1.36', command: ['sleep', '3600'], pullSecrets: [secret] });
}
process.stdout.write(`READY ${p.namespace} ${p.instance}\n`);
setInterval(() => undefined, 60_000);
