import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type Moto } from '../../../fixtures/aws/moto.ts';
import { seedHybridCluster } from '../../../fixtures/aws/seed.ts';
import { createCheckContext } from '../../runner/context.ts';
import { runCheck } from '../../runner/run-check.ts';
import { parseTarget } from '../../target/load.ts';
import { eksInsightsCheck, insightCause } from './insights.ts';

/**
 * moto 5.2.6 does not implement EKS cluster insights (moto/eks/responses.py has no ListInsights
 * or DescribeInsight; its server answers 404). The insights check is therefore tested against
 * RECORDED API RESPONSES served on loopback by this test only, shaped as the EKS API reference
 * gives them — ListInsights (POST /clusters/{name}/insights → {insights: InsightSummary[],
 * nextToken}) https://docs.aws.amazon.com/eks/latest/APIReference/API_ListInsights.html and
 * DescribeInsight (GET /clusters/{name}/insights/{id} → {insight: Insight})
 * https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeInsight.html — with
 * restJson1 errors (x-amzn-ErrorType + {"message"}). Values are illustrative, shapes exact.
 * Against moto itself the check is not-checked, which the last case proves.
 */
const REGION = 'us-west-2';
const at = 1_764_000_000;

function summary(id: string, name: string, category: string, status: string, reason: string) {
  return { id, name, category, kubernetesVersion: '1.33', lastRefreshTime: at, lastTransitionTime: at - 3600, description: `Checks ${name.toLowerCase()}.`, insightStatus: { status, reason } };
}

const INSIGHTS: Record<string, ReturnType<typeof summary>[]> = {
  mixed: [
    summary('11111111-1111-1111-1111-111111111111', 'Kubelet version skew', 'UPGRADE_READINESS', 'PASSING', 'No issues found.'),
    summary('22222222-2222-2222-2222-222222222222', 'Hybrid nodes kubelet certificate', 'MISCONFIGURATION', 'ERROR', 'Kubelet serving certificates of 1 hybrid node are not approved.'),
    summary('33333333-3333-3333-3333-333333333333', 'Deprecated APIs removed in Kubernetes v1.34', 'UPGRADE_READINESS', 'WARNING', 'Deprecated API usage detected within last 30 days.'),
    summary('44444444-4444-4444-4444-444444444444', 'Hybrid nodes remote pod network', 'MISCONFIGURATION', 'ERROR', 'Pods on hybrid nodes use IPs outside remotePodNetworks.'),
    summary('55555555-5555-5555-5555-555555555555', 'Amazon EKS add-on version compatibility', 'UPGRADE_READINESS', 'UNKNOWN', 'Insight could not be evaluated.'),
  ],
  passing: [summary('66666666-6666-6666-6666-666666666666', 'Cluster health issues', 'UPGRADE_READINESS', 'PASSING', 'No issues found.')],
  'describe-denied': [summary('77777777-7777-7777-7777-777777777777', 'Hybrid nodes kubelet certificate', 'MISCONFIGURATION', 'WARNING', 'A kubelet serving certificate expires soon.')],
};

const RECOMMENDATION: Record<string, string> = {
  '22222222-2222-2222-2222-222222222222': 'Approve the pending kubelet serving certificate signing requests of the hybrid nodes.',
  '33333333-3333-3333-3333-333333333333': 'Update manifests and API clients to use newer Kubernetes APIs before upgrading the cluster.',
  '44444444-4444-4444-4444-444444444444': 'Add the CIDRs of the hybrid pods to remotePodNetworks.',
};

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+\/\d{8}\/us-west-2\/eks\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;

interface Seen { method: string; path: string; body: string }

