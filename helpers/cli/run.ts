import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SUITES, type SuiteId } from '../checks/check.ts';
import { UsageError } from '../errors.ts';
import type { Severity } from '../findings/cause-ids.ts';
import { readResults } from '../runner/results-store.ts';
import { erroredResult } from '../runner/run-check.ts';
import { loadTarget } from '../target/load.ts';
import { preflight } from '../target/preflight.ts';
import { buildJsonReport } from '../../reports/json-report.ts';
import { buildJunitReport } from '../../reports/junit-report.ts';
import { buildMarkdownSummary } from '../../reports/markdown-summary.ts';
import { consoleSummary } from '../../reports/console-summary.ts';
import { startAllureHtml, type AllureHtml } from '../../reports/allure-html.ts';
import { exitCode } from '../runner/exit-code.ts';
import { COMMANDS } from './options.ts';
import { checkOutputDir, claimOutputDir, resetOutputDir } from './output-dirs.ts';
import { PROJECT_ROOT } from './paths.ts';
import { processTimings, type Timings } from '../timings.ts';

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

type Outputs = {
  jsonPath: string;
  junitPath: string;
  markdownPath: string | undefined;
  allureDir: string;
  allureLabel: string;
  htmlDir: string | undefined;
  htmlLabel: string;
};

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Where `run` writes. A report named by its own flag goes there; the others go into the output
 * folder (`--out`, default `./out` relative to the cwd). When every report is named, the output
 * folder is not used at all and the Allure results live in the run's temp folder. Folders are
 * claimed up front (created and marked, or refused when foreign), so a bad folder is exit 2
 * before any check runs.
 */
export function planOutputs(values: { out?: string; json?: string; junit?: string; markdown?: string; 'allure-dir'?: string; html?: string; 'no-html'?: boolean }, tmp: string): Outputs {
  const out = resolve(values.out ?? 'out');
  const outLabel = values.out ? '--out' : 'the output folder';
  const wantsHtml = !values['no-html'];
  const usesOut = values.out !== undefined || !values.json || !values.junit || (wantsHtml && !values.html);
  const allureDir = values['allure-dir'] ? resolve(values['allure-dir']) : usesOut ? join(out, 'allure-results') : join(tmp, 'allure-results');
  const htmlDir = wantsHtml ? resolve(values.html ?? join(out, 'allure-report')) : undefined;
  if (htmlDir && (inside(htmlDir, allureDir) || inside(allureDir, htmlDir))) {
    throw new UsageError(`the Allure results (${allureDir}) and the HTML report (${htmlDir}) need separate folders, neither inside the other`);
  }
  const allureLabel = values['allure-dir'] ? '--allure-dir' : 'the Allure results folder';
  const htmlLabel = values.html ? '--html' : 'the HTML report folder';
  const dirs: [string, string][] = [...(usesOut ? [[out, outLabel] as [string, string]] : []), [allureDir, allureLabel], ...(htmlDir ? [[htmlDir, htmlLabel] as [string, string]] : [])];
  for (const [dir, label] of dirs) checkOutputDir(dir, label); // all refusals before anything is created
  for (const [dir, label] of dirs) claimOutputDir(dir, label);
  return {
    jsonPath: resolve(values.json ?? join(out, 'report.json')),
    junitPath: resolve(values.junit ?? join(out, 'junit.xml')),
    markdownPath: values.markdown ? resolve(values.markdown) : undefined,
    allureDir,
    allureLabel,
    htmlDir,
    htmlLabel,
  };
}

