import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { PARENT_ORIGIN_ENV, processTimings, Timings } from './timings.ts';

/** A clock the test moves by hand: the rows are exact. */
function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const row = (out: string, name: string): number => {
  const m = new RegExp(`^ +${name.replace(/[()+]/g, '\\$&')} +(\\d+\\.\\d) ms$`, 'm').exec(out);
  if (!m) throw new Error(`no row "${name}" in\n${out}`);
  return Number(m[1]);
};

describe('Timings', () => {
  it('marks sequential phases; the time between them is "other"; the rows add up to the total', async () => {
    const c = clock(10);
    const t = new Timings(10, c.now);
    c.advance(5);
    t.mark('imports');
    c.advance(7);
    await t.span('work', () => {
      c.advance(20);
    }); // the 7 ms before the span is no phase's
    t.add('check a', 15, 1); // breakdown rows are shown but not added
    c.advance(3);
    const out = t.render();
    expect(row(out, 'imports')).toBe(5);
    expect(row(out, 'work')).toBe(20);
    expect(row(out, 'check a')).toBe(15);
    expect(out).toMatch(/^ {4}check a +15\.0 ms$/m); // indented under its phase
    expect(row(out, 'other (between phases)')).toBe(10 + 7 + 3); // before the first mark, before the span, after the last
    expect(row(out, 'total')).toBe(45);
  });

  it('span records its phase even when the work throws', async () => {
    const c = clock();
    const t = new Timings(0, c.now);
    await expect(t.span('fails', () => {
      c.advance(4);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(t.rows).toEqual([{ name: 'fails', ms: 4, depth: 0 }]);
  });

  it("process start is Node's own bootstrap figure; a re-run's parent share is a row and part of the total", () => {
    const plain = processTimings({});
    expect(plain.rows).toHaveLength(1);
    expect(plain.rows[0]!.name).toBe('process start (Node bootstrap)');
    expect(plain.rows[0]!.ms).toBe(performance.nodeTiming.bootstrapComplete);
    expect(plain.rows[0]!.ms).toBeGreaterThan(0);
    expect(plain.before).toBe(0);

    const reexec = processTimings({ [PARENT_ORIGIN_ENV]: String(performance.timeOrigin - 120) });
    expect(reexec.rows.map((r) => r.name)).toEqual(['re-exec (parent process, --max-semi-space-size)', 'process start (Node bootstrap)']);
    expect(reexec.rows[0]!.ms).toBeCloseTo(120, 3);
    expect(reexec.total() - plain.total()).toBeGreaterThanOrEqual(119.9);
  });
});
