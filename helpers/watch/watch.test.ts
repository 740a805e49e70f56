import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/options.ts';
import { parseInterval, parseListen } from '../cli/watch.ts';
import { parsePrometheusText, type Families } from '../checks/metrics/prom-text.ts';
import type { CheckResult } from '../findings/finding.ts';
import { createPki, daysFromNow, type Pki } from '../net/test-pki.ts';
import { startTestDnsServer, type TestDnsServer } from '../net/test-dns-server.ts';
import { startHarborEmulator, type RunningEmulator } from '../../fixtures/sandbox/harbor-emulator/server.ts';
import { freePort, pushIndex, startRegistry, type TestRegistry } from '../registry/test-registry.ts';
import { METRIC, createWatchMetrics } from './metrics.ts';

/**
 * `hybrid-doctor watch` as a child process against real loopback servers: a TLS server whose
 * leaf expires in 10 days (tls.expiring-soon, a warning) and a DNS server answering Harbor's
 * name. /metrics is scraped over HTTP and parsed with the project's Prometheus text parser;
 * SIGTERM stops it with exit 0.
 */
const BIN = new URL('../../bin/hybrid-doctor.mjs', import.meta.url).pathname;
const HOST = 'harbor.watch.test';
const DAY = 86_400;
const dir = mkdtempSync(join(tmpdir(), 'hd-watch-'));
let pki: Pki;
let tls: Server;
let dns: TestDnsServer;
let port: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  pki = await createPki({ server: { dnsNames: [HOST], ipAddresses: ['127.0.0.1'], notAfter: daysFromNow(10) } });
  tls = createTlsServer({ key: pki.server.keyPem, cert: pki.serverChainPem() }, (s) => s.end());
  tls.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  tls.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  port = (tls.address() as AddressInfo).port;
  dns = await startTestDnsServer({ records: { [HOST]: ['127.0.0.1'] } });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => tls.close(r));
  await dns.close();
});

function target(): string {
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, pki.caBundlePem());
  const file = join(dir, 'target.yaml');
  writeFileSync(
    file,
    [
      'name: watch-loopback',
      `harbor: { url: "https://${HOST}:${port}", connectAddress: 127.0.0.1, caBundle: ${ca} }`,
      `dns: { expect: [127.0.0.1], resolvers: [{ name: node, address: "${dns.address}", role: node }] }`,
      'timeouts: { connectMs: 1000, requestMs: 1000 }',
    ].join('\n'),
  );
  return file;
}

