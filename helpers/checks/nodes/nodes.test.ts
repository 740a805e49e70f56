import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../../fixtures/kube/apiserver-only.ts';
import { createNode } from '../../../fixtures/kube/seed.ts';
import { parseCert } from '../../net/cert-facts.ts';
import { createPki } from '../../net/test-pki.ts';
import { createCheckContext } from '../../runner/context.ts';
import { parseTarget } from '../../target/load.ts';
import { runCheck } from '../../runner/run-check.ts';
import { corednsCorefileCheck, corednsReplicasCheck } from '../cluster-dns/index.ts';
import { nodeInventoryCheck, nodeProbeCheck } from './index.ts';
import { hybridHints, kubeletSkew } from './node-facts.ts';
import { analyseNodeProbe, nslookupAddresses, parseProbeOutput } from './node-probe.ts';

const H = 'harbor.sandbox.test';

describe('kubelet version skew (kubelet ≤ server, at most 3 minors older)', () => {
  it.each([
    ['v1.33.13', 'v1.33.2', undefined],
    ['v1.30.1-eks-1', 'v1.33.0', undefined],
    ['v1.29.9', 'v1.33.0', 'older'],
    ['v1.34.0', 'v1.33.5', 'newer'],
    ['v2.0.0', 'v1.33.0', 'major'],
  ])('kubelet %s vs server %s', (k, s, want) => {
    const r = kubeletSkew(k, s);
    if (want === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(want);
  });
});

describe('hybrid hints', () => {
  const sel = 'eks.amazonaws.com/compute-type=hybrid';
  it.each([
    [{ name: 'worker-1', labels: { 'node-type': 'hybrid' } }, true],
    [{ name: 'onprem-hybrid-3', labels: {} }, true],
    [{ name: 'mi-0123456789abcdef0', labels: {} }, true],
    [{ name: 'ip-10-0-1-2.ec2.internal', labels: {} }, false],
    [{ name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' } }, false],
  ])('%j → hint %s', (m, want) => {
    expect(hybridHints({ metadata: m }, sel).length > 0).toBe(want);
  });
});

describe('node probe output', () => {
  let pki: Awaited<ReturnType<typeof createPki>>;
  let other: Awaited<ReturnType<typeof createPki>>;
  beforeAll(async () => {
    [pki, other] = await Promise.all([createPki({ server: { dnsNames: [H] } }), createPki({ server: { dnsNames: [H] }, name: 'Rotated' })]);
  });
  const served = () => [parseCert(pki.server.certPem), parseCert(pki.intermediate.certPem)];
  const hostsToml = `server = "https://${H}"\n\n[host."https://${H}"]\n  capabilities = ["pull", "resolve"]\n  ca = "/etc/containerd/certs.d/${H}/ca.crt"\n`;
  const log = (ca: string | undefined, epoch = 1_700_000_000) =>
    [
      '=== epoch', String(epoch),
      '=== file /etc/resolv.conf', 'nameserver 172.29.10.53',
      '=== file /etc/containerd/config.toml', 'version = 2', '[plugins."io.containerd.grpc.v1.cri".registry]', '  config_path = "/etc/containerd/certs.d"',
      `=== dir /etc/containerd/certs.d/${H}`, ...(ca ? ['ca.crt', 'hosts.toml'] : [`ls: /host/etc/containerd/certs.d/${H}: No such file or directory`]),
      ...(ca ? [`=== file /etc/containerd/certs.d/${H}/ca.crt`, ca.trim(), `=== file /etc/containerd/certs.d/${H}/hosts.toml`, hostsToml] : []),
      `=== nslookup ${H}`, 'Server:\t\t172.29.10.53', 'Address:\t172.29.10.53:53', '', `Name:\t${H}`, 'Address: 172.29.10.10', '',
      '=== end',
    ].join('\n');

  it('parses sections back', () => {
    const o = parseProbeOutput(log(pki.root.certPem));
    expect(o.complete).toBe(true);
    expect(o.epoch).toBe(1_700_000_000);
    expect(o.dirs.get(`/etc/containerd/certs.d/${H}`)).toEqual(['ca.crt', 'hosts.toml']);
    expect(nslookupAddresses(o.nslookup)).toEqual(['172.29.10.10']);
  });

  it.each([
    ['healthy node', () => log(pki.root.certPem), []],
    ['CA missing', () => log(undefined), ['node.ca-not-installed']],
    ['CA from before a rotation', () => log(other.root.certPem), ['node.ca-mismatch']],
    ['clock 10 minutes ahead', () => log(pki.root.certPem, 1_700_000_600), ['node.clock-skew']],
  ])('%s', (_n, text, causes) => {
    const a = analyseNodeProbe({ node: 'hybrid-1', registryHost: H, output: parseProbeOutput(text()), servedChain: served(), referenceEpoch: 1_700_000_002, windowSeconds: 4 });
    expect(a.findings.map((f) => f.cause)).toEqual(causes);
    if (causes.length) expect(a.findings[0]!.params.node).toBe('hybrid-1');
  });
});

describe('node inventory against a real kube-apiserver', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
    const kube = api.client();
    await createNode(kube, { name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' }, internalIP: '172.29.10.20', kubeletVersion: 'v1.33.13' });
    await createNode(kube, { name: 'cloud-1', internalIP: '172.29.20.20', kubeletVersion: 'v1.31.0' });
    await createNode(kube, { name: 'onprem-2', labels: { 'node-type': 'hybrid' }, internalIP: '172.29.10.21', kubeletVersion: 'v1.29.4' });
    await createNode(kube, { name: 'cloud-2', internalIP: '172.29.20.21', ready: false });
    await kube.close();
  }, 120_000);
  afterAll(async () => api?.stop());

  it('reports NotReady, a missing hybrid label and kubelet skew, per node', async () => {
    const target = parseTarget(['harbor:', `  url: https://${H}`, 'kubernetes:', `  kubeconfig: ${api.kubeconfigPath}`].join('\n'));
    const out = await nodeInventoryCheck.run(createCheckContext(target, { signal: AbortSignal.timeout(20_000) }));
    // A source build without version ldflags reports v0.0.0: the skew rule is then not applied (and said so).
    const skewKnown = !out.evidence?.skewUnchecked;
    const want = ['cluster.node-not-ready node/cloud-2', ...(skewKnown ? ['eks.version-skew node/onprem-2'] : []), 'node.hybrid-label-missing node/onprem-2'];
    expect(out.findings.map((f) => `${f.cause} ${f.subject}`).sort()).toEqual(want);
    expect(out.evidence?.nodes).toContainEqual(expect.objectContaining({ node: 'hybrid-1', side: 'hybrid', internalIP: '172.29.10.20' }));
  });

  it('checks with nothing to judge in this cluster are not-checked (not applicable), never passed', async () => {
    const target = parseTarget(['harbor:', `  url: https://${H}`, 'images: [{ ref: "harbor.sandbox.test/library/busybox:1.36" }]', 'kubernetes:', `  kubeconfig: ${api.kubeconfigPath}`, '  allowProbes: true', '  hybridSelector: hd-test=no-such-node'].join('\n'));
    const ctx = createCheckContext(target, { signal: AbortSignal.timeout(20_000) });
    const results = [];
    for (const c of [corednsCorefileCheck, corednsReplicasCheck, nodeProbeCheck]) results.push(await runCheck(c, ctx));
    expect(results.map((r) => [`${r.suite}/${r.id}`, r.status, r.notChecked, r.reason])).toEqual([
      ['cluster-dns/coredns-corefile', 'not-checked', 'not-applicable', 'no ConfigMap kube-system/coredns (the cluster DNS is not CoreDNS, or its ConfigMap has another name)'],
      ['cluster-dns/coredns-replicas', 'not-checked', 'not-applicable', 'no Running CoreDNS replica (k8s-app=kube-dns) in kube-system'],
      ['nodes/node-probe', 'not-checked', 'not-applicable', 'no Ready node matches hd-test=no-such-node'],
    ]);
  });
});
