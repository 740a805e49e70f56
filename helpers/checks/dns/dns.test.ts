import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { queryDns } from '../../net/dns-query.ts';
import { startTestDnsServer, type DnsBehaviour, type TestDnsServer } from '../../net/test-dns-server.ts';
import { parseCorefile } from '../../parsers/corefile.ts';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { lintCorefile } from './corefile-lint.ts';
import { dnsChecks } from './index.ts';

const NAME = 'harbor.test';
const IP = '10.20.30.40'; // answer data only: nothing ever connects to it
const servers: TestDnsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function dnsServer(records: Record<string, string[]>, behaviour: Record<string, DnsBehaviour> = {}): Promise<TestDnsServer> {
  const s = await startTestDnsServer({ records, behaviour });
  servers.push(s);
  return s;
}
const testdata = (f: string) => fileURLToPath(new URL(`./testdata/${f}`, import.meta.url));

function expectCauses(results: Awaited<ReturnType<typeof runChecks>>, expected: Record<string, string[]>, notChecked: Record<string, string> = {}) {
  expect(results.filter((r) => r.status === 'errored').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
  expect(causesByCheck(results)).toEqual(Object.fromEntries(dnsChecks.map((c) => [c.id, expected[c.id] ?? []])));
  // failed with findings; not-checked with its kind or blocking cause; passed only when judged.
  expect(Object.fromEntries(results.map((r) => [r.id, r.status !== 'not-checked' ? r.status : r.blockedBy ? `blocked by ${r.blockedBy}` : r.notChecked])))
    .toEqual(Object.fromEntries(dnsChecks.map((c) => [c.id, notChecked[c.id] ?? (expected[c.id] ? 'failed' : 'passed')])));
}

const single: { name: string; behaviour?: DnsBehaviour; expect?: string[]; latencyWarnMs?: number; expected: Record<string, string[]>; notChecked?: Record<string, string> }[] = [
  { name: 'healthy answer', expect: [IP], expected: {} },
  { name: 'NXDOMAIN', behaviour: 'nxdomain', expected: { 'resolve': ['dns.nxdomain'] } },
  { name: 'SERVFAIL', behaviour: 'servfail', expected: { 'resolve': ['dns.servfail'] } },
  { name: 'REFUSED', behaviour: 'refused', expected: { 'resolve': ['dns.servfail'] } },
  { name: 'never answers', behaviour: 'silent', expected: { 'resolve': ['dns.timeout'] }, notChecked: { latency: 'blocked by dns.timeout' } },
  { name: 'never answers, addresses expected', behaviour: 'silent', expect: [IP], expected: { 'resolve': ['dns.timeout'] }, notChecked: { latency: 'blocked by dns.timeout', expected: 'blocked by dns.timeout' } },
  { name: 'NXDOMAIN, addresses expected', behaviour: 'nxdomain', expect: [IP], expected: { 'resolve': ['dns.nxdomain'] }, notChecked: { expected: 'blocked by dns.nxdomain' } },
  { name: 'truncated over UDP, full answer over TCP', behaviour: 'truncate', expect: [IP], expected: {} },
  { name: 'truncated over UDP, TCP closes', behaviour: 'truncate-no-tcp', expected: { 'resolve': ['dns.servfail'] } },
  { name: 'response cut short (truncated garbage)', behaviour: 'truncated-garbage', expected: { 'resolve': ['dns.servfail'] } },
  { name: 'random bytes', behaviour: 'random-bytes', expected: { 'resolve': ['dns.servfail'] } },
  { name: 'wrong transaction id only', behaviour: 'wrong-id', expected: { 'resolve': ['dns.servfail'] } },
  { name: 'slow answer', behaviour: { slowMs: 120 }, latencyWarnMs: 40, expect: [IP], expected: { 'latency': ['dns.slow'] } },
  // one lost datagram, answered on the retry (250 ms, above the 200 ms threshold): re-asked, the
  // median is fast (evidence, no verdict)
  { name: 'first query lost, then fast', behaviour: { dropFirst: 1 }, latencyWarnMs: 200, expect: [IP], expected: {} },
  // every other datagram lost: each lookup waits a retry timeout, below the 1000 ms threshold
  // but a verdict by the loss alone
  { name: 'every other query lost', behaviour: { dropEvery: 2 }, expect: [IP], expected: { 'latency': ['dns.slow'] } },
  { name: 'answer not the expected address', expect: ['10.99.99.99'], expected: { 'expected': ['dns.wrong-address'] } },
];

describe('dns checks against a real DNS server on 127.0.0.1', () => {
  it.each(single)('$name', async (sc) => {
    const s = await dnsServer({ [NAME]: [IP] }, sc.behaviour ? { [NAME]: sc.behaviour } : {});
    const ctx = testContext({
      harbor: { url: `https://${NAME}` },
      dns: { resolvers: [{ name: 'node', address: s.address, role: 'node' }], expect: sc.expect ?? [], latencyWarnMs: sc.latencyWarnMs ?? 1000 },
      timeouts: { requestMs: 250 },
    });
    const started = Date.now();
    const results = await runChecks(dnsChecks, ctx);
    expect(Date.now() - started).toBeLessThan(3000);
    // One resolver: nothing to agree with; no Corefile; no expected addresses unless given.
    expectCauses(results, sc.expected, { agreement: 'not-configured', corefile: 'not-configured', ...(sc.expect ? {} : { expected: 'not-configured' }), ...sc.notChecked });
  });

  const pairs: { name: string; cluster: DnsBehaviour | string[]; node: DnsBehaviour | string[]; expected: Record<string, string[]> }[] = [
    { name: 'cluster and node agree', cluster: [IP], node: [IP], expected: {} },
    { name: 'cluster resolves, node NXDOMAIN (guide hosts entry only in CoreDNS)', cluster: [IP], node: 'nxdomain', expected: { 'resolve': ['dns.nxdomain'], 'agreement': ['dns.split-view'] } },
    { name: 'different, disjoint answers', cluster: [IP], node: ['10.1.1.1'], expected: { 'agreement': ['dns.split-view'] } },
    { name: 'overlapping round-robin answers', cluster: [IP, '10.1.1.1'], node: [IP], expected: {} },
  ];
  it.each(pairs)('split view: $name', async ({ cluster, node, expected }) => {
    const mk = (b: DnsBehaviour | string[]) => (Array.isArray(b) ? dnsServer({ [NAME]: b }) : dnsServer({}, { [NAME]: b }));
    const [c, n] = [await mk(cluster), await mk(node)];
    const ctx = testContext({
      harbor: { url: `https://${NAME}` },
      dns: { resolvers: [{ name: 'coredns', address: c.address, role: 'cluster' }, { name: 'node', address: n.address, role: 'node' }] },
      timeouts: { requestMs: 300 },
    });
    expectCauses(await runChecks(dnsChecks, ctx), expected, { expected: 'not-configured', corefile: 'not-configured' });
  });

  it('a name no must-agree resolver answers: agreement not checked, blocked by the resolve cause', async () => {
    const [c, n] = [await dnsServer({}, { [NAME]: 'nxdomain' }), await dnsServer({}, { [NAME]: 'servfail' })];
    const ctx = testContext({
      harbor: { url: `https://${NAME}` },
      dns: { resolvers: [{ name: 'coredns', address: c.address, role: 'cluster' }, { name: 'node', address: n.address, role: 'node' }] },
      timeouts: { requestMs: 300 },
    });
    const results = await runChecks(dnsChecks, ctx);
    expectCauses(results, { resolve: ['dns.nxdomain', 'dns.servfail'] }, { agreement: 'blocked by dns.nxdomain', expected: 'not-configured', corefile: 'not-configured' });
    expect(results.find((r) => r.id === 'agreement')!.reason).toBe(`no resolver answered, nothing to compare, for ${NAME} @ coredns (NXDOMAIN), ${NAME} @ node (SERVFAIL); see dns/resolve`);
  });

  it('an upstream resolver that does not know the private name is not a split view', async () => {
    const c = await dnsServer({ [NAME]: [IP] });
    const n = await dnsServer({ [NAME]: [IP] });
    const up = await dnsServer({});
    const ctx = testContext({
      harbor: { url: `https://${NAME}` },
      dns: { resolvers: [{ name: 'coredns', address: c.address, role: 'cluster' }, { name: 'node', address: n.address, role: 'node' }, { name: 'public', address: up.address, role: 'upstream' }] },
    });
    expectCauses(await runChecks(dnsChecks, ctx), { 'resolve': ['dns.nxdomain'] }, { expected: 'not-configured', corefile: 'not-configured' });
  });

  it('queries each resolver × name once per run and records transport and latency', async () => {
    const s = await dnsServer({ [NAME]: [IP] }, { [NAME]: 'truncate' });
    const ctx = testContext({ harbor: { url: `https://${NAME}` }, dns: { resolvers: [{ name: 'node', address: s.address, role: 'node' }] } });
    const results = await runChecks(dnsChecks, ctx);
    expect(s.queries()).toBe(2); // one UDP (truncated) + one TCP, shared by all checks
    const ev = results.find((r) => r.id === 'resolve')!.evidence as { observations: { transport: string; truncated: boolean; addresses: string[] }[] };
    expect(ev.observations[0]).toMatchObject({ transport: 'tcp', truncated: true, addresses: [IP] });
  });

  it('is not checked (not configured) without resolvers (the system resolver is never queried)', async () => {
    const results = await runChecks(dnsChecks, testContext({ harbor: { url: `https://${NAME}` } }));
    expect(results.map((r) => `${r.status} (${r.notChecked})`)).toEqual(Array(5).fill('not-checked (not-configured)'));
    expect(results[0]!.reason).toMatch(/^no dns.resolvers configured/);
  });
});

describe('queryDns', () => {
  it('retries a bounded number of times and reports attempts', async () => {
    const s = await dnsServer({}, { [NAME]: 'silent' });
    const r = await queryDns({ server: s.address, name: NAME, timeoutMs: 100, retries: 2 });
    expect(r).toMatchObject({ outcome: 'timeout', attempts: 3 });
    expect(s.queries()).toBe(3);
  });
  it('counts responses with a foreign id and reports them as malformed', async () => {
    const s = await dnsServer({ [NAME]: [IP] }, { [NAME]: 'wrong-id' });
    const r = await queryDns({ server: s.address, name: NAME, timeoutMs: 100, retries: 0 });
    expect(r).toMatchObject({ outcome: 'malformed', mismatchedIds: 1 });
  });
  it('NOERROR without records is nodata', async () => {
    const s = await dnsServer({ [NAME]: ['::1'] });
    const r = await queryDns({ server: s.address, name: NAME, timeoutMs: 300 });
    expect(r).toMatchObject({ outcome: 'nodata', rcode: 'NOERROR', addresses: [] });
  });
});

describe('dns.corefile lint', () => {
  const cases: { file: string; names: string[]; expected: string[] }[] = [
    { file: 'guide.Corefile', names: ['harbor.yourdomain.com'], expected: [] },
    { file: 'no-fallthrough.Corefile', names: ['harbor.yourdomain.com'], expected: ['dns.coredns-hosts-no-fallthrough'] },
    { file: 'no-hosts.Corefile', names: ['harbor.yourdomain.com'], expected: ['dns.coredns-hosts-missing'] },
    { file: 'separate-zone.Corefile', names: ['harbor.yourdomain.com'], expected: [] },
    { file: 'guide.Corefile', names: ['harbor.sandbox.test'], expected: ['dns.coredns-hosts-missing'] },
  ];
  it.each(cases)('$file for $names → $expected', async ({ file, names, expected }) => {
    const ctx = testContext({ harbor: { url: 'https://harbor.yourdomain.com' }, dns: { corefile: testdata(file), names } });
    const results = await runChecks(dnsChecks, ctx);
    const r = results.find((x) => x.id === 'corefile')!;
    expect(r.status).toBe(expected.length ? 'failed' : 'passed');
    expect(r.findings.map((f) => f.cause)).toEqual(expected);
  });

  it('points at the hosts block line and the rendered message names the file', async () => {
    const ctx = testContext({ harbor: { url: 'https://harbor.yourdomain.com' }, dns: { corefile: testdata('no-fallthrough.Corefile') } });
    const [f] = (await runChecks(dnsChecks, ctx)).find((x) => x.id === 'corefile')!.findings;
    expect(f!.subject).toMatch(/no-fallthrough\.Corefile:9$/);
    expect(f!.message).toContain('no-fallthrough.Corefile:9');
  });

  it('a hosts block in a server block for another zone does not serve the name', () => {
    const cf = parseCorefile('other.com {\n hosts {\n  1.2.3.4 harbor.yourdomain.com\n  fallthrough\n }\n}\n.:53 {\n forward . /etc/resolv.conf\n}\n');
    expect(lintCorefile(cf, ['harbor.yourdomain.com']).issues.map((i) => i.cause)).toEqual(['dns.coredns-hosts-missing']);
  });

  it.each([
    { name: 'malformed', content: '.:53 {\n  hosts {\n    1.2.3.4 a\n', message: /:2: malformed Corefile: unclosed/ },
    { name: 'missing', content: undefined, message: /cannot read .*ENOENT/ },
  ])('a $name Corefile is a UsageError with file and line', async ({ content, message }) => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const p = join(mkdtempSync(join(tmpdir(), 'hd-cf-')), 'Corefile');
    if (content !== undefined) writeFileSync(p, content);
    const { dnsCorefile } = await import('./corefile.ts');
    const ctx = testContext({ harbor: { url: 'https://harbor.yourdomain.com' }, dns: { corefile: p } });
    const err = await dnsCorefile.run(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^dns\.corefile: /);
    expect((err as Error).message).toMatch(message);
    expect(existsSync(p) || content === undefined).toBe(true);
  });
});
