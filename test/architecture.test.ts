/**
 * Keeps the import graph honest: no import cycles, no layer importing a higher one
 * (.dependency-cruiser.cjs), no unused files, exports, types or dependencies (knip.jsonc).
 * Both tools run as the developer would run them (`npm run depcruise`, `npm run knip`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

interface Violation {
  type: string;
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

async function npmBin(bin: string, args: string[]): Promise<string> {
  const r = await execa(bin, args, { cwd: ROOT, preferLocal: true, reject: false, timeout: 120_000, env: { NO_COLOR: '1' } });
  if (r.timedOut) throw new Error(`${bin} did not finish in 120 s`);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`${bin} ${args.join(' ')} exited ${r.exitCode} without a JSON report:\n${r.stderr.slice(0, 2000)}`);
  return r.stdout;
}

describe('architecture', () => {
  it('has no import cycle and no lower layer importing a higher one (dependency-cruiser)', async () => {
    const out = await npmBin('depcruise', ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'helpers', 'fixtures', 'reports', 'suites', 'bin', 'test', 'bench', 'vitest.config.ts']);
    const report = JSON.parse(out) as { summary: { violations: Violation[]; totalCruised: number } };
    expect(report.summary.totalCruised).toBeGreaterThan(100); // it did look at the project
    const violations = report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`);
    expect(violations).toEqual([]);
  });

  // A missing prerequisite must fail the run, not skip silently (issue 7); `.only` would hide the rest.
  it('has no skipped, todo or focused test anywhere in the repo\'s own tests', async () => {
    const files = (await execa('git', ['ls-files', '*.ts', '*.mjs'], { cwd: ROOT })).stdout.split('\n').filter(Boolean);
    const modifier = /\b(?:describe|it|test|suite|bench)\s*\.\s*(?:skip|skipIf|runIf|todo|only)\b/;
    const hits = files.flatMap((f) =>
      readFileSync(resolve(ROOT, f), 'utf8').split('\n').flatMap((line, i) => (modifier.test(line) && !line.includes('modifier = /') ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('has no unused file, export, type or dependency (knip)', async () => {
    const out = await npmBin('knip', ['--no-progress', '--reporter', 'json']);
    const report = JSON.parse(out) as { issues: ({ file: string } & Record<string, unknown>)[] };
    const found: string[] = [];
    for (const issue of report.issues) {
      for (const [kind, items] of Object.entries(issue)) {
        if (!Array.isArray(items)) continue;
        for (const item of items as { name?: string }[]) found.push(`${kind} ${issue.file}: ${item.name ?? JSON.stringify(item)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
