import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../../fixtures/kube/apiserver-only.ts';
import { startFakeKubelet } from '../../../fixtures/kube/fake-kubelet.ts';
import { createNode, createPod, ensureNamespace } from '../../../fixtures/kube/seed.ts';
import type { KubeClient } from '../../kube/client.ts';
import { pulledSeconds } from '../../kube/probe-runner.ts';
import { createCheckContext } from '../../runner/context.ts';
import { parseTarget } from '../../target/load.ts';
import { parseClientLog } from '../boundary/index.ts';
import { corednsReplicasCheck, corednsCorefileCheck, splitView } from '../cluster-dns/index.ts';
import { pullE2eCheck } from './index.ts';
import { nodeProbeCheck } from '../nodes/index.ts';

const H = 'harbor.sandbox.test';
const IMG = `${H}/library/busybox:1.36`;

describe('probe output parsing', () => {
  it.each([
    [`Successfully pulled image "${IMG}" in 1.234s (1.234s including waiting). Image size: 2166802 bytes.`, 1.234],
    [`Successfully pulled image "${IMG}" in 850ms (850ms including waiting)`, 0.85],
    [`Container image "${IMG}" already present on machine`, undefined],
  ])('pulledSeconds(%s) = %s', (m, want) => {
    expect(pulledSeconds(m)).toBe(want);
  });

  it('split view: cluster DNS answers, node resolver does not', () => {
    const cluster = `Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\t${H}\nAddress: 172.29.10.10\n`;
    const node = `Server:\t\t172.29.10.53\nAddress:\t172.29.10.53:53\n\n** server can't find ${H}: NXDOMAIN\n`;
    expect(splitView(cluster, node)).toEqual({ clusterDns: ['172.29.10.10'], nodeResolver: [], split: true });
    expect(splitView(cluster, cluster).split).toBe(false);
  });

  it('boundary client log', () => {
    expect(parseClientLog('HTTP 10.85.1.7 ok\nDNS fail\n')).toEqual({ http: true, dns: false });
    expect(parseClientLog(undefined)).toEqual({});
  });
});

