import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePrometheusText } from '../helpers/checks/metrics/prom-text.ts';
import { createWatchMetrics } from '../helpers/watch/metrics.ts';

/**
 * deploy/: the Prometheus alerts (checked and unit-tested with the real promtool), the
 * PrometheusRule twin, the Grafana dashboard's queries against the families `watch` serves, and
 * a real Prometheus (Debian's package; docker/host-setup.sh installs it) scraping a `watch`
 * child process on loopback.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const PROM = join(ROOT, 'deploy/prometheus');
const RULES = join(PROM, 'hybrid-doctor-rules.yaml');
const BIN = join(ROOT, 'bin/hybrid-doctor.mjs');
type Rules = { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
const rules = parse(readFileSync(RULES, 'utf8')) as Rules;
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/hybrid-doctor-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };

/** The family names `watch` serves, from its own registry rendered as exposition text. */
async function exposedFamilies(): Promise<Set<string>> {
  const m = createWatchMetrics({ intervalSeconds: 60 });
  return new Set(parsePrometheusText(await m.registry.metrics()).keys());
}
const metricNames = (expr: string) => [...expr.matchAll(/\bhybrid_doctor_[a-z_]+/g)].map((x) => x[0]);

describe('deploy/prometheus with promtool', () => {
  it('promtool check rules accepts the rule file and the PrometheusRule holds the same groups', async () => {
    const r = await execa('promtool', ['check', 'rules', RULES], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${rules.groups.flatMap((g) => g.rules).length} rules found`);
    const crd = parse(readFileSync(join(PROM, 'hybrid-doctor-prometheusrule.yaml'), 'utf8')) as { kind: string; spec: Rules };
    expect(crd.kind).toBe('PrometheusRule');
    expect(crd.spec.groups).toEqual(rules.groups);
  });

  it('promtool test rules passes, and fails when a threshold moves', async () => {
    const ok = await execa('promtool', ['test', 'rules', 'hybrid-doctor-rules.test.yaml'], { cwd: PROM, reject: false });
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('SUCCESS');
    // The same test against rules with the certificate window cut to 7 days must fail.
    const dir = mkdtempSync(join(tmpdir(), 'hd-rules-'));
    writeFileSync(join(dir, 'hybrid-doctor-rules.yaml'), readFileSync(RULES, 'utf8').replace('hybrid_doctor_certificate_expiry_seconds < 14 * 86400', 'hybrid_doctor_certificate_expiry_seconds < 7 * 86400'));
    copyFileSync(join(PROM, 'hybrid-doctor-rules.test.yaml'), join(dir, 'hybrid-doctor-rules.test.yaml'));
    const bad = await execa('promtool', ['test', 'rules', 'hybrid-doctor-rules.test.yaml'], { cwd: dir, reject: false });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/HybridDoctorCertificateExpiringSoon/);
  });

  it.each([
    { name: 'the alert rules', exprs: () => rules.groups.flatMap((g) => g.rules.map((r) => r.expr)) },
    { name: 'the Grafana dashboard', exprs: () => dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)) },
  ])('every hybrid_doctor_* metric $name query is a family watch serves', async ({ exprs }) => {
    const families = await exposedFamilies();
    const used = new Set(exprs().flatMap(metricNames));
    expect(used.size).toBeGreaterThan(3);
    for (const n of used) expect(families, n).toContain(n);
  });

  it('the dashboard covers status, causes, certificate and robot expiry, DNS and pull latency, staleness', () => {
    const all = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const n of ['hybrid_doctor_check_status', 'hybrid_doctor_findings', 'hybrid_doctor_certificate_expiry_seconds', 'hybrid_doctor_robot_expiry_seconds', 'hybrid_doctor_dns_latency_seconds', 'hybrid_doctor_pull_latency_seconds', 'hybrid_doctor_last_success_timestamp_seconds', 'hybrid_doctor_last_run_timestamp_seconds']) expect(all).toContain(n);
  });
});

describe('a real Prometheus scrapes watch on loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hd-prom-'));
  let http: Server;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    http = createHttpServer((_q, res) => res.end('plain'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await new Promise((r) => http.close(r));
  });

  const freePort = async () => {
    const s = createNetServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as AddressInfo;
    await new Promise((r) => s.close(r));
    return port;
  };
  const until = async <T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> => {
    const end = Date.now() + ms;
    let last: unknown;
    while (Date.now() < end) {
      try {
        const v = await f();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
  };
  const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('exit', (code) => r(code))));

  it('up == 1 and the tls/handshake failure is queryable; rules load; both stop by pid', async () => {
    const target = join(dir, 'target.yaml');
    writeFileSync(target, `name: prom-loopback\nharbor: { url: "https://127.0.0.1:${(http.address() as AddressInfo).port}" }\ntimeouts: { connectMs: 1000, requestMs: 1000 }\n`);
    const watchPort = await freePort();
    const watch = spawn(process.execPath, [BIN, 'watch', '--target', target, '--suites', 'tls', '--interval', '2s', '--listen', `127.0.0.1:${watchPort}`], { stdio: 'ignore' });
    children.push(watch);
    await until('watch /healthz', 30_000, async () => ((await fetch(`http://127.0.0.1:${watchPort}/healthz`)).ok ? true : undefined));

    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ["${RULES}"]`,
        'scrape_configs:',
        '  - job_name: hybrid-doctor',
        `    static_configs: [{ targets: ["127.0.0.1:${watchPort}"] }]`,
      ].join('\n'),
    );
    const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    children.push(prom);
    const api = `http://127.0.0.1:${promPort}/api/v1`;
    type Vector = { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    const query = async (q: string) => ((await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as Vector).data.result;

    const up = await until('up{job="hybrid-doctor"} == 1', 60_000, async () => {
      const r = await query('up{job="hybrid-doctor"}');
      return r[0]?.value[1] === '1' ? r[0] : undefined;
    });
    expect(up.metric.instance).toBe(`127.0.0.1:${watchPort}`);
    const failed = await until('the handshake status', 30_000, async () => (await query('hybrid_doctor_check_status{suite="tls",check="handshake",status="failed"}'))[0]);
    expect(failed.value[1]).toBe('1');
    expect(failed.metric.job).toBe('hybrid-doctor');
    const cause = await until('the plain-http finding', 30_000, async () => (await query('hybrid_doctor_findings{cause="net.plain-http"}'))[0]);
    expect(cause.value[1]).toBe('1');
    const groups = ((await (await fetch(`${api}/rules`)).json()) as { data: { groups: { name: string; rules: { name: string; health: string }[] }[] } }).data.groups;
    expect(groups.map((g) => g.name)).toEqual(['hybrid-doctor']);
    expect(groups[0]!.rules.map((r) => r.health).filter((h) => h === 'err')).toEqual([]);

    prom.kill('SIGTERM');
    watch.kill('SIGTERM');
    const [pc, wc] = await Promise.all([exitOf(prom), exitOf(watch)].map((p) => Promise.race([p, new Promise((r) => setTimeout(() => r('timeout'), 20_000))])));
    expect(pc).toBe(0);
    expect(wc).toBe(0);
  }, 150_000);
});
