import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { OUTPUT_MARKER } from '../helpers/cli/output-dirs.ts';

/**
 * Where `run` writes, proven on the real CLI (bin/hybrid-doctor.mjs in a child process) run
 * from a temp cwd against a target whose only suite is offline (nodeconfig, a NodeConfig file):
 * reports land in ./out of the cwd, foreign folders are refused and left alone, our own marked
 * folders are reused, and nothing at all changes in the package folder.
 *
 * The package-folder snapshot is the proof that `run` works from a read-only install: these
 * tests run as root in CI, and root ignores permission bits, so making the folder read-only
 * would prove nothing. (Checked by hand as well: `setpriv --reuid=65534` running the same
 * command against a root-owned checkout succeeds.)
 */
const BIN = new URL('./hybrid-doctor.mjs', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const NODECONFIG = new URL('../helpers/checks/nodeconfig/fixtures/guide-nodeconfig.yaml', import.meta.url).pathname;

function workspace(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'hd-run-out-'));
  copyFileSync(NODECONFIG, join(cwd, 'nodeconfig.yaml'));
  writeFileSync(join(cwd, 'target.yaml'), 'harbor:\n  url: https://harbor.example.test\nnodeconfig: ./nodeconfig.yaml\n');
  return cwd;
}

function run(cwd: string, extra: string[] = [], env: Record<string, string> = {}) {
  return execa(process.execPath, [BIN, 'run', '--target', 'target.yaml', '--suites', 'nodeconfig', ...extra], { cwd, reject: false, timeout: 120_000, stdin: 'ignore', env: { NO_COLOR: '1', ...env } });
}

/** path → size and mtime of every file and folder under `dir` (node_modules and .git excluded). */
function snapshot(dir: string): Map<string, string> {
  const snap = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (rel === 'node_modules' || rel === '.git') continue;
      const st = lstatSync(p);
      snap.set(rel, `${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return snap;
}

function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('run writes only into its output folders, relative to the cwd', () => {
  it('default: reports in ./out of the cwd, nothing changed in the package folder, a second run reuses ./out', async () => {
    const cwd = workspace();
    const before = snapshot(ROOT);
    const first = await run(cwd);
    expect(first.stderr).not.toMatch(/could not|refus|internal error/);
    expect(first.exitCode).toBe(1); // the guide's NodeConfig has error findings
    // Progress (stderr, not a terminal): one line per suite; none of the test runner's output.
    expect(first.stderr).toMatch(/^nodeconfig +1 check: 0 passed, 1 failed \(\d+\.\d s\)$/m);
    expect(first.stderr + first.stdout).not.toMatch(/\bRUN\b +v\d|\bFAIL\b|AssertionError|Test Files|^\s+at |❯/m);
    const out = join(cwd, 'out');
    for (const f of ['report.json', 'junit.xml', 'allure-report/index.html', OUTPUT_MARKER, `allure-results/${OUTPUT_MARKER}`, `allure-report/${OUTPUT_MARKER}`]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).checks.length).toBeGreaterThan(0);
    // Nothing else in the cwd (no allurerc.mjs, no results/ folder, no cache).
    expect(readdirSync(cwd).sort()).toEqual(['nodeconfig.yaml', 'out', 'target.yaml']);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'allure-report', 'allure-results', 'junit.xml', 'report.json'].sort());

    const second = await run(cwd, ['--no-html', '--quiet']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toBe(''); // --quiet: the summary (stdout) only
    expect(second.stdout).toContain('findings:');
    // The marked Allure results folder was emptied, not appended to: one check → one result file.
    expect(readdirSync(join(out, 'allure-results')).filter((f) => f.endsWith('-result.json'))).toHaveLength(1);

    expect(snapshot(ROOT)).toEqual(before);
  });

  it('a foreign non-empty folder given as --allure-dir / --html / --out is refused (exit 2) and left untouched', async () => {
    const cwd = workspace();
    const mine = join(cwd, 'mine');
    mkdirSync(join(mine, 'sub'), { recursive: true });
    writeFileSync(join(mine, 'precious.txt'), 'keep me');
    writeFileSync(join(mine, 'sub', 'also.txt'), 'me too');
    const kept = snapshot(mine);
    for (const flag of ['--allure-dir', '--html', '--out']) {
      const r = await run(cwd, [flag, 'mine']);
      expect(r.exitCode, flag).toBe(2);
      expect(r.stderr).toContain(`${flag} ${mine} is not empty and was not created by hybrid-doctor`);
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(snapshot(mine)).toEqual(kept);
      expect(readFileSync(join(mine, 'precious.txt'), 'utf8')).toBe('keep me');
      // Refused before anything was created.
      expect(readdirSync(cwd).sort(), flag).toEqual(['mine', 'nodeconfig.yaml', 'target.yaml']);
    }
  });

  it('--json and --junit with --no-html and no --out write exactly those two files; --html writes nothing beside its folder', async () => {
    const cwd = workspace();
    const tmp = mkdtempSync(join(tmpdir(), 'hd-run-tmp-'));
    const r = await run(cwd, ['--json', 'r/report.json', '--junit', 'r/junit.xml', '--no-html'], { TMPDIR: tmp });
    expect(r.exitCode).toBe(1);
    expect(tree(cwd)).toEqual(['nodeconfig.yaml', 'r', 'r/junit.xml', 'r/report.json', 'target.yaml']);
    expect(readdirSync(tmp)).toEqual([]); // the run's temp folder (results, Allure results, caches) is gone

    const parent = join(cwd, 'reports');
    mkdirSync(parent);
    const h = await run(cwd, ['--json', 'r/report.json', '--junit', 'r/junit.xml', '--html', 'reports/html']);
    expect(h.exitCode).toBe(1);
    expect(readdirSync(parent)).toEqual(['html']); // no allurerc.mjs next to it
    expect(readdirSync(join(parent, 'html')).sort()).toEqual(expect.arrayContaining([OUTPUT_MARKER, 'index.html']));
    expect(existsSync(join(cwd, 'out'))).toBe(false); // every report was named: no ./out
  });
});