describe('probe checks against a real kube-apiserver (kubelet side simulated)', () => {
  let api: ApiServer;
  let kube: KubeClient;
  const x509 = `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: Head "https://${H}/v2/library/busybox/manifests/1.36": x509: certificate signed by unknown authority`;

  beforeAll(async () => {
    api = await startApiServer();
    kube = api.client();
    await createNode(kube, { name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' } });
    await createNode(kube, { name: 'cloud-1' });
  }, 120_000);
  afterAll(async () => {
    await kube?.close();
    await api?.stop();
  });

  const target = (extra: string[] = []) =>
    parseTarget(['harbor:', `  url: https://${H}`, 'images:', `  - ref: ${IMG}`, 'kubernetes:', `  kubeconfig: ${api.kubeconfigPath}`, '  allowProbes: true', '  probeNamespace: hd-probe', ...extra].join('\n'));

  it('pull-e2e: pull time on the cloud node, classified pull error on the hybrid node, nothing left behind', async () => {
    const kubelet = startFakeKubelet(kube, 'hd-probe', (p) =>
      p.spec?.nodeName === 'hybrid-1'
        ? { phase: 'Pending', state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } }, events: [{ reason: 'Failed', message: x509, type: 'Warning' }, { reason: 'Failed', message: 'Error: ErrImagePull', type: 'Warning' }] }
        : { phase: 'Succeeded', state: { terminated: { exitCode: 0, reason: 'Completed' } }, events: [{ reason: 'Pulled', message: `Successfully pulled image "${IMG}" in 1.2s (1.2s including waiting). Image size: 2166802 bytes.` }] },
    );
    const out = await pullE2eCheck.run(createCheckContext(target(), { signal: AbortSignal.timeout(60_000) }));
    await kubelet.stop();
    expect(out.findings.map((f) => `${f.cause} ${f.subject}`)).toEqual(['tls.untrusted-ca node/hybrid-1']);
    expect(out.evidence?.nodes).toEqual(
      expect.arrayContaining([expect.objectContaining({ node: 'cloud-1', side: 'cloud', pulled: true, pullSeconds: 1.2 }), expect.objectContaining({ node: 'hybrid-1', side: 'hybrid', pulled: false, reason: 'ImagePullBackOff' })]),
    );
    const left = (await kube.listAll('/api/v1/pods', { labelSelector: 'app.kubernetes.io/managed-by=hybrid-doctor' })).items;
    expect(left).toEqual([]);
    const secrets = (await kube.listAll('/api/v1/secrets', { labelSelector: 'app.kubernetes.io/managed-by=hybrid-doctor' })).items;
    expect(secrets).toEqual([]);
  }, 90_000);

  it('pull-e2e: an attempt made without the secret (kubelet could not read it yet) is not the verdict; the next attempt is', async () => {
    const unreadable = { reason: 'FailedToRetrieveImagePullSecret', message: 'Unable to retrieve some image pull secrets (hd-probe-x/hybrid-doctor-pull); attempting to pull the image may not succeed.', type: 'Warning' as const };
    const r401 = `Failed to pull image "${IMG}": failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials`;
    const backoff = { phase: 'Pending' as const, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } } };
    const kubelet = startFakeKubelet(kube, 'hd-probe', (p) => ({
      ...backoff,
      events: [unreadable, { reason: 'Failed', message: r401, type: 'Warning' }],
      // hybrid: the retry has the secret and pulls; cloud: the retry is refused again
      next: p.spec?.nodeName === 'hybrid-1'
        ? { afterMs: 1500, phase: 'Succeeded', state: { terminated: { exitCode: 0, reason: 'Completed' } }, events: [{ reason: 'Pulled', message: `Successfully pulled image "${IMG}" in 900ms (900ms including waiting)` }] }
        : { afterMs: 1500, ...backoff, events: [unreadable, { reason: 'Failed', message: r401, type: 'Warning' }] },
    }));
    // a robot: the probe makes its pull secret (the one the kubelet could not read at first)
    process.env.HD_TEST_ROBOT_SECRET = 'not-the-real-one';
    const out = await pullE2eCheck.run(createCheckContext(target(['robot:', '  name: robot$k8s-robot', '  secret: { env: HD_TEST_ROBOT_SECRET }']), { signal: AbortSignal.timeout(60_000) }));
    delete process.env.HD_TEST_ROBOT_SECRET;
    await kubelet.stop();
    expect(out.findings.map((f) => `${f.cause} ${f.subject}`)).toEqual([expect.stringMatching(/^auth\.\S+ node\/cloud-1$/)]);
    expect(out.findings[0]!.evidence).toMatchObject({ secretUnreadable: expect.stringContaining('Unable to retrieve') });
    expect(out.evidence?.nodes).toEqual(expect.arrayContaining([expect.objectContaining({ node: 'hybrid-1', pulled: true, pullSeconds: 0.9 })]));
  }, 90_000);

  it('node probe: a node whose pulls fail and whose files cannot be read reports the classified pull error', async () => {
    // A fresh namespace: without a namespace controller the previous test's stays Terminating.
    const kubelet = startFakeKubelet(kube, 'hd-probe-nodes', (p) =>
      p.metadata.name.startsWith('node-pull-')
        ? { phase: 'Pending', state: { waiting: { reason: 'ErrImagePull', message: x509 } }, events: [{ reason: 'Failed', message: x509, type: 'Warning' }] }
        : { phase: 'Pending', state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } } },
    );
    // http:// Harbor: no TLS session is attempted (the tls suite owns that); only the API is used.
    const t = parseTarget(['harbor:', `  url: http://${H}`, 'images:', `  - ref: ${IMG}`, 'kubernetes:', `  kubeconfig: ${api.kubeconfigPath}`, '  allowProbes: true', '  probeNamespace: hd-probe-nodes'].join('\n'));
    const out = await nodeProbeCheck.run(createCheckContext(t, { signal: AbortSignal.timeout(60_000) }));
    await kubelet.stop();
    expect(out.findings.map((f) => `${f.cause} ${f.subject}`)).toEqual(['tls.untrusted-ca node/hybrid-1']);
    expect(out.evidence?.nodes).toEqual([expect.objectContaining({ node: 'hybrid-1', pulled: false, files: expect.stringMatching(/not readable/) })]);
    expect((await kube.listAll('/api/v1/pods', { labelSelector: 'app.kubernetes.io/managed-by=hybrid-doctor' })).items).toEqual([]);
  }, 90_000);

  it('read-only mode: probe checks do not apply', () => {
    const t = parseTarget(['harbor:', `  url: https://${H}`, 'kubernetes:', `  kubeconfig: ${api.kubeconfigPath}`].join('\n'));
    expect(pullE2eCheck.applies!(t)).toMatch(/read-only/);
  });

  it('cluster-dns: live Corefile without the registry hosts entry, CoreDNS only on the cloud side', async () => {
    await kube.request('POST', '/api/v1/namespaces/kube-system/configmaps', {
      body: { metadata: { name: 'coredns' }, data: { Corefile: '.:53 {\n    errors\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n    }\n    forward . /etc/resolv.conf\n    cache 30\n}\n' } },
    });
    await ensureNamespace(kube, 'kube-system');
    for (const i of [0, 1]) await createPod(kube, { namespace: 'kube-system', name: `coredns-${i}`, node: 'cloud-1', labels: { 'k8s-app': 'kube-dns' }, containers: [{ name: 'coredns', image: 'coredns:1.12.4' }] });
    const ctx = createCheckContext(target(), { signal: AbortSignal.timeout(20_000) });
    const cf = await corednsCorefileCheck.run(ctx);
    expect(cf.findings.map((f) => f.cause)).toEqual(['dns.coredns-hosts-missing']);
    const rep = await corednsReplicasCheck.run(ctx);
    expect(rep.findings.map((f) => f.cause)).toEqual(['cluster.coredns-one-side']);
  });
});
