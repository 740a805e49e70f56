import { Counter, Gauge, Registry } from 'prom-client';
import { CHECK_STATUSES, type CheckResult } from '../findings/finding.ts';
import type { Severity } from '../findings/cause-ids.ts';
import { exitCode } from '../runner/exit-code.ts';
import type { RunReport } from '../runner/run-suites.ts';

/**
 * The metric families `watch` serves on /metrics. deploy/prometheus/hybrid-doctor-rules.yaml and
 * deploy/grafana/hybrid-doctor-dashboard.json query these names (their tests check it).
 */
export const METRIC = {
  checkStatus: 'hybrid_doctor_check_status',
  findings: 'hybrid_doctor_findings',
  runs: 'hybrid_doctor_runs_total',
  lastRun: 'hybrid_doctor_last_run_timestamp_seconds',
  lastSuccess: 'hybrid_doctor_last_success_timestamp_seconds',
  lastExitCode: 'hybrid_doctor_last_run_exit_code',
  runDuration: 'hybrid_doctor_run_duration_seconds',
  interval: 'hybrid_doctor_watch_interval_seconds',
  certExpiry: 'hybrid_doctor_certificate_expiry_seconds',
  dnsLatency: 'hybrid_doctor_dns_latency_seconds',
  pullLatency: 'hybrid_doctor_pull_latency_seconds',
  robotExpiry: 'hybrid_doctor_robot_expiry_seconds',
} as const;

const RESULT = { 0: 'ok', 1: 'findings', 3: 'errored' } as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const evidenceOf = (checks: CheckResult[], suite: string, id: string): Obj | undefined => checks.find((c) => c.suite === suite && c.id === id)?.evidence;

/**
 * One registry per watch. `record` replaces every per-run family at once (reset, then set, in
 * one synchronous call), so a scrape never sees half of one run and half of the next, and a
 * check, cause or certificate that went away does not linger.
 */
export function createWatchMetrics(opts: { intervalSeconds: number }) {
  const registry = new Registry();
  const g = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const checkStatus = g(METRIC.checkStatus, 'Status of each check in the last run: 1 for its status, 0 for the others.', ['suite', 'check', 'status']);
  const findings = g(METRIC.findings, 'Findings per cause in the last run.', ['cause', 'severity']);
  const runs = new Counter({ name: METRIC.runs, help: 'Runs finished, by result (ok, findings, errored).', labelNames: ['result'], registers: [registry] });
  const lastRun = g(METRIC.lastRun, 'When the last run finished (Unix seconds).');
  const lastSuccess = g(METRIC.lastSuccess, 'When the last run with no finding at or above --fail-on and no errored check finished (Unix seconds).');
  const lastExit = g(METRIC.lastExitCode, 'The exit code `run` would have given the last run: 0 ok, 1 findings, 3 errored.');
  const duration = g(METRIC.runDuration, 'How long the last run took (seconds).');
  const interval = g(METRIC.interval, 'The watch interval (seconds): a last run older than a few intervals means watch is stuck.');
  const cert = g(METRIC.certExpiry, 'Seconds until each served certificate expires (tls/validity evidence; negative: expired).', ['endpoint', 'subject']);
  const dns = g(METRIC.dnsLatency, 'DNS answer latency per name and resolver (dns/latency evidence).', ['name', 'resolver']);
  const pull = g(METRIC.pullLatency, 'Manifest request latency per image (image-pull/manifest evidence): HEAD and GET.', ['image', 'request']);
  const robot = g(METRIC.robotExpiry, 'Seconds until the robot account expires (robot-auth/expiry evidence; absent: never expires or not read).', ['robot']);
  interval.set(opts.intervalSeconds);
  for (const r of Object.values(RESULT)) runs.inc({ result: r }, 0);

  function record(report: RunReport, failOn: Severity, now = Date.now()): 0 | 1 | 3 {
    const code = exitCode(report, failOn);
    for (const m of [checkStatus, findings, cert, dns, pull, robot]) m.reset();
    for (const c of report.checks) for (const s of CHECK_STATUSES) checkStatus.set({ suite: c.suite, check: c.id, status: s }, c.status === s ? 1 : 0);
    const byCause = new Map<string, { severity: string; n: number }>();
    for (const f of report.findings) byCause.set(f.cause, { severity: f.severity, n: (byCause.get(f.cause)?.n ?? 0) + 1 });
    for (const [cause, { severity, n }] of byCause) findings.set({ cause, severity }, n);

    const validity = evidenceOf(report.checks, 'tls', 'validity');
    if (validity && Array.isArray(validity.validity)) {
      for (const v of validity.validity as Obj[]) {
        const t = Date.parse(String(v.notAfter));
        if (Number.isFinite(t)) cert.set({ endpoint: String(validity.endpoint ?? ''), subject: String(v.subject ?? '') }, (t - now) / 1000);
      }
    }
    const latency = evidenceOf(report.checks, 'dns', 'latency');
    if (latency && Array.isArray(latency.latencies)) {
      for (const l of latency.latencies as Obj[]) if (typeof l.latencyMs === 'number') dns.set({ name: String(l.name), resolver: String(l.resolver) }, l.latencyMs / 1000);
    }
    // image-pull evidence is keyed by image reference (perImage → mergeSubjects).
    for (const [image, ev] of Object.entries(evidenceOf(report.checks, 'image-pull', 'manifest') ?? {})) {
      if (!isObj(ev)) continue;
      if (typeof ev.headMs === 'number') pull.set({ image, request: 'head' }, ev.headMs / 1000);
      if (typeof ev.getMs === 'number') pull.set({ image, request: 'get' }, ev.getMs / 1000);
    }
    const r = evidenceOf(report.checks, 'robot-auth', 'expiry')?.robot;
    if (isObj(r) && typeof r.expires_at === 'number' && r.expires_at > 0) robot.set({ robot: String(r.name) }, r.expires_at - now / 1000);

    runs.inc({ result: RESULT[code] });
    lastRun.set(now / 1000);
    if (code === 0) lastSuccess.set(now / 1000);
    lastExit.set(code);
    duration.set(report.durationMs / 1000);
    return code;
  }

  /** A run that threw (not a check error: the runner itself): counted as errored. */
  function recordCrash(durationMs: number, now = Date.now()): void {
    runs.inc({ result: 'errored' });
    lastRun.set(now / 1000);
    lastExit.set(3);
    duration.set(durationMs / 1000);
  }

  return { registry, record, recordCrash };
}

export type WatchMetrics = ReturnType<typeof createWatchMetrics>;