/** Waits (bounded) until `pred` holds for the child's stderr so far. */
async function stderrUntil(child: ChildProcess, pred: (s: string) => boolean, ms: number): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out; stderr so far:\n${text}`)), ms);
    const on = (b: Buffer) => {
      text += b.toString();
      if (pred(text)) {
        clearTimeout(t);
        child.stderr!.off('data', on);
        resolve(text);
      }
    };
    child.stderr!.on('data', on);
  });
}

const sample = (fams: Families, name: string, labels: Record<string, string> = {}) =>
  fams.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('watch: a child process serving /metrics', () => {
  it.each([
    { failOn: 'error', exit: 0, result: 'ok', success: true },
    { failOn: 'warning', exit: 1, result: 'findings', success: false },
  ])('--fail-on $failOn: statuses, causes, certificate expiry, DNS latency, run bookkeeping; SIGTERM exits 0', async ({ failOn, exit, result, success }) => {
    const child = spawn(process.execPath, [BIN, 'watch', '--target', target(), '--suites', 'tls,dns', '--interval', '1s', '--listen', '127.0.0.1:0', '--fail-on', failOn], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const log = await stderrUntil(child, (s) => /\nhybrid-doctor watch: run 2: /.test(s), 60_000);
      const base = /serving (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(log)![1]!;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const fams = parsePrometheusText(await res.text());

      expect(fams.get(METRIC.checkStatus)?.type).toBe('gauge');
      expect(sample(fams, METRIC.checkStatus, { suite: 'tls', check: 'handshake', status: 'passed' })).toBe(1);
      expect(sample(fams, METRIC.checkStatus, { suite: 'tls', check: 'handshake', status: 'failed' })).toBe(0);
      expect(sample(fams, METRIC.checkStatus, { suite: 'tls', check: 'validity', status: 'failed' })).toBe(1);
      expect(sample(fams, METRIC.checkStatus, { suite: 'dns', check: 'resolve', status: 'passed' })).toBe(1);
      expect(sample(fams, METRIC.findings, { cause: 'tls.expiring-soon', severity: 'warning' })).toBe(1);

      const leaf = fams.get(METRIC.certExpiry)!.samples.find((s) => s.labels.subject?.includes(HOST));
      expect(leaf?.labels.endpoint).toBe(`${HOST}:${port}`);
      expect(Math.abs(leaf!.value - 10 * DAY)).toBeLessThan(3600);
      const latency = sample(fams, METRIC.dnsLatency, { name: HOST, resolver: 'node' });
      expect(latency).toBeGreaterThanOrEqual(0);
      expect(latency).toBeLessThan(1);

      expect(sample(fams, METRIC.runs, { result })).toBeGreaterThanOrEqual(2);
      expect(sample(fams, METRIC.lastExitCode)).toBe(exit);
      const now = Date.now() / 1000;
      expect(now - sample(fams, METRIC.lastRun)!).toBeLessThan(30);
      if (success) expect(now - sample(fams, METRIC.lastSuccess)!).toBeLessThan(30);
      else expect(sample(fams, METRIC.lastSuccess)).toBe(0);
      expect(sample(fams, METRIC.runDuration)).toBeGreaterThan(0);
      expect(sample(fams, METRIC.interval)).toBe(1);

      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { runs: number }).runs).toBeGreaterThanOrEqual(2);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      // Runs never overlap: each starts after the last has logged.
      const numbers = [...log.matchAll(/run (\d+): /g)].map((m) => Number(m[1]));
      expect(numbers).toEqual(numbers.map((_n, i) => i + 1));
    } finally {
      child.kill('SIGTERM');
    }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(code).toBe(0);
  }, 90_000);
});

describe('watch: runs longer than the interval never overlap', () => {
  it('a 1.5 s DNS answer with --interval 1s: each run starts after the last ended', async () => {
    const slow = await startTestDnsServer({ records: { [HOST]: ['127.0.0.1'] }, behaviour: { [HOST]: { slowMs: 1500 } } });
    const file = join(dir, 'slow-target.yaml');
    writeFileSync(file, [`harbor: { url: "https://${HOST}:1" }`, `dns: { expect: [127.0.0.1], latencyWarnMs: 5000, resolvers: [{ name: node, address: "${slow.address}", role: node }] }`, 'timeouts: { connectMs: 3000, requestMs: 3000 }'].join('\n'));
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'watch', '--target', file, '--suites', 'dns', '--interval', '1s', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const log = await stderrUntil(child, (s) => /\nhybrid-doctor watch: run 3: /.test(s), 60_000);
      const elapsed = (Date.now() - started) / 1000;
      const durations = [...log.matchAll(/run \d+: .* in ([\d.]+) s/g)].map((m) => Number(m[1]));
      expect(durations).toHaveLength(3);
      for (const d of durations) expect(d).toBeGreaterThanOrEqual(1.4);
      // Overlapping runs would add up to more than the time that passed.
      expect(durations.reduce((a, b) => a + b, 0)).toBeLessThan(elapsed);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))])).toBe(0);
    await slow.close();
  }, 90_000);
});

describe('watch against the Harbor core emulator and a real registry (robot expiry, pull latency)', () => {
  const ADMIN = 'Watch-Adm1n-Passw0rd';
  const SECRET = 'Watch-Rob0t-Secret-77';
  let registry: TestRegistry;
  let emu: RunningEmulator;
  beforeAll(async () => {
    registry = await startRegistry();
    const auth = registry.auth ? { authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` } : {};
    await pushIndex({ base: registry.url, ...auth }, 'library/busybox', '1.36', ['amd64', 'arm64']);
    const port = await freePort();
    const now = Math.floor(Date.now() / 1000);
    emu = await startHarborEmulator({
      host: '127.0.0.1',
      port,
      externalUrl: `http://127.0.0.1:${port}`,
      registryUpstream: registry.url,
      ...(registry.auth ? { registryUsername: registry.username!, registryPassword: registry.password! } : {}),
      adminPassword: ADMIN,
      projects: [{ name: 'library', public: false, metadata: { auto_scan: true, prevent_vul: false } }],
      robots: [{ name: 'soon-robot', level: 'system', secret: SECRET, expiresAt: now + 3 * DAY, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] }],
    });
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
    await registry?.stop();
  });

  it('robot expiry seconds, auth.robot-expiring-soon, manifest HEAD/GET latency per image; no secret in /metrics', async () => {
    const image = `127.0.0.1:${new URL(emu.url).port}/library/busybox:1.36`;
    writeFileSync(join(dir, 'robot-secret'), SECRET);
    writeFileSync(join(dir, 'admin-password'), ADMIN);
    const file = join(dir, 'harbor-target.yaml');
    writeFileSync(
      file,
      [
        'name: watch-harbor',
        `harbor: { url: "${emu.url}", trustedRealms: ["${emu.url}"], admin: { username: admin, password: { file: ./admin-password } } }`,
        'robot: { name: robot$soon-robot, secret: { file: ./robot-secret } }',
        `images: [{ ref: "${image}" }]`,
        'nodes: { platforms: [linux/amd64, linux/arm64] }',
        'timeouts: { connectMs: 3000, requestMs: 5000 }',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [BIN, 'watch', '--target', file, '--suites', 'robot-auth,image-pull', '--interval', '1s', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const log = await stderrUntil(child, (s) => /\nhybrid-doctor watch: run 1: /.test(s), 60_000);
      const base = /serving (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(log)![1]!;
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ADMIN);
      const fams = parsePrometheusText(text);
      expect(sample(fams, METRIC.checkStatus, { suite: 'robot-auth', check: 'expiry', status: 'failed' })).toBe(1);
      expect(sample(fams, METRIC.findings, { cause: 'auth.robot-expiring-soon', severity: 'warning' })).toBe(1);
      expect(Math.abs(sample(fams, METRIC.robotExpiry, { robot: 'robot$soon-robot' })! - 3 * DAY)).toBeLessThan(3600);
      expect(sample(fams, METRIC.checkStatus, { suite: 'image-pull', check: 'manifest', status: 'passed' })).toBe(1);
      for (const request of ['head', 'get']) {
        const v = sample(fams, METRIC.pullLatency, { image, request });
        expect(v, request).toBeGreaterThan(0);
        expect(v, request).toBeLessThan(5);
      }
    } finally {
      child.kill('SIGINT');
    }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(code).toBe(0);
  }, 90_000);
});