/**
 * `run`: validates the target up front, runs the suites through vitest (one test per check,
 * Allure results), then writes the JSON, JUnit and HTML reports and prints the summary.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: COMMANDS.run.options,
    allowPositionals: false,
  });
  const timings = values.timings ? processTimings() : undefined;
  timings?.mark('imports (CLI and the run command)');
  const suites = parseSuites(values.suites);
  const failOn = parseFailOn(values['fail-on']);
  let targetFile = values.target ? resolve(values.target) : undefined;
  if (!targetFile) {
    const { ensureSandbox } = await import('../../fixtures/sandbox-lifecycle.ts');
    process.stderr.write('hybrid-doctor: no --target given; using the local sandbox (starting it if needed)\n');
    targetFile = (await ensureSandbox({ log: (m) => process.stderr.write(`  ${m}\n`) })).targetFile;
  }
  const target = loadTarget(targetFile); // exit 2 with a precise message before anything runs
  await preflight(target);
  timings?.mark(values.target ? 'target load + preflight' : 'target load + preflight (sandbox started if needed)');

  // Every path is relative to the user's cwd; nothing is written into the package folder, so
  // `run` works from a read-only checkout (bin/run-output.test.ts proves it). Results
  // on their way to the reports, Allure's config and vite's cache live in a temp folder.
  const tmp = mkdtempSync(join(tmpdir(), 'hybrid-doctor-run-'));
  let code: number;
  try {
    code = await runInto(tmp, { values, suites, failOn, target, targetFile, timings });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (timings) {
    timings.mark('cleanup (temp folder)');
    process.stderr.write(timings.render({ notes: ['indented rows break down the row above and are not added; check durations overlap: checks of a suite run concurrently'] }));
  }
  return code;
}

type RunInput = { values: Parameters<typeof planOutputs>[0] & { quiet?: boolean }; suites: SuiteId[]; failOn: Severity; target: ReturnType<typeof loadTarget>; targetFile: string; timings: Timings | undefined };

async function runInto(tmp: string, { values, suites, failOn, target, targetFile, timings }: RunInput): Promise<number> {
  const outputs = planOutputs(values, tmp); // refuses foreign folders before any check runs
  const resultsDir = join(tmp, 'results');
  mkdirSync(resultsDir);
  resetOutputDir(outputs.allureDir, outputs.allureLabel);
  Object.assign(process.env, {
    HYBRID_DOCTOR_TARGET: targetFile,
    HYBRID_DOCTOR_RESULTS_DIR: resultsDir,
    HYBRID_DOCTOR_ALLURE_DIR: outputs.allureDir,
    HYBRID_DOCTOR_FAIL_ON: failOn,
    TESTCONTAINERS_RYUK_DISABLED: 'true',
  });
  timings?.mark('output folders');

  const started = Date.now();
  // Allure's CLI loads its modules while the suites run (~0.45 s of the HTML step).
  const allure: AllureHtml | undefined = outputs.htmlDir ? startAllureHtml(join(tmp, 'allure-config')) : undefined;
  try {
    const { startVitest } = await import('vitest/node');
    const { ProgressReporter } = await import('../../reports/progress-reporter.ts');
    const vitest = await startVitest(
      'test',
      suites.map((s) => `suites/${s}.suite.ts`),
      {
        run: true,
        watch: false,
        project: ['suites'],
        root: PROJECT_ROOT,
        // Vite bundles a .ts config into node_modules/.vite-temp by default; Node 24 loads it as is.
        configLoader: 'native',
        // No run-order cache (node_modules/.vite/vitest) and no transform cache (node_modules/.vitest-cache).
        cache: false,
        fsModuleCache: false,
        // Overrides the config's reporters, so the Allure reporter is named here too. The project's own
        // reporter prints progress on stderr: no runner banner, no stack traces, no source excerpts.
        reporters: [new ProgressReporter({ stream: process.stderr, quiet: Boolean(values.quiet) }), ['allure-vitest/reporter', { resultsDir: outputs.allureDir }]],
        passWithNoTests: true,
      },
      { cacheDir: join(tmp, 'vite-cache'), logLevel: 'error' },
    );
    await vitest.close();
    const checks = readResults(resultsDir);
    if (timings) {
      timings.mark('suites (vitest: start, workers, suites)');
      // Per suite: vitest's own figures (tests + hooks; importing the suite file); per check: the
      // duration its result recorded (checks run in vitest's worker, not in this process).
      const modules = new Map(vitest.state.getTestModules().map((m) => [m.moduleId.replace(/^.*\//, '').replace(/\.suite\.ts$/, ''), m.diagnostic()]));
      for (const suite of suites) {
        const d = modules.get(suite);
        if (d) {
          timings.add(`${suite}: import the suite file`, d.collectDuration, 1);
          timings.add(`${suite}: tests + hooks`, d.duration, 1);
        }
        for (const c of checks.filter((c) => c.suite === suite)) timings.add(`${suite}/${c.id}`, c.durationMs, 2);
      }
    }
    // A suite file that could not be loaded records no result: its checks were never judged, which
    // must not read as a clean run. Each such suite is one errored result (exit 3).
    for (const suite of suites.filter((s) => !checks.some((c) => c.suite === s))) {
      checks.push(erroredResult({ id: 'suite', suite, title: `suite ${suite}` }, new Error('the suite did not run: its file could not be loaded (see the error above)'), 0));
    }
    const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const report = buildJsonReport({ target: target.name, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks, version });
    for (const p of [outputs.jsonPath, outputs.junitPath, outputs.markdownPath]) if (p) mkdirSync(dirname(p), { recursive: true });
    writeFileSync(outputs.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(outputs.junitPath, buildJunitReport({ target: target.name, checks }));
    if (outputs.markdownPath) writeFileSync(outputs.markdownPath, buildMarkdownSummary(report, { failOn, fullReport: relative(process.cwd(), outputs.jsonPath) }));
    process.stdout.write(`${consoleSummary(report, { color: process.stdout.isTTY })}\n`);
    process.stdout.write(`\nreports: ${outputs.jsonPath}\n         ${outputs.junitPath}\n${outputs.markdownPath ? `         ${outputs.markdownPath}\n` : ''}`);
    timings?.mark('reports (JSON, JUnit, summary)');
    if (outputs.htmlDir) {
      try {
        // Generated in the temp folder, then moved in: a failed generation leaves the last report.
        const built = join(tmp, 'allure-report');
        await allure!.generate(outputs.allureDir, built, `hybrid-doctor · ${target.name}`);
        resetOutputDir(outputs.htmlDir, outputs.htmlLabel);
        cpSync(built, outputs.htmlDir, { recursive: true });
        process.stdout.write(`         ${join(outputs.htmlDir, 'index.html')}\n`);
      } catch (err) {
        process.stderr.write(`hybrid-doctor: the Allure HTML report could not be generated (results are in ${outputs.allureDir}): ${(err as Error).message.split('\n')[0]}\n`);
      }
      timings?.mark('HTML (Allure)');
    }
    return exitCode(report, failOn);
  } finally {
    allure?.cancel(); // no HTML after all (a throw above): the waiting process ends
  }
}
