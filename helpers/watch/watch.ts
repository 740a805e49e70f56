import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SuiteId } from '../checks/check.ts';
import type { Severity } from '../findings/cause-ids.ts';
import { redactor } from '../redact.ts';
import { runSuites } from '../runner/run-suites.ts';
import type { Target } from '../target/load.ts';
import type { WatchMetrics } from './metrics.ts';

/** `/metrics` (Prometheus text exposition) and `/healthz` on `host:port`; resolves once listening. */
export async function serveMetrics(metrics: WatchMetrics, listen: { host: string; port: number }, health: () => { runs: number }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(redactor.text(String(err))),
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify({ status: 'ok', ...health() })}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { server, url: `http://${host}:${a.port}` };
}

/**
 * Runs the suites every `intervalMs` (start to start) until `signal` aborts. Runs never
 * overlap: the next starts when the last has finished, immediately if it took longer than the
 * interval. The in-process runner (runSuites) is used, not vitest: one context per run, so
 * secrets are re-read each time (a rotated robot secret is picked up). Aborting stops the run
 * in progress (checks see the signal) and the wait.
 */
export async function watchLoop(opts: {
  target: Target;
  suites: readonly SuiteId[];
  intervalMs: number;
  failOn: Severity;
  metrics: WatchMetrics;
  signal: AbortSignal;
  log: (line: string) => void;
  onRun?: () => void;
}): Promise<number> {
  let runs = 0;
  while (!opts.signal.aborted) {
    const started = Date.now();
    try {
      const report = await runSuites(opts.target, opts.suites, { signal: opts.signal });
      if (opts.signal.aborted) break; // a cut-short run is not a verdict
      const code = opts.metrics.record(report, opts.failOn);
      const n = (s: string) => report.checks.filter((c) => c.status === s).length;
      opts.log(`run ${runs + 1}: ${n('passed')} passed, ${n('failed')} failed, ${n('not-checked')} not checked, ${n('errored')} errored, ${report.findings.length} finding(s) in ${(report.durationMs / 1000).toFixed(1)} s (exit ${code})`);
    } catch (err) {
      if (opts.signal.aborted) break;
      opts.metrics.recordCrash(Date.now() - started);
      opts.log(`run ${runs + 1} failed: ${redactor.text(err instanceof Error ? err.message : String(err))}`);
    }
    runs++;
    opts.onRun?.();
    const wait = Math.max(0, opts.intervalMs - (Date.now() - started));
    try {
      await sleep(wait, undefined, { signal: opts.signal });
    } catch {
      break; // aborted
    }
  }
  return runs;
}
