import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type Moto } from '../../../fixtures/aws/moto.ts';
import { seedHybridCluster } from '../../../fixtures/aws/seed.ts';
import { startApiServer, type ApiServer } from '../../../fixtures/kube/apiserver-only.ts';
import { createNode, createPod, ensureNamespace } from '../../../fixtures/kube/seed.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../../runner/run-check.ts';
import { createCheckContext } from '../../runner/context.ts';
import { parseTarget } from '../../target/load.ts';
import { cidrContains, cidrsOverlap, isRfc1918, parseCidr } from './cidr.ts';
import { eksChecks, eksClusterCheck, remoteNetworkProblems } from './index.ts';

describe('CIDR helpers', () => {
  it('contains, overlaps, RFC 1918', () => {
    expect(cidrContains(parseCidr('172.29.10.0/24')!, '172.29.10.20')).toBe(true);
    expect(cidrContains(parseCidr('172.29.10.0/24')!, '172.29.11.1')).toBe(false);
    expect(cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('10.100.0.0/16')!)).toBe(true);
    expect(isRfc1918(parseCidr('172.32.0.0/16')!)).toBe(false);
    expect(isRfc1918(parseCidr('192.168.4.0/22')!)).toBe(true);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });

  it.each([
    [['172.29.10.0/24'], ['10.85.0.0/16'], '10.100.0.0/16', []],
    [['100.64.0.0/16'], [], undefined, ['not within RFC 1918']],
    [['10.100.0.0/24'], [], '10.100.0.0/16', ['overlaps the service CIDR']],
    [['10.0.0.0/16'], ['10.0.128.0/17'], undefined, ['overlaps remoteNodeNetworks']],
    [['nonsense'], [], undefined, ['not an IPv4 CIDR']],
    [Array.from({ length: 16 }, (_, i) => `10.${i}.0.0/16`), [], undefined, ['16 CIDR blocks']],
  ])('nodes %j pods %j svc %s', (nodes, pods, svc, want) => {
    const p = remoteNetworkProblems(nodes, pods, svc);
    expect(p.length).toBe(want.length);
    want.forEach((w, i) => expect(p[i]!.detail).toContain(w));
  });
});

const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED'] as const;

