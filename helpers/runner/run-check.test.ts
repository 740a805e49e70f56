import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { blocked, mergeSubjects, notApplicable, type Check, type CheckOutput } from '../checks/check.ts';
import { dnsChecks } from '../checks/dns/index.ts';
import { harborChecks } from '../checks/harbor/index.ts';
import { runChecks, testContext } from '../checks/test-context.ts';
import { tlsChecks } from '../checks/tls/index.ts';
import type { CheckResult } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import { startTestDnsServer, type TestDnsServer } from '../net/test-dns-server.ts';
import { exitCode } from './exit-code.ts';
import { runCheck } from './run-check.ts';
import { runSuites } from './run-suites.ts';
import { parseTarget } from '../target/load.ts';

const servers: (Server | HttpServer)[] = [];
const sockets = new Set<Socket>();
const dnsServers: TestDnsServer[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all([...servers.splice(0).map((s) => new Promise((r) => s.close(r))), ...dnsServers.splice(0).map((d) => d.close())]);
});

async function listen(srv: Server | HttpServer): Promise<number> {
  srv.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}
/** A TCP server that accepts and never answers. */
const silentTcp = () => listen(createNetServer(() => undefined));

const check = (run: () => Promise<CheckOutput>, applies?: Check['applies']): Check => ({ id: 'c', suite: 'harbor', title: 't', run, ...(applies ? { applies } : {}) });
const warn = () => finding('harbor.prevent-vul-off', { subject: 'project/p', params: { project: 'p' }, severity: 'warning' });
const info = () => finding('harbor.prevent-vul-off', { subject: 'project/p', params: { project: 'p' } });

describe('runCheck: every outcome is exactly one of passed / failed / not-checked / errored', () => {
  const cases: { name: string; check: Check; want: Partial<CheckResult> }[] = [
    { name: 'no findings → passed', check: check(async () => ({ findings: [] })), want: { status: 'passed' } },
    { name: 'info finding only → passed', check: check(async () => ({ findings: [info()] })), want: { status: 'passed' } },
    { name: 'warning finding → failed', check: check(async () => ({ findings: [warn()] })), want: { status: 'failed' } },
    { name: 'applies says a string → not-checked (not-configured)', check: check(async () => ({ findings: [] }), () => 'no metrics.url in the target'), want: { status: 'not-checked', notChecked: 'not-configured', reason: 'no metrics.url in the target' } },
    { name: 'applies says not-applicable', check: check(async () => ({ findings: [] }), () => ({ kind: 'not-applicable', reason: 'plain http' })), want: { status: 'not-checked', notChecked: 'not-applicable', reason: 'plain http' } },
    { name: 'blocked without findings → not-checked with blockedBy', check: check(async () => ({ findings: [], notChecked: { kind: 'blocked', reason: 'handshake failed', blockedBy: 'net.plain-http' } })), want: { status: 'not-checked', notChecked: 'blocked', blockedBy: 'net.plain-http', reason: 'handshake failed' } },
    { name: 'blocked with an info finding → still not-checked', check: check(async () => ({ findings: [info()], notChecked: { kind: 'blocked', reason: 'r', blockedBy: 'x.y' } })), want: { status: 'not-checked', notChecked: 'blocked' } },
    { name: 'a finding wins over a not-checked subject → failed', check: check(async () => ({ findings: [warn()], notChecked: { kind: 'blocked', reason: 'r', blockedBy: 'x.y' } })), want: { status: 'failed' } },
    { name: 'throw → errored', check: check(async () => { throw new TypeError('boom'); }), want: { status: 'errored', reason: 'boom' } },
    { name: 'applies throws → errored', check: check(async () => ({ findings: [] }), () => { throw new Error('bad applies'); }), want: { status: 'errored', reason: 'bad applies' } },
  ];
  it.each(cases)('$name', async ({ check: c, want }) => {
    const r = await runCheck(c, testContext({}));
    expect(r).toMatchObject(want);
    if (r.status !== 'not-checked') expect(r.notChecked).toBeUndefined();
  });

  it('an errored check carries an internal.check-error finding naming the check, fully rendered', async () => {
    const r = await runCheck({ id: 'crashy', suite: 'dns', title: 't', run: async () => { throw new Error('unexpected shape', { cause: new TypeError('x is undefined') }); } }, testContext({}));
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ cause: 'internal.check-error', severity: 'error', subject: 'dns/crashy', check: 'dns/crashy', params: { name: 'dns/crashy', detail: 'unexpected shape: x is undefined' } });
    expect(f.message).toBe('Check dns/crashy could not run: unexpected shape: x is undefined');
    expect(JSON.stringify(f)).not.toMatch(/\{(name|detail)\}|no further detail/);
  });
});

