import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { EXIT } from '../runner/exit-code.ts';
import { loadTarget } from '../target/load.ts';
import { preflight } from '../target/preflight.ts';
import { createWatchMetrics } from '../watch/metrics.ts';
import { serveMetrics, watchLoop } from '../watch/watch.ts';
import { COMMANDS } from './options.ts';
import { parseFailOn, parseSuites } from './run.ts';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `90s`, `5m`, `1h`, `500ms`; at least 1 s (a tighter loop would only load Harbor). */
export function parseInterval(value: string | undefined): number {
  if (value === undefined) return 5 * 60_000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new UsageError(`--interval takes a duration like 30s, 5m or 1h, not "${value}"`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms < 1000) throw new UsageError(`--interval must be at least 1s (got ${value})`);
  return ms;
}

/** `127.0.0.1:9464`, `[::1]:9464`, `:9464` (all interfaces), port 0 for any free port. */
export function parseListen(value: string | undefined): { host: string; port: number } {
  const v = value ?? '127.0.0.1:9464';
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen takes HOST:PORT (127.0.0.1:9464, [::1]:9464, :9464), not "${v}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * `watch`: loads and checks the target once (a bad one is exit 2 before anything listens), serves
 * /metrics and /healthz, and runs the suites on the interval until SIGINT or SIGTERM, which stop
 * the run in progress, close the server and exit 0.
 */
export async function watchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMMANDS.watch.options, allowPositionals: false });
  if (!values.target) throw new UsageError('watch needs --target FILE (the environment to keep checking)');
  const suites = parseSuites(values.suites);
  const failOn = parseFailOn(values['fail-on']);
  const intervalMs = parseInterval(values.interval);
  const listen = parseListen(values.listen);
  const target = loadTarget(resolve(values.target));
  await preflight(target);

  const metrics = createWatchMetrics({ intervalSeconds: intervalMs / 1000 });
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`hybrid-doctor watch: ${sig}: stopping\n`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let runs = 0;
  const { server, url } = await serveMetrics(metrics, listen, () => ({ runs }));
  process.stderr.write(`hybrid-doctor watch: serving ${url}/metrics and ${url}/healthz; target ${target.name}, suites ${suites.join(',')}, every ${intervalMs / 1000} s\n`);
  try {
    await watchLoop({ target, suites, intervalMs, failOn, metrics, signal: stop.signal, log: (l) => process.stderr.write(`hybrid-doctor watch: ${l}\n`), onRun: () => runs++ });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  process.stderr.write(`hybrid-doctor watch: stopped after ${runs} run(s)\n`);
  return EXIT.ok;
}
