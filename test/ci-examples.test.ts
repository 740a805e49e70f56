import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS, isCommand } from '../helpers/cli/options.ts';

/**
 * examples/ci/: the GitHub Actions workflow and the GitLab CI job. Their hybrid-doctor command
 * lines must parse with the CLI's own option tables, and the scripts they run (taken verbatim
 * from the YAML; only the install steps are left out) are run here in bash against a loopback
 * target: a plain-HTTP server on Harbor's HTTPS URL, so the gate fails (net.plain-http, exit 1)
 * and the job still publishes JUnit, Allure, JSON and the Markdown summary.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const GH = parse(readFileSync(join(ROOT, 'examples/ci/github-actions.yml'), 'utf8')) as { jobs: Record<string, { steps: GhStep[] }> };
const GL = parse(readFileSync(join(ROOT, 'examples/ci/gitlab-ci.yml'), 'utf8')) as Record<string, GlJob>;
type GhStep = { name?: string; id?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; 'working-directory'?: string; with?: Record<string, string> };
type GlJob = { variables?: Record<string, string>; script?: string[]; artifacts?: { when?: string; paths?: string[]; reports?: { junit?: string } } };

const ROBOT_SECRET = 'Ci-Planted-Robot-9f3k';
const ADMIN_PASSWORD = 'Ci-Planted-Admin-2m8x';

/** `npx hybrid-doctor …` lines of a script, split into words (double quotes kept together). */
function hdCommands(script: string): string[][] {
  return script
    .split('\n')
    .filter((l) => /\bnpx hybrid-doctor\b/.test(l))
    .map((l) => [...l.slice(l.indexOf('npx hybrid-doctor') + 'npx hybrid-doctor'.length).matchAll(/"[^"]*"|\S+/g)].map((m) => m[0].replace(/^"|"$/g, '')));
}

const ghSteps = () => GH.jobs.gate!.steps.filter((s) => s.run && !/^Install/.test(s.name ?? ''));
const glScript = () => GL['hybrid-doctor']!.script!;

let http: Server;
let port: number;
beforeAll(async () => {
  http = createServer((_q, res) => res.end('hello'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  port = (http.address() as AddressInfo).port;
});
afterAll(() => new Promise((r) => http.close(r)));

const targetYaml = () =>
  [
    'name: ci-loopback',
    `harbor:`,
    `  url: https://127.0.0.1:${port}`,
    '  admin: { username: admin, password: { file: ./admin-password } }',
    'robot: { name: robot$ci, secret: { file: ./robot-secret } }',
    'timeouts: { connectMs: 1000, requestMs: 1000 }',
  ].join('\n');

function filesUnder(p: string): string[] {
  if (!existsSync(p)) return [];
  return statSync(p).isDirectory() ? readdirSync(p).flatMap((f) => filesUnder(join(p, f))) : [p];
}

/** The published files: present, the summary says why the gate failed, no planted secret anywhere. */
function expectPublished(out: string, summary: string) {
  for (const f of ['report.json', 'junit.xml', 'summary.md', 'allure-report/index.html']) expect(existsSync(join(out, f)), f).toBe(true);
  expect(readdirSync(join(out, 'allure-results')).some((f) => f.endsWith('-result.json'))).toBe(true);
  expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<failure message="net\.plain-http"/);
  expect(summary).toMatch(/^## hybrid-doctor · ci-loopback\n\n❌ \*\*Failed\*\*: findings at or above `error` \(exit 1\)/);
  expect(summary).toMatch(/^\| 🔴 error \| `net\.plain-http` \| 127\.0\.0\.1:\d+ \|/m);
  for (const f of filesUnder(out)) {
    const text = readFileSync(f, 'utf8');
    expect(text, f).not.toContain(ROBOT_SECRET);
    expect(text, f).not.toContain(ADMIN_PASSWORD);
  }
}

describe('examples/ci', () => {
  it.each([
    { name: 'GitHub Actions', commands: () => ghSteps().flatMap((s) => hdCommands(s.run!)) },
    { name: 'GitLab CI', commands: () => hdCommands(glScript().join('\n')) },
  ])('$name: every hybrid-doctor command line parses with the CLI option table', ({ commands }) => {
    const cmds = commands();
    expect(cmds.length).toBeGreaterThan(0);
    for (const [cmd, ...args] of cmds) {
      expect(isCommand(cmd), cmd).toBe(true);
      expect(() => parseArgs({ args, options: COMMANDS[cmd as 'run'].options, allowPositionals: false, strict: true })).not.toThrow();
      expect(args).toEqual(expect.arrayContaining(['--fail-on', '--markdown', '--target']));
    }
  });

  it('GitHub Actions: the gate job steps, run as the runner would, fail the gate and publish the reports', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'hd-ci-gh-'));
    const runnerTemp = join(ws, '_temp');
    mkdirSync(runnerTemp);
    const stepSummary = join(ws, 'step-summary.md');
    writeFileSync(stepSummary, '');
    const secrets: Record<string, string> = { HYBRID_DOCTOR_TARGET: targetYaml(), HARBOR_ROBOT_SECRET: ROBOT_SECRET, HARBOR_ADMIN_PASSWORD: ADMIN_PASSWORD };
    const expr = (v: string) => v.replace(/\$\{\{\s*secrets\.(\w+)\s*\}\}/g, (_m, k: string) => secrets[k] ?? '').replace(/\$\{\{\s*runner\.temp\s*\}\}/g, runnerTemp);
    const exits: Record<string, number> = {};
    let failed = false;
    for (const step of ghSteps()) {
      if (failed && step.if !== 'always()') continue;
      const env = { ...process.env, RUNNER_TEMP: runnerTemp, GITHUB_STEP_SUMMARY: stepSummary, GITHUB_WORKSPACE: ws, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expr(v)])) };
      // GitHub's default shell on Linux: bash --noprofile --norc -eo pipefail {0}.
      const r = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd: step['working-directory'] === 'hybrid-doctor' ? ROOT : ws, env, reject: false, timeout: 150_000 });
      exits[step.name ?? step.id ?? step.run!] = r.exitCode ?? -1;
      if (r.exitCode !== 0) failed = true;
    }
    expect(exits).toEqual({ 'Write the target and its secret files': 0, 'hybrid-doctor run (fails the job on error findings)': 1, 'Job summary': 0 });
    const out = join(runnerTemp, 'hd/out');
    expectPublished(out, readFileSync(stepSummary, 'utf8'));
    expect(statSync(join(runnerTemp, 'hd/robot-secret')).mode & 0o077).toBe(0);
    // upload-artifact's paths are the files the run wrote.
    const upload = GH.jobs.gate!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    const paths = upload.with!.path!.trim().split('\n').map((p) => expr(p.trim()));
    for (const p of paths) expect(existsSync(p), p).toBe(true);
    expect(upload.if).toBe('always()');
  }, 180_000);

  it('GitLab CI: the job script, run as the runner would, fails the gate and leaves the artifacts', async () => {
    const project = mkdtempSync(join(tmpdir(), 'hd-ci-gl-'));
    const varsDir = mkdtempSync(join(tmpdir(), 'hd-ci-gl-vars-'));
    // File-type CI/CD variables: the job sees a path to a file holding the value.
    const fileVar = (name: string, value: string) => {
      writeFileSync(join(varsDir, name), value);
      return join(varsDir, name);
    };
    const job = GL['hybrid-doctor']!;
    const vars: Record<string, string> = { CI_PROJECT_DIR: project, HYBRID_DOCTOR_TARGET: fileVar('target', targetYaml()), HARBOR_ROBOT_SECRET: fileVar('robot', ROBOT_SECRET), HARBOR_ADMIN_PASSWORD: fileVar('admin', ADMIN_PASSWORD) };
    for (const [k, v] of Object.entries(job.variables ?? {})) vars[k] = v.replace(/\$(\w+)/g, (_m, n: string) => vars[n] ?? '');
    // The runner runs before_script (clone, cd, npm ci: the checkout here) and script in one shell with -eo pipefail.
    const r = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', glScript().join('\n')], { cwd: ROOT, env: { ...process.env, ...vars }, reject: false, timeout: 150_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
    const out = join(project, '.hybrid-doctor/out');
    expectPublished(out, readFileSync(join(out, 'summary.md'), 'utf8'));
    expect(job.artifacts?.when).toBe('always');
    for (const p of [...job.artifacts!.paths!, job.artifacts!.reports!.junit!]) expect(existsSync(join(project, p)), p).toBe(true);
  }, 180_000);
});
