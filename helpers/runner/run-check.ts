import type { Check, CheckContext, NotChecked } from '../checks/check.ts';
import { errorText } from '../errors.ts';
import type { CheckResult } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import { redactor } from '../redact.ts';
import type { Target } from '../target/load.ts';
import { checkScope } from './context.ts';

/**
 * A check's own deadline: `timeouts.checkMs` when the target sets it, otherwise ten full
 * connect + request rounds, at least 100 s (a probe pod may take 90 s to be scheduled and pull),
 * never more than the run's deadline.
 */
function checkDeadlineMs(target: Target): number {
  const t = target.timeouts;
  return t.checkMs ?? Math.min(t.runMs, Math.max(100_000, 10 * (t.connectMs + t.requestMs)));
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** Why the run signal fired, for a not-checked(deadline) reason. */
function runStopReason(ctx: CheckContext, when: 'started' | 'finished'): string {
  const r: unknown = ctx.signal.reason;
  if (r instanceof Error && r.name === 'TimeoutError') return `the run deadline (timeouts.runMs = ${seconds(ctx.target.timeouts.runMs)}) passed before this check ${when}`;
  return `the run was stopped (${r instanceof Error ? r.message : String(r ?? 'aborted')}) before this check ${when}`;
}

/**
 * Runs one check and turns every outcome into a CheckResult:
 * - `applies` says no → not-checked (`not-configured`, or the kind it returned);
 * - a finding at warning or above → failed (findings win over a not-checked outcome);
 * - the check returned `notChecked` → not-checked, with its kind, reason and blockedBy;
 * - the run's signal or the check's own deadline fired → not-checked (`deadline`), and whatever
 *   the check produced is discarded: a DNS query or connection cut by our own deadline says
 *   nothing about the target;
 * - a throw → errored, with an `internal.check-error` finding naming the check (the checker's
 *   own failure, Popeye's 666), never a finding about the target;
 * - otherwise passed (info findings allowed).
 */
export async function runCheck(check: Check, ctx: CheckContext, opts: { checkMs?: number } = {}): Promise<CheckResult> {
  const base = { id: check.id, suite: check.suite, title: check.title };
  let applies: ReturnType<NonNullable<Check['applies']>>;
  try {
    applies = check.applies ? check.applies(ctx.target) : true;
  } catch (err) {
    return erroredResult(base, err, 0);
  }
  if (applies !== true) {
    const nc: NotChecked = typeof applies === 'string' ? { kind: 'not-configured', reason: applies } : applies;
    return notCheckedResult(base, nc, 0);
  }
  if (ctx.signal.aborted) return notCheckedResult(base, { kind: 'deadline', reason: runStopReason(ctx, 'started') }, 0);
  const budgetMs = opts.checkMs ?? checkDeadlineMs(ctx.target);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const own = new AbortController();
  const timer = setTimeout(() => own.abort(new Error(`check deadline of ${seconds(budgetMs)} passed`)), budgetMs);
  timer.unref();
  const signal = AbortSignal.any([ctx.signal, own.signal]);
  const deadline = (): CheckResult =>
    notCheckedResult(base, {
      kind: 'deadline',
      reason: ctx.signal.aborted ? runStopReason(ctx, 'finished') : `the check did not finish within its ${seconds(budgetMs)} budget (timeouts.checkMs)`,
    }, elapsed());
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<'stopped'>((resolve) => {
    onAbort = () => resolve('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const running = check.run(checkScope(ctx, signal));
    running.catch(() => undefined); // settles after a deadline: nobody awaits it then
    const out = await Promise.race([running, stopped]);
    if (out === 'stopped' || signal.aborted) return deadline();
    const findings = out.findings.map((f) => ({ ...f, check: `${check.suite}/${check.id}` }));
    const failing = findings.some((f) => f.severity !== 'info');
    const evidence = out.evidence ? { evidence: redactor.value(out.evidence) } : {};
    if (!failing && out.notChecked) return { ...notCheckedResult(base, out.notChecked, elapsed()), findings, ...evidence };
    return { ...base, status: failing ? 'failed' : 'passed', findings, durationMs: elapsed(), ...evidence };
  } catch (err) {
    if (signal.aborted) return deadline();
    return erroredResult(base, err, elapsed());
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Errored: hybrid-doctor failed, with the `internal.check-error` finding naming the check. */
export function erroredResult(base: Pick<CheckResult, 'id' | 'suite' | 'title'>, err: unknown, durationMs: number): CheckResult {
  const name = `${base.suite}/${base.id}`;
  const detail = redactor.text(errorText(err));
  return {
    ...base,
    status: 'errored',
    findings: [{ ...finding('internal.check-error', { subject: name, params: { name, detail, suite: base.suite } }), check: name }],
    durationMs,
    reason: detail,
  };
}

function notCheckedResult(base: Pick<CheckResult, 'id' | 'suite' | 'title'>, nc: NotChecked, durationMs: number): CheckResult {
  return {
    ...base,
    status: 'not-checked',
    findings: [],
    durationMs,
    notChecked: nc.kind,
    reason: redactor.text(nc.reason),
    ...(nc.blockedBy ? { blockedBy: nc.blockedBy } : {}),
  };
}