async function startRecordedInsights(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      seen.push({ method: req.method ?? '', path, body });
      const send = (status: number, payload: unknown, type?: string) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': '00000000-0000-0000-0000-000000000000', ...(type ? { 'x-amzn-errortype': type } : {}) });
        res.end(JSON.stringify(payload));
      };
      if (!SIGV4.test(String(req.headers.authorization ?? ''))) return send(403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
      const list = /^\/clusters\/([^/]+)\/insights$/.exec(path);
      const one = /^\/clusters\/([^/]+)\/insights\/([^/]+)$/.exec(path);
      const cluster = decodeURIComponent((list ?? one)?.[1] ?? '');
      if (cluster === 'list-denied') return send(403, { message: 'User: arn:aws:iam::111122223333:user/ci is not authorized to perform: eks:ListInsights' }, 'AccessDeniedException');
      if ((list || one) && !INSIGHTS[cluster]) return send(404, { message: `No cluster found for name: ${cluster}.` }, 'ResourceNotFoundException');
      if (list && req.method === 'POST') {
        // Two pages of at most 3, as a real paginated answer.
        const token = (JSON.parse(body || '{}') as { nextToken?: string }).nextToken;
        const start = token ? Number(token) : 0;
        const page = INSIGHTS[cluster]!.slice(start, start + 3);
        return send(200, { insights: page, ...(start + 3 < INSIGHTS[cluster]!.length ? { nextToken: String(start + 3) } : {}) });
      }
      if (one && req.method === 'GET') {
        if (cluster === 'describe-denied') return send(403, { message: 'not authorized to perform: eks:DescribeInsight' }, 'AccessDeniedException');
        const s = INSIGHTS[cluster]!.find((i) => i.id === one[2]);
        if (!s) return send(404, { message: 'Insight not found' }, 'ResourceNotFoundException');
        return send(200, { insight: { ...s, recommendation: RECOMMENDATION[s.id], additionalInfo: { 'EKS update cluster documentation': 'https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html' }, resources: [{ insightStatus: s.insightStatus, kubernetesResourceUri: '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-abcde' }], categorySpecificSummary: { deprecationDetails: [] } } });
      }
      return send(404, { message: 'Unknown operation' }, 'UnknownOperationException');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED'] as const;

describe('eks-insights: ListInsights + DescribeInsight', () => {
  let recorded: Awaited<ReturnType<typeof startRecordedInsights>>;
  let moto: Moto;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const k of ENV) saved[k] = process.env[k];
    process.env.AWS_ACCESS_KEY_ID = 'AKIAHYBRIDDOCTORTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-for-local-endpoint';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    [recorded, moto] = await Promise.all([startRecordedInsights(), startMoto()]);
    await seedHybridCluster(moto.url, { region: REGION, clusterName: 'on-moto', remoteNodeCidrs: ['172.29.10.0/24'], remotePodCidrs: ['10.244.0.0/16'] });
  }, 120_000);
  afterAll(async () => {
    for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    await recorded?.close();
    await moto?.stop();
  });

  const run = (endpoint: string, cluster: string) =>
    runCheck(eksInsightsCheck, createCheckContext(parseTarget(['harbor:', '  url: https://harbor.sandbox.test', 'aws:', `  region: ${REGION}`, `  clusterName: ${cluster}`, `  endpoint: ${endpoint}`].join('\n')), { signal: AbortSignal.timeout(30_000), secrets: {} }));

  it('every non-passing insight is a finding with AWS\'s reason and recommendation; severity from its status; mapped where it matches', async () => {
    const r = await run(recorded.url, 'mixed');
    expect(r.status).toBe('failed');
    expect(r.findings.map((f) => `${f.severity} ${f.cause} ${f.params.insight ?? (f.evidence.insight as { name: string }).name}`)).toEqual([
      'error eks.insight-failing Hybrid nodes kubelet certificate',
      'warning eks.insight-failing Deprecated APIs removed in Kubernetes v1.34',
      'error eks.remote-pod-network-mismatch Hybrid nodes remote pod network',
    ]);
    const cert = r.findings[0]!;
    expect(cert.message).toBe('EKS insight "Hybrid nodes kubelet certificate" is ERROR for cluster mixed: Kubelet serving certificates of 1 hybrid node are not approved.');
    expect(cert.remediation.steps[0]).toBe('AWS recommends: Approve the pending kubelet serving certificate signing requests of the hybrid nodes.');
    expect(cert.remediation.steps[1]).toContain('aws eks describe-insight --cluster-name mixed --id 22222222-2222-2222-2222-222222222222');
    expect(r.findings[2]!.evidence.insight).toMatchObject({ recommendation: 'Add the CIDRs of the hybrid pods to remotePodNetworks.', status: 'ERROR' });
    // Paginated (two pages), filtered to the two categories, DescribeInsight only for the three failing ones.
    const lists = recorded.seen.filter((s) => s.path === '/clusters/mixed/insights');
    expect(lists).toHaveLength(2);
    expect(JSON.parse(lists[0]!.body)).toMatchObject({ filter: { categories: ['MISCONFIGURATION', 'UPGRADE_READINESS'] } });
    expect(recorded.seen.filter((s) => s.method === 'GET' && s.path.startsWith('/clusters/mixed/insights/')).map((s) => s.path.split('/').pop())).toEqual(['22222222-2222-2222-2222-222222222222', '33333333-3333-3333-3333-333333333333', '44444444-4444-4444-4444-444444444444']);
    expect((r.evidence as { insights: unknown[] }).insights).toHaveLength(5);
  });

  it.each([
    ['passing', 'passed', undefined],
    ['list-denied', 'not-checked', 'ListInsights was denied (AccessDeniedException): the AWS identity needs eks:ListInsights on list-denied'],
    ['no-such-cluster', 'not-checked', 'aws.clusterName: no EKS cluster no-such-cluster in us-west-2'],
  ])('%s → %s', async (cluster, status, reason) => {
    const r = await run(recorded.url, cluster);
    expect(r.status).toBe(status);
    expect(r.findings).toEqual([]);
    expect(r.reason).toBe(reason);
  });

  it('a DescribeInsight denial degrades the evidence, the failing insight is still reported', async () => {
    const r = await run(recorded.url, 'describe-denied');
    expect(r.findings.map((f) => `${f.severity} ${f.cause}`)).toEqual(['warning eks.insight-failing']);
    expect(r.findings[0]!.remediation.steps.some((s) => s.startsWith('AWS recommends'))).toBe(false);
    expect((r.evidence as { describeInsight?: string }).describeInsight).toBe('DescribeInsight was denied (AccessDeniedException): the AWS identity needs eks:DescribeInsight on describe-denied');
  });

  it('against moto 5.2.6 (no insights API) the check is not-checked, saying so', async () => {
    const r = await run(moto.url, 'on-moto');
    expect([r.status, r.reason]).toEqual(['not-checked', 'the AWS endpoint does not implement ListInsights (HTTP 404)']);
  });

  it.each([
    ['Hybrid nodes remote node network', 'eks.remote-node-network-mismatch'],
    ['Hybrid nodes remote pod network', 'eks.remote-pod-network-mismatch'],
    ['Kubelet version skew', 'eks.version-skew'],
    ['Deprecated APIs removed in Kubernetes v1.34', undefined],
  ])('insight %j maps to %s', (name, cause) => {
    expect(insightCause(name)).toBe(cause);
  });
});