describe('watch metrics between runs', () => {
  it('the next run replaces the per-run families: a check that went away leaves no series behind', async () => {
    const m = createWatchMetrics({ intervalSeconds: 300 });
    const checks: CheckResult[] = [{ id: 'expiry', suite: 'robot-auth', title: 'expiry', status: 'passed', findings: [], durationMs: 1, evidence: { robot: { name: 'robot$ci', expires_at: 1_000_000 + 5 * DAY } } }];
    expect(m.record({ target: 't', startedAt: '', durationMs: 5, suites: ['robot-auth'], checks, findings: [] }, 'error', 1_000_000_000)).toBe(0);
    expect(sample(parsePrometheusText(await m.registry.metrics()), METRIC.robotExpiry, { robot: 'robot$ci' })).toBe(5 * DAY);
    m.record({ target: 't', startedAt: '', durationMs: 5, suites: [], checks: [], findings: [] }, 'error', 1_000_000_000);
    const after = parsePrometheusText(await m.registry.metrics());
    expect(after.get(METRIC.robotExpiry)?.samples ?? []).toEqual([]);
    expect(after.get(METRIC.checkStatus)?.samples ?? []).toEqual([]);
    expect(sample(after, METRIC.runs, { result: 'ok' })).toBe(2);
  });
});

describe('watch options', () => {
  it.each(Object.values(METRIC))('%s is documented in `help watch` and README', (name) => {
    expect(COMMANDS.watch.notes.join(' ')).toContain(name);
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(`\`${name}`);
  });
  it.each([
    ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['1500ms', 1500], [undefined, 300_000],
  ] as const)('--interval %s = %d ms', (v, ms) => expect(parseInterval(v)).toBe(ms));
  it.each(['5', '0.5s', '10x', '-1m'])('--interval %s is a usage error', (v) => expect(() => parseInterval(v)).toThrow(/--interval/));
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }], ['[::1]:0', { host: '::1', port: 0 }], [':9464', { host: '0.0.0.0', port: 9464 }], [undefined, { host: '127.0.0.1', port: 9464 }],
  ] as const)('--listen %s', (v, want) => expect(parseListen(v)).toEqual(want));
  it.each(['9464', 'host', '1.2.3.4:70000'])('--listen %s is a usage error', (v) => expect(() => parseListen(v)).toThrow(/--listen/));
});
