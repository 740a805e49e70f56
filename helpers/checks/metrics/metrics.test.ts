import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { histogramQuantile, p99Series } from './latency.ts';
import { metricsChecks } from './index.ts';
import { NotPrometheusText, parsePrometheusText } from './prom-text.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (name: string) => readFileSync(join(FIX, name));

/** Scenario → what `/<scenario>/metrics` serves, and what `?comp=core` serves. */
type Reply = { status?: number; type?: string; body: Buffer | string } | 'hang';
const SCENARIOS: Record<string, { exporter: Reply; core?: Reply }> = {
  healthy: { exporter: { body: fx('exporter-healthy.prom') }, core: { body: fx('core-healthy.prom') } },
  // Real Harbor v2.13.5's label values (building.md, difference 10; src/pkg/exporter): no trivy
  // component without WITH_TRIVY, harbor_project_total only for groups that exist,
  // harbor_system_info{harbor_version=""} (the exporter reads systeminfo anonymously, difference 9),
  // the seven harbor_statistics_* families; core's operations are go-swagger names (GetHealth).
  'real-2.13.5': { exporter: { body: fx('exporter-real-2.13.5.prom') }, core: { body: fx('core-healthy.prom') } },
  'high-401': { exporter: { body: fx('exporter-healthy.prom') }, core: { body: fx('core-high-401.prom') } },
  'high-5xx': { exporter: { body: fx('exporter-healthy.prom') }, core: { body: fx('core-high-5xx.prom') } },
  slow: { exporter: { body: fx('exporter-healthy.prom') }, core: { body: fx('core-slow.prom') } },
  'few-requests': { exporter: { body: fx('exporter-healthy.prom') }, core: { body: fx('core-few-requests.prom') } },
  'near-quota': { exporter: { body: fx('exporter-near-quota.prom') }, core: { body: fx('core-healthy.prom') } },
  'component-down': { exporter: { body: fx('exporter-component-down.prom') }, core: { body: fx('core-healthy.prom') } },
  'no-core': { exporter: { body: fx('exporter-healthy.prom') }, core: { status: 404, body: '404 page not found\n' } },
  'registry-histogram': { exporter: { body: fx('registry-slow-histogram.prom') } },
  html: { exporter: { type: 'text/html', body: fx('garbage-html.txt') } },
  json: { exporter: { type: 'application/json', body: fx('garbage-json.txt') } },
  plain: { exporter: { body: fx('garbage-plain.txt') } },
  binary: { exporter: { type: 'application/octet-stream', body: fx('garbage-binary.bin') } },
  empty: { exporter: { body: '' } },
  'not-found': { exporter: { status: 404, body: '404 page not found\n' } },
  unauthorized: { exporter: { status: 401, body: 'unauthorized' } },
  hang: { exporter: 'hang' },
};

