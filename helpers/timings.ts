import { performance } from 'node:perf_hooks';

/**
 * `--timings`: where a command's wall time goes. All times are milliseconds on one clock,
 * `performance.now()` (0 = this process's `performance.timeOrigin`, i.e. its start), so Node's own
 * bootstrap (`performance.nodeTiming.bootstrapComplete`, same clock) is a real number and so are
 * the imports that follow it.
 *
 * Rows of depth 0 are sequential phases: they never overlap, so with the `other` row (the time no
 * phase claimed) they add up to the total. Deeper rows break a phase down and may overlap (the
 * checks of a suite run concurrently): they are not added.
 *
 * Recording is a few `performance.now()` calls per phase; the table is printed only with the flag.
 */
export type TimingRow = { name: string; ms: number; depth: number };

/** Set by bin/hybrid-doctor.mjs when it re-runs itself (diagnose): the parent's `performance.timeOrigin`. */
export const PARENT_ORIGIN_ENV = 'HYBRID_DOCTOR_PARENT_TIME_ORIGIN';

export class Timings {
  readonly rows: TimingRow[] = [];
  #last: number;
  readonly #now: () => number;

  /** Time spent before this process's clock started (the parent's share when re-run); in the total. */
  readonly before: number;

  /** Starts at `from` (ms on the `now` clock): the end of the previous phase. */
  constructor(from = 0, now: () => number = () => performance.now(), before = 0) {
    this.#last = from;
    this.#now = now;
    this.before = before;
  }

  /** Wall time so far: the `now` clock plus the time before it started. */
  total(): number {
    return this.#now() + this.before;
  }

  /** Records a top-level row of a known length without moving the phase clock (process start, re-exec). */
  add(name: string, ms: number, depth = 0): void {
    this.rows.push({ name, ms: Math.max(0, ms), depth });
  }

  /** Ends the phase that began at the previous mark (or at construction): a depth-0 row `name`. */
  mark(name: string): number {
    const t = this.#now();
    this.rows.push({ name, ms: t - this.#last, depth: 0 });
    this.#last = t;
    return t;
  }

  /** Runs `fn` as one depth-0 phase; time since the previous mark, not spent in a phase, goes to `other`. */
  async span<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    this.#last = this.#now(); // the time since the previous mark is no phase's: it lands in `other`
    try {
      return await fn();
    } finally {
      this.mark(name);
    }
  }

  /** The table: every row, `other` (time between phases), and the total since `origin`. */
  render(opts: { total?: number; notes?: readonly string[] } = {}): string {
    const total = opts.total ?? this.total();
    const top = this.rows.filter((r) => r.depth === 0).reduce((a, r) => a + r.ms, 0);
    const rows: TimingRow[] = [...this.rows, { name: 'other (between phases)', ms: Math.max(0, total - top), depth: 0 }];
    const width = Math.max(...rows.map((r) => r.name.length + 2 * r.depth), 'total'.length) + 2;
    const fmt = (ms: number) => `${ms.toFixed(1).padStart(9)} ms`;
    const lines = ['timings:'];
    for (const r of rows) lines.push(`  ${`${'  '.repeat(r.depth)}${r.name}`.padEnd(width)}${fmt(r.ms)}`);
    lines.push(`  ${'total'.padEnd(width)}${fmt(total)}`);
    for (const n of opts.notes ?? []) lines.push(`  (${n})`);
    return `${lines.join('\n')}\n`;
  }
}

/**
 * The process's own start: Node's bootstrap, measured by Node (`bootstrapComplete`, ms since
 * this process's time origin), and when bin/hybrid-doctor.mjs re-ran itself, the parent's share
 * (parent start → this process's start). Returns the recorder with those rows, its phase clock at
 * the end of the bootstrap, so the next mark is the imports.
 */
export function processTimings(env: NodeJS.ProcessEnv = process.env): Timings {
  const boot = performance.nodeTiming.bootstrapComplete;
  const parent = Number(env[PARENT_ORIGIN_ENV]);
  const before = parent > 0 ? Math.max(0, performance.timeOrigin - parent) : 0;
  const t = new Timings(boot, () => performance.now(), before);
  if (before > 0) t.add('re-exec (parent process, --max-semi-space-size)', before);
  t.add('process start (Node bootstrap)', boot);
  return t;
}
