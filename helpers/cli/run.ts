import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SUITES, type SuiteId } from '../checks/check.ts';
import { UsageError } from '../errors.ts';
import type { Severity } from '../findings/cause-ids.ts';
import { readResults } from '../runner/results-store.ts';
import { exitCode } from '../runner/exit-code.ts';
import { loadTarget } from '../target/load.ts';
import { preflight } from '../target/preflight.ts';
import { buildJsonReport } from '../../reports/json-report.ts';
import { buildJunitReport } from '../../reports/junit-report.ts';
import { consoleSummary } from '../../reports/console-summary.ts';
import { generateAllureHtml } from '../../reports/allure-html.ts';
import { EXIT } from './main.ts';
import { PROJECT_ROOT } from './paths.ts';

export function parseSuites(value: string | undefined): SuiteId[] {
  if (!value) return [...SUITES];
  const wanted = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`unknown suite(s): ${unknown.join(', ')}`, { hint: `suites: ${SUITES.join(', ')}` });
  return wanted as SuiteId[];
}

export function parseFailOn(value: string | undefined): Severity {
  if (value === undefined) return 'error';
  if (value !== 'error' && value !== 'warning') throw new UsageError(`--fail-on takes "error" or "warning", not "${value}"`);
  return value;
}

/**
 * `run`: validates the target up front, runs the suites through vitest (one test per check,
 * Allure results), then writes the JSON, JUnit and HTML reports and prints the summary.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      suites: { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      'allure-dir': { type: 'string' },
      html: { type: 'string' },
      out: { type: 'string' },
      'fail-on': { type: 'string' },
      'no-html': { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const suites = parseSuites(values.suites);
  const failOn = parseFailOn(values['fail-on']);
  let targetFile = values.target ? resolve(values.target) : undefined;
  if (!targetFile) {
    const { ensureSandbox } = await import('../../fixtures/sandbox-lifecycle.ts');
    process.stderr.write('hybrid-doctor: no --target given; using the local sandbox (starting it if needed)\n');
    targetFile = (await ensureSandbox({ log: (m) => process.stderr.write(`  ${m}\n`) })).targetFile;
  }
  const target = loadTarget(targetFile); // exit 2 with a precise message before anything runs
  preflight(target);

  const out = resolve(values.out ?? join(PROJECT_ROOT, 'out'));
  const resultsDir = join(out, 'results');
  const allureDir = resolve(values['allure-dir'] ?? join(out, 'allure-results'));
  rmSync(resultsDir, { recursive: true, force: true });
  rmSync(allureDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  Object.assign(process.env, {
    HYBRID_DOCTOR_TARGET: targetFile,
    HYBRID_DOCTOR_RESULTS_DIR: resultsDir,
    HYBRID_DOCTOR_ALLURE_DIR: allureDir,
    HYBRID_DOCTOR_FAIL_ON: failOn,
    TESTCONTAINERS_RYUK_DISABLED: 'true',
  });

  const started = Date.now();
  const { startVitest } = await import('vitest/node');
  const vitest = await startVitest(
    'test',
    suites.map((s) => `suites/${s}.suite.ts`),
    {
      run: true,
      watch: false,
      project: ['suites'],
      root: PROJECT_ROOT,
      // Overrides the config's reporters, so the Allure reporter is named here too.
      reporters: [...(values.quiet ? [] : ['dot']), ['allure-vitest/reporter', { resultsDir: allureDir }]],
      passWithNoTests: true,
    },
  );
  await vitest.close();
  const checks = readResults(resultsDir);
  const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const report = buildJsonReport({ target: target.name, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks, version });
  const jsonPath = resolve(values.json ?? join(out, 'report.json'));
  const junitPath = resolve(values.junit ?? join(out, 'junit.xml'));
  for (const p of [jsonPath, junitPath]) mkdirSync(dirname(p), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(junitPath, buildJunitReport({ target: target.name, checks }));
  process.stdout.write(`${consoleSummary(report, { color: process.stdout.isTTY })}\n`);
  process.stdout.write(`\nreports: ${jsonPath}\n         ${junitPath}\n`);
  if (!values['no-html']) {
    try {
      const html = await generateAllureHtml(allureDir, resolve(values.html ?? join(out, 'allure-report')), `hybrid-doctor · ${target.name}`);
      process.stdout.write(`         ${html}\n`);
    } catch (err) {
      process.stderr.write(`hybrid-doctor: the Allure HTML report could not be generated (results are in ${allureDir}): ${(err as Error).message.split('\n')[0]}\n`);
    }
  }
  if (checks.length === 0) {
    process.stderr.write('hybrid-doctor: no check ran (see the vitest output above)\n');
    return EXIT.usage;
  }
  return exitCode(report, failOn);
}
