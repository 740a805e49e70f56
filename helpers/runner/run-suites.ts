import { RUN_ORDER, SUITES, type SuiteId } from '../checks/check.ts';
import { loadSuiteChecks } from '../checks/registry.ts';
import type { CheckResult, Finding } from '../findings/finding.ts';
import type { Target } from '../target/load.ts';
import { createCheckContext } from './context.ts';
import { runCheck } from './run-check.ts';

export interface RunReport {
  target: string;
  startedAt: string;
  durationMs: number;
  suites: SuiteId[];
  checks: CheckResult[];
  findings: Finding[];
}

/**
 * Runs suites (RUN_ORDER; results in catalog order) in one process (scenario tests, bench and `explain`-style
 * callers). Checks of one suite run concurrently and share the context's memo; later suites see
 * earlier findings through `priorFindings` (the ImagePullBackOff suite correlates with them).
 */
export async function runSuites(target: Target, suites: readonly SuiteId[] = SUITES, opts: { signal?: AbortSignal; concurrent?: boolean } = {}): Promise<RunReport> {
  const started = Date.now();
  const results: CheckResult[] = [];
  const ctx = createCheckContext(target, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    priorFindings: () => results.flatMap((r) => r.findings),
  });
  // RUN_ORDER: imagepullbackoff after the suites it correlates with; results in report order.
  const ordered = RUN_ORDER.filter((s) => suites.includes(s));
  if (opts.concurrent && !ordered.includes('imagepullbackoff')) {
    // `concurrent`: every suite at once (diagnose's correlation). Only the imagepullbackoff suite
    // reads earlier suites' findings; the others share work through the context's memo only.
    const per = await Promise.all(ordered.map(async (suite) => Promise.all((await loadSuiteChecks(suite)).map((c) => runCheck(c, ctx)))));
    results.push(...per.flat());
  } else {
    for (const suite of ordered) {
      const checks = await loadSuiteChecks(suite);
      results.push(...(await Promise.all(checks.map((c) => runCheck(c, ctx)))));
    }
  }
  const rank = (s: string) => SUITES.indexOf(s as SuiteId);
  results.sort((a, b) => rank(a.suite) - rank(b.suite));
  return {
    target: target.name,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    suites: [...suites],
    checks: results,
    findings: results.flatMap((r) => r.findings),
  };
}
