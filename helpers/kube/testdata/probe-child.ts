/**
 * Test child for probe-namespace.test.ts: opens the probe namespace, creates two probe pods,
 * prints READY and waits forever, as a run would while probes execute. The parent kills it with
 * SIGTERM/SIGINT and checks nothing is left behind.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../client.ts';
import { ProbeNamespace } from '../probe-namespace.ts';

const [kubeconfig, namespace, node] = process.argv.slice(2) as [string, string, string];
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const kube = new KubeClient(kc);
const p = await ProbeNamespace.open(kube, namespace);
await p.createPod({ name: 'probe-a', node, image: 'harbor.sandbox.test/library/busybox:1.36', command: ['sleep', '3600'] });
await p.createPod({ name: 'probe-b', node, image: 'harbor.sandbox.test/library/busybox:1.36', command: ['sleep', '3600'] });
process.stdout.write('READY\n');
setInterval(() => undefined, 60_000);
