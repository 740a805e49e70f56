import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason } from 'vitest/node';
import { redactor } from '../helpers/redact.ts';

/**
 * `run`'s console while the suites run (the final summary is console-summary.ts). A vitest
 * reporter of the project's own: progress per suite and per check, and nothing of the runner's
 * (no banner, no `FAIL … AssertionError`, no stack traces or source excerpts: a failed check is a
 * finding, told once in the summary).
 * - On a terminal: one live line, rewritten in place (`tls 3/8 · chain-trust`), replaced by the
 *   suite's line when the suite ends.
 * - Otherwise (CI logs, pipes): one line per suite when it ends,
 *   `tls        8 checks: 6 passed, 1 failed, 1 not checked (1.2 s)`.
 * Errors that stop a whole suite (a suite file that cannot load, an unhandled rejection) are
 * printed as one line each, also with `quiet`, because then no check result explains them.
 */
export type ProgressStatus = 'passed' | 'failed' | 'not-checked' | 'errored';

type Out = { write(s: string): unknown; isTTY?: boolean; columns?: number };

export type ProgressOptions = {
  stream: Out;
  /** Print nothing but suite-stopping errors. */
  quiet?: boolean;
  /** Force the live (TTY) or the line-per-suite mode; default: `stream.isTTY`. */
  live?: boolean;
  /** Width to pad suite names to (default: the longest suite id, 16). */
  nameWidth?: number;
};

/**
 * A check's status as the project defines it. `fixtures/define-suite.ts` puts it in the test's
 * meta (`meta.check.status`); without it (older suites, foreign tests) vitest's state is mapped:
 * pass → passed, skip → not checked, an AssertionError → failed, any other error → errored.
 */
export function checkStatus(test: Pick<TestCase, 'meta' | 'result'>): ProgressStatus | 'pending' {
  const status = (test.meta() as { check?: { status?: string } }).check?.status;
  if (status === 'passed' || status === 'failed' || status === 'not-checked' || status === 'errored') return status;
  if (status === 'skipped') return 'not-checked';
  if (status === 'error') return 'errored';
  const r = test.result();
  if (r.state === 'passed') return 'passed';
  if (r.state === 'skipped') return 'not-checked';
  if (r.state === 'failed') return r.errors.some((e) => e.name === 'AssertionError') ? 'failed' : 'errored';
  return 'pending';
}

const LABEL: Record<ProgressStatus, string> = { passed: 'passed', failed: 'failed', 'not-checked': 'not checked', errored: 'errored' };

type SuiteState = { name: string; total: number; counts: Record<ProgressStatus, number>; started: number; running: string[] };

/** `8 checks: 6 passed, 1 failed, 1 not checked` (passed always; the others when non-zero). */
export function countsText(total: number, counts: Record<ProgressStatus, number>): string {
  const parts = (Object.keys(LABEL) as ProgressStatus[]).filter((k) => k === 'passed' || counts[k] > 0).map((k) => `${counts[k]} ${LABEL[k]}`);
  return `${total} check${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

function firstLine(e: { message?: string; name?: string } | undefined): string {
  const m = (e?.message ?? String(e ?? 'unknown error')).split('\n')[0]!.trim();
  return redactor.text(e?.name && e.name !== 'Error' && !m.startsWith(e.name) ? `${e.name}: ${m}` : m);
}

export class ProgressReporter implements Reporter {
  readonly #out: Out;
  readonly #quiet: boolean;
  readonly #live: boolean;
  readonly #width: number;
  readonly #suites = new Map<string, SuiteState>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #current: SuiteState | undefined;
  #liveShown = false;

  constructor(opts: ProgressOptions) {
    this.#out = opts.stream;
    this.#quiet = Boolean(opts.quiet);
    this.#live = opts.live ?? Boolean(opts.stream.isTTY);
    this.#width = opts.nameWidth ?? 16;
  }

  #suite(module: TestModule): SuiteState {
    let s = this.#suites.get(module.id);
    if (!s) {
      // The suite id: the top-level describe of a suite file (define-suite.ts), else the file name.
      const top = [...module.children.suites()][0]?.name;
      const name = top ?? module.relativeModuleId.replace(/^.*\//, '').replace(/\..*$/, '');
      s = { name, total: 0, counts: { passed: 0, failed: 0, 'not-checked': 0, errored: 0 }, started: Date.now(), running: [] };
      this.#suites.set(module.id, s);
    }
    return s;
  }

  onTestModuleCollected(module: TestModule): void {
    const s = this.#suite(module);
    s.total = [...module.children.allTests()].length;
    s.name = [...module.children.suites()][0]?.name ?? s.name;
    this.#redraw();
  }

  onTestModuleStart(module: TestModule): void {
    const s = this.#suite(module);
    s.started = Date.now();
    this.#current = s;
    if (this.#live && !this.#quiet && !this.#timer) {
      this.#timer = setInterval(() => this.#redraw(), 500);
      this.#timer.unref?.();
    }
    this.#redraw();
  }

  onTestCaseReady(test: TestCase): void {
    const s = this.#suite(test.module);
    s.running.push(test.name.split(':')[0]!);
    this.#current = s;
    this.#redraw();
  }

  onTestCaseResult(test: TestCase): void {
    const s = this.#suite(test.module);
    const status = checkStatus(test);
    if (status !== 'pending') s.counts[status]++;
    const id = test.name.split(':')[0]!;
    s.running = s.running.filter((r) => r !== id);
    this.#redraw();
  }

  onTestModuleEnd(module: TestModule): void {
    const s = this.#suite(module);
    const secs = ((Date.now() - s.started) / 1000).toFixed(1);
    const errs = module.errors();
    const done = Object.values(s.counts).reduce((a, b) => a + b, 0);
    this.#clearLive();
    if (errs.length > 0 && done === 0) {
      // The suite file itself failed (import error, hook failure): no check explains it.
      this.#out.write(`${s.name.padEnd(this.#width)} could not run: ${firstLine(errs[0])}\n`);
    } else if (!this.#quiet) {
      this.#out.write(`${s.name.padEnd(this.#width)} ${countsText(Math.max(s.total, done), s.counts)} (${secs} s)\n`);
      if (errs.length > 0) this.#out.write(`${' '.repeat(this.#width)} ${firstLine(errs[0])}\n`);
    }
    if (this.#current === s) this.#current = undefined;
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>, _reason: TestRunEndReason): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clearLive();
    for (const e of unhandled) this.#out.write(`hybrid-doctor: unhandled error while running the suites: ${firstLine(e)}\n`);
  }

  #clearLive(): void {
    if (this.#liveShown) this.#out.write('\r\x1b[2K');
    this.#liveShown = false;
  }

  #redraw(): void {
    if (!this.#live || this.#quiet || !this.#current) return;
    const s = this.#current;
    const done = Object.values(s.counts).reduce((a, b) => a + b, 0);
    const secs = Math.floor((Date.now() - s.started) / 1000);
    const bad = s.counts.failed + s.counts.errored;
    let line = `${s.name} ${done}/${s.total || '?'}${bad ? ` (${bad} failed)` : ''}${s.running.length ? ` · ${s.running.join(', ')}` : ''} · ${secs} s`;
    const cols = (this.#out.columns || 80) - 1;
    if (line.length > cols) line = `${line.slice(0, cols - 1)}…`;
    this.#out.write(`\r\x1b[2K${line}`);
    this.#liveShown = true;
  }
}
