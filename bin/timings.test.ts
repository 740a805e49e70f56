import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../fixtures/kube/apiserver-only.ts';
import { createNode, createPod, ensureNamespace } from '../fixtures/kube/seed.ts';

/**
 * `--timings` on the real CLI (bin/hybrid-doctor.mjs in a child process): every phase is a row
 * with a number, the phases (unindented rows, `other` included) add up to the total, breakdown
 * rows (suites, checks) are indented, the table goes to stderr after the output, and without the
 * flag there is no table at all.
 */
const BIN = new URL('./hybrid-doctor.mjs', import.meta.url).pathname;
const NODECONFIG = new URL('../helpers/checks/nodeconfig/fixtures/guide-nodeconfig.yaml', import.meta.url).pathname;

type Row = { name: string; ms: number; depth: number };

/** The table's rows (`  name   12.3 ms`, two more spaces per depth) and its total. */
function table(stderr: string): { rows: Row[]; total: number; notes: string[] } {
  const at = stderr.indexOf('timings:\n');
  expect(at, stderr).toBeGreaterThanOrEqual(0);
  const rows: Row[] = [];
  const notes: string[] = [];
  let total = Number.NaN;
  for (const line of stderr.slice(at).split('\n').slice(1).filter(Boolean)) {
    const note = /^ {2}\((.+)\)$/.exec(line);
    if (note) {
      notes.push(note[1]!);
      continue;
    }
    const m = /^( +)(\S.*?) +(\d+\.\d) ms$/.exec(line);
    expect(m, line).not.toBeNull();
    if (m![2] === 'total') total = Number(m![3]);
    else rows.push({ name: m![2]!, ms: Number(m![3]), depth: (m![1]!.length - 2) / 2 });
  }
  return { rows, total, notes };
}

/** The phases add up to the total (each printed to 0.1 ms: allow the rounding). */
function expectPhasesAddUp(t: ReturnType<typeof table>): void {
  const top = t.rows.filter((r) => r.depth === 0);
  const sum = top.reduce((a, r) => a + r.ms, 0);
  expect(t.total).toBeGreaterThan(0);
  expect(sum).toBeLessThanOrEqual(t.total + 0.05 * top.length);
  expect(sum).toBeGreaterThanOrEqual(t.total - 0.05 * top.length);
}

describe('run --timings', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'hd-timings-'));
  copyFileSync(NODECONFIG, join(cwd, 'nodeconfig.yaml'));
  writeFileSync(join(cwd, 'target.yaml'), 'harbor:\n  url: https://harbor.example.test\nnodeconfig: ./nodeconfig.yaml\n');
  const run = (extra: string[]) =>
    execa(process.execPath, [BIN, 'run', '--target', 'target.yaml', '--suites', 'nodeconfig', ...extra], { cwd, reject: false, timeout: 120_000, stdin: 'ignore', env: { NO_COLOR: '1' } });

  it.each([
    { name: 'with the HTML report', extra: [] as string[], html: true },
    { name: '--no-html', extra: ['--no-html'], html: false },
  ])('$name: every phase, each suite and check, adding up to the total', async ({ extra, html }) => {
    const r = await run(['--timings', ...extra]);
    expect(r.exitCode).toBe(1); // the guide's NodeConfig has error findings
    expect(r.stdout).toContain('findings:');
    expect(r.stdout).not.toContain('timings:');
    const t = table(r.stderr);
    expect(t.rows.filter((x) => x.depth === 0).map((x) => x.name)).toEqual([
      'process start (Node bootstrap)',
      'imports (CLI and the run command)',
      'target load + preflight',
      'output folders',
      'suites (vitest: start, workers, suites)',
      'reports (JSON, JUnit, summary)',
      ...(html ? ['HTML (Allure)'] : []),
      'cleanup (temp folder)',
      'other (between phases)',
    ]);
    expect(t.rows.filter((x) => x.depth > 0).map((x) => [x.name, x.depth])).toEqual([
      ['nodeconfig: import the suite file', 1],
      ['nodeconfig: tests + hooks', 1],
      ['nodeconfig/lint', 2],
    ]);
    for (const x of t.rows.filter((x) => !x.name.startsWith('other'))) expect(x.ms, x.name).toBeGreaterThan(0);
    expectPhasesAddUp(t);
    // The check's row is the duration its result recorded.
    const json = JSON.parse(readFileSync(join(cwd, 'out', 'report.json'), 'utf8')) as { checks: { id: string; durationMs: number }[] };
    expect(t.rows.find((x) => x.name === 'nodeconfig/lint')!.ms).toBeCloseTo(json.checks.find((c) => c.id === 'lint')!.durationMs, 0);
    expect(t.notes.join(' ')).toContain('check durations overlap: checks of a suite run concurrently');
  });

  it('without --timings: no table', async () => {
    const r = await run(['--no-html']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr + r.stdout).not.toMatch(/timings:|Node bootstrap| ms$/m);
  });
});

