import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../../fixtures/kube/apiserver-only.ts';
import { createCoreEvent, createNode, createPod, ensureNamespace } from '../../../fixtures/kube/seed.ts';
import { finding } from '../../findings/make-finding.ts';
import { createCheckContext } from '../../runner/context.ts';
import { parseTarget } from '../../target/load.ts';
import { imagepullbackoffChecks } from './index.ts';

const H = 'harbor.sandbox.test';
const IMG = `${H}/library/busybox:1.36`;
describe('imagepullbackoff suite check', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
    const kube = api.client();
    await createNode(kube, { name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' } });
    for (const ns of ['apps', 'ignored']) {
      await ensureNamespace(kube, ns);
      const pod = await createPod(kube, { namespace: ns, name: 'web', node: 'hybrid-1', containers: [{ name: 'web', image: IMG, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } }] });
      await createCoreEvent(kube, pod, { reason: 'Failed', message: `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: Head "https://${H}/v2/library/busybox/manifests/1.36": x509: certificate signed by unknown authority`, count: 3 });
    }
    await kube.close();
  }, 120_000);
  afterAll(async () => api?.stop());

  const target = (kubeconfig: string) => parseTarget(['harbor:', `  url: https://${H}`, 'kubernetes:', `  kubeconfig: ${kubeconfig}`, '  namespaces: [apps]'].join('\n'));

  it('names the correlated root cause for the target namespaces only, with per-pod evidence', async () => {
    const prior = [finding('node.ca-not-installed', { subject: 'node/hybrid-1', params: { node: 'hybrid-1', host: H, path: `/etc/containerd/certs.d/${H}/ca.crt` } })];
    const ctx = createCheckContext(target(api.kubeconfigPath), { signal: AbortSignal.timeout(20_000), priorFindings: () => prior });
    const out = await imagepullbackoffChecks[0]!.run(ctx);
    expect(out.findings.map((f) => `${f.cause} ${f.subject}`)).toEqual(['node.ca-not-installed apps/web']);
    expect(out.evidence?.pods).toEqual([expect.objectContaining({ pod: 'apps/web', nodeType: 'hybrid', cause: 'node.ca-not-installed', symptom: 'tls.untrusted-ca' })]);
    // The pod's finding reads like the node check's: its CA path, not a filler.
    const f = out.findings[0]!;
    expect(f.message).toBe(`Node hybrid-1 has no CA for ${H} at /etc/containerd/certs.d/${H}/ca.crt`);
    expect(f.remediation.steps.join('\n')).toContain(`sudo mkdir -p /etc/containerd/certs.d/${H} `);
  });

  it('an RBAC-less identity is one cluster.api-access-denied finding, not a crash', async () => {
    const out = await imagepullbackoffChecks[0]!.run(createCheckContext(target(api.viewerKubeconfigPath), { signal: AbortSignal.timeout(20_000) }));
    expect(out.findings.map((f) => f.cause)).toEqual(['cluster.api-access-denied']);
  });
});