describe('deadlines: never a finding about the target', () => {
  it('run deadline against a DNS server that never answers: dns checks not-checked (deadline), no dns.timeout', async () => {
    const d = await startTestDnsServer({ behaviour: { '*': 'silent' } });
    dnsServers.push(d);
    const ctx = testContext(
      { harbor: { url: 'https://harbor.test' }, dns: { resolvers: [{ name: 'node', address: d.address, role: 'node' }], expect: ['10.0.0.1'] }, timeouts: { requestMs: 5000, runMs: 300 } },
      {},
      { signal: AbortSignal.timeout(300) },
    );
    const started = Date.now();
    const results = await runChecks(dnsChecks, ctx);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(results.flatMap((r) => r.findings)).toEqual([]);
    expect(results.map((r) => `${r.id}: ${r.status} ${r.notChecked}`)).toEqual([
      'resolve: not-checked deadline', 'expected: not-checked deadline', 'agreement: not-checked not-configured', 'latency: not-checked deadline', 'corefile: not-checked not-configured',
    ]);
    expect(results[0]!.reason).toBe('the run deadline (timeouts.runMs = 0.3 s) passed before this check finished');
    // Checks that start after the deadline are not started at all.
    expect(results[1]!.reason).toBe('the run deadline (timeouts.runMs = 0.3 s) passed before this check started');
  });

  it('run deadline against a TCP server that accepts and never answers: no net.* / tls finding', async () => {
    const port = await silentTcp();
    const ctx = testContext({ harbor: { url: `https://harbor.test:${port}`, connectAddress: '127.0.0.1' }, timeouts: { connectMs: 5000, requestMs: 5000, runMs: 300 } }, {}, { signal: AbortSignal.timeout(300) });
    const results = await runChecks([...tlsChecks, ...harborChecks], ctx);
    expect(results.flatMap((r) => r.findings)).toEqual([]);
    expect(new Set(results.map((r) => r.notChecked))).toEqual(new Set(['deadline', 'not-configured']));
    expect(results.find((r) => r.id === 'handshake')).toMatchObject({ status: 'not-checked', notChecked: 'deadline' });
  });

  it('runSuites: the run deadline turns checks running or not yet started into not-checked (deadline), never findings', async () => {
    const d = await startTestDnsServer({ behaviour: { '*': 'silent' } });
    dnsServers.push(d);
    const port = await silentTcp();
    const t = parseTarget([
      'harbor:', `  url: https://harbor.test:${port}`, '  connectAddress: 127.0.0.1',
      'dns:', `  resolvers: [{ name: node, address: "${d.address}", role: node }]`,
      'timeouts: { connectMs: 5000, requestMs: 5000, runMs: 400 }',
    ].join('\n'));
    const started = Date.now();
    const run = await runSuites(t, ['tls', 'dns', 'harbor']);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(run.findings).toEqual([]);
    const byKind = (k: string) => run.checks.filter((c) => c.notChecked === k).map((c) => `${c.suite}/${c.id}`);
    expect(run.checks.every((c) => c.status === 'not-checked')).toBe(true);
    expect(byKind('deadline')).toEqual(expect.arrayContaining(['tls/handshake', 'dns/resolve', 'harbor/ping', 'harbor/health']));
    expect(run.checks.filter((c) => c.notChecked === 'deadline').every((c) => /^the run deadline \(timeouts\.runMs = 0\.4 s\) passed before this check (started|finished)$/.test(c.reason ?? ''))).toBe(true);
  });

  it('per-check deadline (timeouts.checkMs) against a silent server: not-checked (deadline) naming the budget', async () => {
    const port = await silentTcp();
    const ctx = testContext({ harbor: { url: `http://127.0.0.1:${port}` }, timeouts: { connectMs: 5000, requestMs: 5000, runMs: 60_000, checkMs: 250 } });
    const started = Date.now();
    const r = await runCheck(harborChecks[0]!, ctx);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r).toMatchObject({ id: 'ping', status: 'not-checked', notChecked: 'deadline', findings: [], reason: 'the check did not finish within its 0.25 s budget (timeouts.checkMs)' });
  });

  it("one check's deadline does not poison shared work another check awaits (ctx.once runs on the run signal)", async () => {
    // Answers after 400 ms: longer than the first check's budget, shorter than the second's.
    const port = await listen(createHttpServer((_q, res) => setTimeout(() => res.end('pong'), 400)));
    const shared = (c: Parameters<Check['run']>[0]) =>
      c.once('slow', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`, { signal: c.signal });
        return res.text();
      });
    const mk = (id: string): Check => ({ id, suite: 'harbor', title: id, run: async (c) => ({ findings: [], evidence: { body: await shared(c) } }) });
    const ctx = testContext({});
    const [a, b] = await Promise.all([runCheck(mk('short'), ctx, { checkMs: 100 }), runCheck(mk('long'), ctx, { checkMs: 5000 })]);
    expect(a).toMatchObject({ status: 'not-checked', notChecked: 'deadline' });
    expect(b).toMatchObject({ status: 'passed', evidence: { body: 'pong' } });
  });

  it('findings of a check that finished only because the run was aborted are discarded', async () => {
    const ac = new AbortController();
    const c: Check = {
      id: 'aborted', suite: 'dns', title: 't',
      // Reacts to the abort with a "finding", as a timed-out query would.
      run: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ findings: [finding('dns.timeout', { subject: 'x', params: { name: 'x' } })] }))),
    };
    const ctx = testContext({}, {}, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('SIGINT')), 50);
    const r = await runCheck(c, ctx);
    expect(r).toMatchObject({ status: 'not-checked', notChecked: 'deadline', findings: [], reason: 'the run was stopped (SIGINT) before this check finished' });
  });
});

describe('exitCode', () => {
  const ok = { status: 'passed' as const };
  it.each([
    { name: 'nothing', checks: [ok], findings: [], failOn: 'error' as const, code: 0 },
    { name: 'not-checked only', checks: [ok, { status: 'not-checked' as const }], findings: [], failOn: 'error' as const, code: 0 },
    { name: 'warning below error threshold', checks: [{ status: 'failed' as const }], findings: [{ severity: 'warning' as const, cause: 'dns.slow' as const }], failOn: 'error' as const, code: 0 },
    { name: 'warning at warning threshold', checks: [{ status: 'failed' as const }], findings: [{ severity: 'warning' as const, cause: 'dns.slow' as const }], failOn: 'warning' as const, code: 1 },
    { name: 'error finding', checks: [{ status: 'failed' as const }], findings: [{ severity: 'error' as const, cause: 'tls.expired' as const }], failOn: 'error' as const, code: 1 },
    { name: 'a check errored (and findings)', checks: [{ status: 'errored' as const }, { status: 'failed' as const }], findings: [{ severity: 'error' as const, cause: 'internal.check-error' as const }, { severity: 'error' as const, cause: 'tls.expired' as const }], failOn: 'error' as const, code: 3 },
  ])('$name → $code', ({ checks, findings, failOn, code }) => {
    expect(exitCode({ checks, findings }, failOn)).toBe(code);
  });
});

describe('mergeSubjects: a multi-subject check is passed only when every subject was judged', () => {
  const ok: CheckOutput = { findings: [] };
  const cases: { name: string; outs: CheckOutput[]; status: string; notChecked: string | undefined; reason: string | undefined }[] = [
    { name: 'all judged, fine', outs: [ok, ok], status: 'passed', notChecked: undefined, reason: undefined },
    { name: 'one blocked', outs: [ok, blocked('net.plain-http', 'no handshake')], status: 'not-checked', notChecked: 'blocked', reason: '1 of 2 not checked — s1: no handshake' },
    { name: 'one blocked, one with a finding', outs: [{ findings: [warn()] }, blocked('x.y', 'r')], status: 'failed', notChecked: undefined, reason: undefined },
    { name: 'other registry + judged (not-applicable subjects do not count)', outs: [notApplicable('other.io is not the Harbor host'), ok], status: 'passed', notChecked: undefined, reason: undefined },
    { name: 'every subject not applicable', outs: [notApplicable('a'), notApplicable('b')], status: 'not-checked', notChecked: 'not-applicable', reason: '2 of 2 not checked — s0: a; s1: b' },
  ];
  it.each(cases)('$name → $status', async ({ outs, status, notChecked, reason }) => {
    const merged = mergeSubjects(outs.map((out, i) => ({ subject: `s${i}`, out })));
    const r = await runCheck(check(async () => merged), testContext({}));
    expect([r.status, r.notChecked, r.reason]).toEqual([status, notChecked, reason]);
    expect(Object.keys(merged.evidence ?? {})).toEqual(outs.map((_, i) => `s${i}`));
  });
});