describe('eks checks against moto (EKS DescribeCluster) and a real kube-apiserver', () => {
  let api: ApiServer;
  let moto: Moto;
  const saved: Partial<Record<(typeof ENV)[number], string | undefined>> = {};

  beforeAll(async () => {
    for (const k of ENV) saved[k] = process.env[k];
    // Fake static credentials for this test only: the SDK signs with them (SigV4); moto accepts any.
    process.env.AWS_ACCESS_KEY_ID = 'AKIAHYBRIDDOCTORTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-for-local-endpoint';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    [api, moto] = await Promise.all([startApiServer(), startMoto()]);
    // Through the real EKS/EC2 APIs: a cluster whose endpoint is public and private, one whose
    // remote networks are invalid (moto, like the CreateCluster request, does not validate them).
    const base = { region: 'us-west-2', serviceIpv4Cidr: '10.100.0.0/16', version: '1.33' };
    await seedHybridCluster(moto.url, { ...base, clusterName: 'hybrid', remoteNodeCidrs: ['172.29.10.0/24'], remotePodCidrs: ['10.85.0.0/16'], endpointPublicAccess: true, endpointPrivateAccess: true });
    await seedHybridCluster(moto.url, { ...base, clusterName: 'invalid', vpcCidr: '172.29.30.0/24', remoteNodeCidrs: ['10.100.0.0/24', '100.64.0.0/16'], remotePodCidrs: ['10.85.0.0/16'] });
    const kube = api.client();
    await createNode(kube, { name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' }, internalIP: '172.29.10.20', podCIDR: '10.85.1.0/24', kubeletVersion: 'v1.33.13' });
    await createNode(kube, { name: 'hybrid-2', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' }, internalIP: '192.168.50.5', podCIDR: '10.86.0.0/24', kubeletVersion: 'v1.29.1' });
    await createNode(kube, { name: 'cloud-1', internalIP: '10.0.1.10', podCIDR: '10.0.64.0/24' });
    await ensureNamespace(kube, 'apps');
    await createPod(kube, { namespace: 'apps', name: 'web', node: 'hybrid-1', podIP: '10.99.0.5', containers: [{ name: 'web', image: 'harbor.sandbox.test/library/busybox:1.36' }] });
    await createPod(kube, { namespace: 'apps', name: 'api', node: 'hybrid-1', podIP: '10.85.1.7', containers: [{ name: 'api', image: 'harbor.sandbox.test/library/busybox:1.36' }] });
    await kube.close();
  }, 120_000);

  afterAll(async () => {
    for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    await moto?.stop();
    await api?.stop();
  });

  const target = (cluster: string) =>
    parseTarget(['harbor:', '  url: https://harbor.sandbox.test', 'kubernetes:', `  kubeconfig: ${api.kubeconfigPath}`, 'aws:', '  region: us-west-2', `  clusterName: ${cluster}`, `  endpoint: ${moto.url}`].join('\n'));

  it('compares remoteNetworkConfig with hybrid node IPs, pod CIDRs and pod IPs; endpoint mode; skew', async () => {
    const out = await eksClusterCheck.run(createCheckContext(target('hybrid'), { signal: AbortSignal.timeout(30_000) }));
    expect(out.findings.map((f) => `${f.cause} ${f.subject}`).sort()).toEqual(
      [
        'eks.endpoint-public-and-private eks/hybrid',
        'eks.remote-node-network-mismatch node/hybrid-2',
        'eks.remote-pod-network-mismatch node/hybrid-1',
        'eks.remote-pod-network-mismatch node/hybrid-2',
        'eks.version-skew node/hybrid-2',
      ].sort(),
    );
    expect(out.findings.find((f) => f.cause === 'eks.remote-pod-network-mismatch' && f.params.node === 'hybrid-1')!.evidence.pods).toEqual(['apps/web=10.99.0.5']);
    expect(out.evidence).toMatchObject({ cluster: 'hybrid', remoteNodeNetworks: ['172.29.10.0/24'], remotePodNetworks: ['10.85.0.0/16'], serviceIpv4Cidr: '10.100.0.0/16', hybridNodes: 2 });
  });

  it('flags remote networks that are not RFC 1918 or overlap the service CIDR', async () => {
    const out = await eksClusterCheck.run(createCheckContext(target('invalid'), { signal: AbortSignal.timeout(30_000) }));
    const invalid = out.findings.filter((f) => f.cause === 'eks.remote-network-invalid').map((f) => f.params.value);
    expect(invalid.sort()).toEqual(['10.100.0.0/24', '100.64.0.0/16']);
  });

  it('an unknown cluster is not-checked (not configured), naming it', async () => {
    const out = await eksClusterCheck.run(createCheckContext(target('nope'), { signal: AbortSignal.timeout(30_000) }));
    expect(out).toMatchObject({ findings: [], notChecked: { kind: 'not-configured', reason: 'aws.clusterName: no EKS cluster nope in us-west-2' } });
  });
});

describe('eks without AWS credentials', () => {
  const vars = [...ENV, 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN'] as const;
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const k of vars) saved[k] = process.env[k];
    for (const k of vars) delete process.env[k];
    // No env keys, no shared files, no instance metadata: the default chain finds nothing.
    const dir = mkdtempSync(join(tmpdir(), 'hd-eks-'));
    process.env.AWS_CONFIG_FILE = join(dir, 'no-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'no-credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });
  afterAll(() => {
    for (const k of vars) if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
  });

  it('every eks check is not-checked (not configured) and says what is missing — never errored', async () => {
    // The kubeconfig names a closed loopback port: nothing connects before DescribeCluster fails.
    const dir = mkdtempSync(join(tmpdir(), 'hd-eks-kc-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', 'current-context: c', 'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]', 'users: [{ name: u, user: { token: t } }]', 'contexts: [{ name: c, context: { cluster: c, user: u } }]'].join('\n'));
    const t = parseTarget(['harbor:', '  url: https://harbor.sandbox.test', 'kubernetes:', `  kubeconfig: ${kubeconfig}`, 'aws:', '  region: us-west-2', '  clusterName: hybrid', '  endpoint: http://127.0.0.1:1'].join('\n'));
    const ctx = createCheckContext(t, { signal: AbortSignal.timeout(30_000), secrets: {} });
    const results = await Promise.all(eksChecks.map((c) => runCheck(c, ctx)));
    expect(results.map((r) => r.id)).toEqual(['eks-cluster', 'eks-security-groups', 'eks-routes', 'eks-network-acls', 'eks-insights']);
    for (const r of results) {
      expect(r, r.id).toMatchObject({ status: 'not-checked', notChecked: 'not-configured', findings: [] });
      expect(r.reason, r.id).toMatch(/^no AWS credentials found \(default provider chain: AWS_ACCESS_KEY_ID/);
    }
  });
});
