import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkStatus, countsText } from './progress-reporter.ts';

const RUNNER = new URL('./fixtures/progress/run-fixtures.ts', import.meta.url).pathname;

/** Runs reports/fixtures/progress/*.fixture.ts through a real vitest with only our reporter. */
async function runFixtures(mode: 'lines' | 'live') {
  const r = await execa(process.execPath, [RUNNER, ...(mode === 'live' ? ['live'] : [])], { reject: false, timeout: 60_000, env: { NO_COLOR: '1' } });
  return { ...r, all: `${r.stdout}\n${r.stderr}` };
}

// What the runner's own reporters print and ours must not: banner, FAIL lines, error names,
// stack frames, source excerpts (`❯ file:line`, `12|   code`, `^`), the final test-file tally.
const NOISE = [/\bRUN\b\s+v\d/, /\bFAIL\b/, /AssertionError/, /^\s+at /m, /❯/, /^\s*\d+\s*\|/m, /^\s*\^\s*$/m, /Test Files/, /Tests\s+\d/, /Duration/, /⎯/];

describe('progress reporter (a real vitest run of fixture suites)', () => {
  it('prints one line per suite, with the check counts, and no runner noise', async () => {
    const r = await runFixtures('lines');
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(r.stdout).toMatch(/^alpha  4 checks: 1 passed, 1 failed, 1 not checked, 1 errored \(\d+\.\d s\)$/m);
    expect(r.stdout).toMatch(/^beta   3 checks: 1 passed, 1 not checked, 1 errored \(\d+\.\d s\)$/m);
    expect(r.stdout).toMatch(/^gamma  could not run: gamma cannot load its checks$/m);
    expect(r.stdout).not.toContain('\r');
    for (const re of NOISE) expect(r.all).not.toMatch(re);
    expect(r.stderr).toBe('');
  });

  it('on a terminal rewrites one live line per check, then leaves the suite lines', async () => {
    const r = await runFixtures('live');
    expect(r.stdout).toContain('\r\x1b[2Kalpha 2/4 (1 failed)');
    const final = r.stdout.split('\n').map((l) => l.replace(/^.*\r\x1b\[2K/s, '')).filter(Boolean);
    expect(final).toHaveLength(3); // file order is vitest's
    expect(final).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^beta   3 checks: 1 passed, 1 not checked, 1 errored \(/),
        expect.stringMatching(/^alpha  4 checks: 1 passed, 1 failed, 1 not checked, 1 errored \(/),
        'gamma  could not run: gamma cannot load its checks',
      ]),
    );
    for (const re of NOISE) expect(r.all).not.toMatch(re);
  });
});

type Rec = Parameters<typeof checkStatus>[0];
const rec = (meta: object, result: object): Rec => ({ meta: () => meta, result: () => result }) as unknown as Rec;

describe('checkStatus: meta.check first, vitest state otherwise', () => {
  it.each([
    ['meta not-checked over a skip', rec({ check: { status: 'not-checked' } }, { state: 'skipped' }), 'not-checked'],
    ['meta errored over a failure', rec({ check: { status: 'errored' } }, { state: 'failed', errors: [{ name: 'Error' }] }), 'errored'],
    ['meta failed', rec({ check: { status: 'failed' } }, { state: 'failed', errors: [{ name: 'AssertionError' }] }), 'failed'],
    ['legacy meta skipped', rec({ check: { status: 'skipped' } }, { state: 'skipped' }), 'not-checked'],
    ['pass', rec({}, { state: 'passed', errors: undefined }), 'passed'],
    ['skip', rec({}, { state: 'skipped', errors: undefined }), 'not-checked'],
    ['assertion failure', rec({}, { state: 'failed', errors: [{ name: 'AssertionError', message: 'x' }] }), 'failed'],
    ['thrown error', rec({}, { state: 'failed', errors: [{ name: 'TypeError', message: 'x' }] }), 'errored'],
    ['still running', rec({}, { state: 'pending', errors: undefined }), 'pending'],
  ])('%s → %s', (_n, test, want) => {
    expect(checkStatus(test)).toBe(want);
  });

  it('counts text names passed always and the rest when present', () => {
    expect(countsText(8, { passed: 6, failed: 1, 'not-checked': 1, errored: 0 })).toBe('8 checks: 6 passed, 1 failed, 1 not checked');
    expect(countsText(1, { passed: 1, failed: 0, 'not-checked': 0, errored: 0 })).toBe('1 check: 1 passed');
  });
});