let server: Server;
let base: string;
let refusedUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const scenario = SCENARIOS[u.pathname.split('/')[1] ?? ''];
    const reply = !scenario ? { status: 404, body: 'no such scenario' } : u.searchParams.get('comp') === 'core' ? (scenario.core ?? { status: 404, body: 'no core' }) : scenario.exporter;
    if (reply === 'hang') return; // never answers; the client's request timeout must fire
    res.writeHead(reply.status ?? 200, { 'content-type': reply.type ?? 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(reply.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free: bind, read, close, so connecting is refused.
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  refusedUrl = `http://127.0.0.1:${(tmp.address() as AddressInfo).port}/metrics`;
  await new Promise<void>((r) => tmp.close(() => r()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const ctxFor = (url: string, metrics: Record<string, unknown> = {}) =>
  testContext({ metrics: { url, ...metrics }, timeouts: { connectMs: 1000, requestMs: 800, runMs: 10000 } });

const NONE = { scrape: [], families: [], 'auth-failures': [], errors: [], latency: [], quota: [], 'harbor-up': [], 'scrape-config': [] };
/** Not-checked outcome per check when the scrape failed: the other checks are blocked by it. */
const UNREACHABLE = Object.fromEntries(['families', 'auth-failures', 'errors', 'latency', 'quota', 'harbor-up'].map((id) => [id, 'blocked by metrics.unreachable']));
const NO_CORE = { 'auth-failures': 'blocked by metrics.families-missing', errors: 'blocked by metrics.families-missing', latency: 'blocked by metrics.families-missing' };
const FEW = { 'auth-failures': 'not-applicable', errors: 'not-applicable' };

describe('metrics checks against a real HTTP server', () => {
  it.each([
    ['healthy', {}, {}],
    ['real-2.13.5', {}, {}],
    ['high-401', { 'auth-failures': ['metrics.auth-failures-high'] }, {}],
    ['high-5xx', { errors: ['metrics.errors-high'] }, {}],
    ['slow', { latency: ['metrics.latency-high'] }, {}],
    ['few-requests', {}, FEW],
    ['near-quota', { quota: ['metrics.storage-near-quota'] }, {}],
    ['component-down', { 'harbor-up': ['harbor.unhealthy'] }, {}],
    ['no-core', { families: ['metrics.families-missing', 'metrics.families-missing'] }, NO_CORE],
    ['html', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
    ['json', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
    ['plain', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
    ['binary', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
    ['empty', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
    ['not-found', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
    ['unauthorized', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
    ['hang', { scrape: ['metrics.unreachable'] }, UNREACHABLE],
  ] as const)('%s', async (scenario, expected, notChecked: Record<string, string>) => {
    const results = await runChecks(metricsChecks, ctxFor(`${base}/${scenario}/metrics`));
    expect(results.filter((r) => r.status === 'errored').map((r) => r.reason)).toEqual([]);
    const got = causesByCheck(results);
    expect(got).toEqual({ ...NONE, ...expected });
    // Statuses: failed with findings, not-checked with why (scrape-config: no file in the target), else passed.
    const want = { ...Object.fromEntries(Object.keys(NONE).map((id) => [id, (expected as Record<string, string[]>)[id] ? 'failed' : 'passed'])), 'scrape-config': 'not-configured', ...notChecked };
    expect(Object.fromEntries(results.map((r) => [r.id, r.status !== 'not-checked' ? r.status : r.blockedBy ? `blocked by ${r.blockedBy}` : r.notChecked]))).toEqual(want);
  });

  it('refused port → metrics.unreachable saying so', async () => {
    const [r] = await runChecks(metricsChecks.slice(0, 1), ctxFor(refusedUrl));
    expect(r!.findings.map((f) => f.cause)).toEqual(['metrics.unreachable']);
    expect(String(r!.findings[0]!.params.detail)).toMatch(/connection refused/);
  });

  it.each([
    ['not-found', /HTTP 404/],
    ['unauthorized', /HTTP 401/],
    ['hang', /no complete response within 800 ms/],
    ['html', /HTML/],
    ['json', /JSON/],
    ['binary', /binary/],
    ['empty', /empty/],
    ['plain', /not a number|not a sample/],
  ])('%s: the detail says what happened', async (scenario, re) => {
    const [r] = await runChecks(metricsChecks.slice(0, 1), ctxFor(`${base}/${scenario}/metrics`));
    expect(String(r!.findings[0]!.params.detail)).toMatch(re);
  });

  it('a failed scrape is reported once: the other checks emit nothing and say why', async () => {
    const results = await runChecks(metricsChecks, ctxFor(`${base}/not-found/metrics`));
    const findings = results.flatMap((r) => r.findings);
    expect(findings).toHaveLength(1);
    expect(results.find((r) => r.id === 'errors')).toMatchObject({ status: 'not-checked', notChecked: 'blocked', blockedBy: 'metrics.unreachable', reason: expect.stringMatching(/could not be scraped \(HTTP 404.*see metrics\/scrape$/) });
  });

  it('params carry the numbers the catalog renders', async () => {
    const results = await runChecks(metricsChecks, ctxFor(`${base}/high-401/metrics`));
    const f = results.find((r) => r.id === 'auth-failures')!.findings[0]!;
    expect(f.params).toMatchObject({ family: 'harbor_core_http_request_total', ratio: 0.6378, threshold: 0.5, value: 4350 });
    const q = (await runChecks(metricsChecks, ctxFor(`${base}/near-quota/metrics`))).find((r) => r.id === 'quota')!.findings[0]!;
    expect(q.params).toMatchObject({ project: 'secure', ratio: 0.95, threshold: 0.9 });
    const l = (await runChecks(metricsChecks, ctxFor(`${base}/slow/metrics`))).find((r) => r.id === 'latency')!.findings[0]!;
    expect(l.params).toMatchObject({ seconds: 7.4, value: 'method=GET,operation=v2_manifest', threshold: 2 });
  });

  it('thresholds come from the target', async () => {
    const ctx = ctxFor(`${base}/healthy/metrics`, { thresholds: { authFailureRatio: 0.001, errorRatio: 0.05, latencySeconds: 0.5, quotaUsageRatio: 0.1, minRequests: 20 } });
    const got = causesByCheck(await runChecks(metricsChecks, ctx));
    expect(got).toMatchObject({ 'auth-failures': ['metrics.auth-failures-high'], latency: ['metrics.latency-high'], quota: ['metrics.storage-near-quota'] });
  });

  it('histogram latency (registry component): p99 from buckets, registry families as requiredFamilies', async () => {
    const ctx = ctxFor(`${base}/registry-histogram/metrics?comp=registry`, { requiredFamilies: ['registry_http_requests_total', 'registry_http_request_duration_seconds'] });
    const results = await runChecks(metricsChecks, ctx);
    const got = causesByCheck(results);
    expect(got).toMatchObject({ families: [], latency: ['metrics.latency-high'], errors: [] });
    const f = results.find((r) => r.id === 'latency')!.findings[0]!;
    expect(f.params).toMatchObject({ family: 'registry_http_request_duration_seconds', value: 'handler=blob,method=get', seconds: 9.5 });
  });
});

describe('Prometheus text parsing', () => {
  it('keeps every summary series with its labels (the package alone merges them)', () => {
    const fams = parsePrometheusText(fx('core-healthy.prom').toString());
    const lat = fams.get('harbor_core_http_request_duration_seconds')!;
    expect(lat.type).toBe('summary');
    const s = p99Series(lat);
    expect(s).toHaveLength(5); // the DELETE series has quantile NaN (no observations) and is skipped
    expect(s.find((x) => x.labels.operation === 'v2_blob')).toMatchObject({ p99: 0.9, count: 800, source: 'summary' });
  });

  it.each([
    ['', /empty/],
    ['<html><body>x</body></html>', /HTML/],
    ['{"a":1}', /JSON/],
    ['hello world foo', /not a sample line|not a number/],
    ['# TYPE x counter\nx{a="1" 3\n', /invalid line|malformed/],
    ['# only a comment\n', /no samples/],
  ])('%j is not Prometheus text', (body, re) => {
    expect(() => parsePrometheusText(body)).toThrow(NotPrometheusText);
    expect(() => parsePrometheusText(body)).toThrow(re);
  });

  it('histogram_quantile matches Prometheus on edge cases', () => {
    expect(histogramQuantile(0.99, [{ le: 1, c: 0 }, { le: Infinity, c: 0 }])).toBeUndefined();
    expect(histogramQuantile(0.5, [{ le: 1, c: 10 }, { le: 2, c: 20 }, { le: Infinity, c: 20 }])).toBe(1);
    expect(histogramQuantile(0.99, [{ le: 1, c: 10 }, { le: Infinity, c: 20 }])).toBe(1); // lands in +Inf → highest finite bound
    expect(histogramQuantile(0.5, [{ le: 0.1, c: 5 }, { le: Infinity, c: 10 }].reverse())).toBeCloseTo(0.1);
  });
});
