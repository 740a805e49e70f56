/**
 * Full Harbor-side run against the warm sandbox: wall time of all registry-facing suites in one
 * process (the runner the CLI's suites use), then per suite. Aim (issue 2): full run < 10 s.
 */
import { ensureSandbox } from '../fixtures/sandbox-lifecycle.ts';
import { loadTarget } from '../helpers/target/load.ts';
import { runSuites } from '../helpers/runner/run-suites.ts';
import type { SuiteId } from '../helpers/checks/check.ts';
import type { BenchResult } from './run.ts';

export const HARBOR_SUITES: SuiteId[] = ['tls', 'dns', 'robot-auth', 'image-pull', 'harbor', 'metrics', 'nodeconfig'];

export async function run(): Promise<BenchResult[]> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const sb = await ensureSandbox();
  const target = loadTarget(sb.targetFile);
  const out: BenchResult[] = [];
  await runSuites(target, HARBOR_SUITES); // warm-up: first connections, module loading
  const t0 = performance.now();
  const full = await runSuites(target, HARBOR_SUITES);
  const fullS = (performance.now() - t0) / 1000;
  out.push({ name: 'full Harbor-side run (all suites)', value: fullS, unit: 's', aim: 10, note: `${full.checks.length} checks, ${full.findings.length} findings` });
  for (const s of HARBOR_SUITES) {
    const t = performance.now();
    const r = await runSuites(target, [s]);
    out.push({ name: `  suite ${s}`, value: (performance.now() - t) / 1000, unit: 's', note: `${r.checks.length} checks` });
  }
  return out;
}
