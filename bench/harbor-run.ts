/**
 * Full Harbor-side run against the warm sandbox: the checks in one process (the runner the suites
 * use), the CLI end to end (vitest, one test per check, JSON + JUnit + Allure HTML), then per
 * suite. Aim (issue 2): full run < 10 s.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureSandbox } from '../fixtures/sandbox-lifecycle.ts';
import type { SuiteId } from '../helpers/checks/check.ts';
import { runSuites } from '../helpers/runner/run-suites.ts';
import { loadTarget } from '../helpers/target/load.ts';
import type { BenchResult } from './run.ts';

export const HARBOR_SUITES: SuiteId[] = ['tls', 'dns', 'robot-auth', 'image-pull', 'harbor', 'metrics', 'nodeconfig'];

export async function run(): Promise<BenchResult[]> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const sb = await ensureSandbox();
  const target = loadTarget(sb.targetFile);
  const results: BenchResult[] = [];
  await runSuites(target, HARBOR_SUITES); // warm-up: first connections, module loading
  const t0 = performance.now();
  const full = await runSuites(target, HARBOR_SUITES);
  results.push({ name: 'Harbor-side checks, all suites (in process)', value: (performance.now() - t0) / 1000, unit: 's', aim: 10, note: `${full.checks.length} checks, ${full.findings.length} findings` });

  const outDir = mkdtempSync(join(tmpdir(), 'hd-bench-'));
  const t1 = performance.now();
  const cli = await execa(process.execPath, [new URL('../bin/hybrid-doctor.mjs', import.meta.url).pathname, 'run', '--target', sb.targetFile, '--suites', HARBOR_SUITES.join(','), '--out', outDir, '--quiet'], { reject: false });
  results.push({ name: 'CLI `run`, Harbor-side suites, with all reports', value: (performance.now() - t1) / 1000, unit: 's', aim: 10, note: `exit ${cli.exitCode}` });

  for (const s of HARBOR_SUITES) {
    const t = performance.now();
    const r = await runSuites(target, [s]);
    results.push({ name: `  suite ${s}`, value: (performance.now() - t) / 1000, unit: 's', note: `${r.checks.length} checks` });
  }
  return results;
}