describe('diagnose --timings against a real kube-apiserver', () => {
  let api: ApiServer;
  const cwd = mkdtempSync(join(tmpdir(), 'hd-timings-diag-'));
  beforeAll(async () => {
    api = await startApiServer();
    const kube = api.client();
    await createNode(kube, { name: 'cloud-1', internalIP: '172.29.20.20' });
    await ensureNamespace(kube, 'diag');
    await ensureNamespace(kube, 'diag-auth');
    await createPod(kube, { namespace: 'diag-auth', name: 'wrong-secret', node: 'cloud-1', containers: [{ name: 'app', image: '127.0.0.1:9/library/app:1', waiting: { reason: 'ErrImagePull', message: 'failed to pull and unpack image "127.0.0.1:9/library/app:1": failed to resolve reference "127.0.0.1:9/library/app:1": pulling from host 127.0.0.1:9 failed with status code [manifests 1]: 401 Unauthorized' } }] });
    await createPod(kube, { namespace: 'diag', name: 'never-pull', node: 'cloud-1', containers: [{ name: 'app', image: 'error_pages:local', pullPolicy: 'Never', waiting: { reason: 'ErrImageNeverPull', message: 'Container image "error_pages:local" is not present with pull policy of Never' } }] });
    // A registry nobody listens on (loopback, discard port): the correlation checks run and fail fast.
    writeFileSync(join(cwd, 'target.yaml'), `harbor:\n  url: https://127.0.0.1:9\nkubernetes:\n  kubeconfig: ${JSON.stringify(api.kubeconfigPath)}\n`);
  }, 180_000);
  afterAll(async () => {
    await api?.stop();
  });
  const diagnose = (args: string[]) => execa(process.execPath, [BIN, 'diagnose', ...args], { cwd, reject: false, timeout: 120_000, stdin: 'ignore', env: { NO_COLOR: '1' } });

  it('-A --json: stdout stays pure JSON; the table (re-exec, listing, analysis; correlation skipped) goes to stderr', async () => {
    const r = await diagnose(['--kubeconfig', api.kubeconfigPath, '-A', '--json', '--timings']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).pods.map((p: { pod: string }) => p.pod).sort()).toEqual(['never-pull', 'wrong-secret']);
    const t = table(r.stderr);
    expect(t.rows.map((x) => x.name)).toEqual([
      're-exec (parent process, --max-semi-space-size)',
      'process start (Node bootstrap)',
      'imports (CLI and the diagnose command)',
      'target load + preflight',
      'correlation (no --target: skipped)',
      'imports (kube client, diagnosis)',
      'listing pods, events, nodes',
      'analysis',
      'report (stdout)',
      'other (between phases)',
    ]);
    for (const x of t.rows.filter((x) => !/skipped|other/.test(x.name))) expect(x.ms, x.name).toBeGreaterThan(0);
    expectPhasesAddUp(t);
  });

  it('with --target, -A: every correlation suite runs alongside the reads; the rest of it is a phase after them, each check a row', async () => {
    const r = await diagnose(['--target', 'target.yaml', '-A', '--read-only', '--timings']);
    expect(r.stdout).toContain('diag/never-pull');
    const t = table(r.stderr);
    const top = t.rows.filter((x) => x.depth === 0).map((x) => x.name);
    const row = 'correlation (tls, dns, robot-auth, pull-secrets, cluster-dns, nodes)';
    expect(top, r.stderr).toContain(row);
    expect(top.indexOf(row)).toBeGreaterThan(top.indexOf('listing pods, events, nodes'));
    expect(top.indexOf(row)).toBeLessThan(top.indexOf('analysis'));
    const checks = t.rows.filter((x) => x.depth === 1);
    expect(checks.length).toBeGreaterThan(3);
    for (const c of checks) expect(c.name).toMatch(/^(tls|dns|robot-auth|pull-secrets|cluster-dns|nodes)\/[\w-]+$/);
    expect(new Set(checks.map((c) => c.name.split('/')[0])).size).toBeGreaterThan(2);
    expectPhasesAddUp(t);
  });

  it.each([
    // a 401: the pull secrets and the robot can explain it, nothing else runs
    ['diag-auth', 'correlation (robot-auth, pull-secrets)', ['robot-auth', 'pull-secrets']],
    // an image that must not be pulled: no suite can explain more than the kubelet said
    ['diag', 'correlation (none: no suite can explain these symptoms)', []],
  ] as const)('with --target, -n %s: only the suites that can explain the symptoms run (%s)', async (ns, row, suites) => {
    const r = await diagnose(['--target', 'target.yaml', '-n', ns, '--read-only', '--timings']);
    expect(r.exitCode, r.stderr).toBe(1);
    const t = table(r.stderr);
    const top = t.rows.filter((x) => x.depth === 0).map((x) => x.name);
    expect(top, r.stderr).toContain(row);
    expect(top.indexOf(row)).toBeGreaterThan(top.indexOf('listing pods, events, nodes'));
    const ran = new Set(t.rows.filter((x) => x.depth === 1).map((c) => c.name.split('/')[0]));
    expect([...ran].sort()).toEqual([...suites].sort());
    expectPhasesAddUp(t);
  });

  it('POD: the listing row is reading that pod and its events', async () => {
    const r = await diagnose(['--kubeconfig', api.kubeconfigPath, '-n', 'diag', 'never-pull', '--timings']);
    expect(r.exitCode).toBe(1);
    const t = table(r.stderr);
    const names = t.rows.map((x) => x.name);
    expect(names).toContain('reading the pod and its events');
    expect(names).not.toContain('listing pods, events, nodes');
    expectPhasesAddUp(t);
  });

  it('without --timings: no table', async () => {
    const r = await diagnose(['--kubeconfig', api.kubeconfigPath, '-A']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).not.toContain('timings:');
    expect(r.stderr).not.toContain('Node bootstrap');
  });
});
