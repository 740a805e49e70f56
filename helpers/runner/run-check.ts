import type { Check, CheckContext } from '../checks/check.ts';
import { errorText } from '../errors.ts';
import type { CheckResult } from '../findings/finding.ts';
import { redactor } from '../redact.ts';

/** Backstop per check: checks bound their own network calls; this only catches checker bugs. */
const CHECK_BACKSTOP_MS = 120_000;

/**
 * Runs one check and turns every outcome into a CheckResult: findings → failed (error/warning)
 * or passed (info only); not configured → skipped; a throw or a blown backstop → error (the
 * checker's own failure, Popeye's 666), never a finding about the target.
 */
export async function runCheck(check: Check, ctx: CheckContext, backstopMs = CHECK_BACKSTOP_MS): Promise<CheckResult> {
  const base = { id: check.id, suite: check.suite, title: check.title };
  const applies = check.applies ? check.applies(ctx.target) : true;
  if (applies !== true) return { ...base, status: 'skipped', findings: [], durationMs: 0, reason: applies };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const backstop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`check did not finish within ${backstopMs / 1000}s (backstop)`)), backstopMs);
      timer.unref();
    });
    const out = await Promise.race([check.run(ctx), backstop]);
    const findings = out.findings.map((f) => ({ ...f, check: `${check.suite}/${check.id}` }));
    const failing = findings.some((f) => f.severity !== 'info');
    return {
      ...base,
      status: failing ? 'failed' : 'passed',
      findings,
      durationMs: Math.round(performance.now() - started),
      ...(out.evidence ? { evidence: redactor.value(out.evidence) } : {}),
    };
  } catch (err) {
    return {
      ...base,
      status: 'error',
      findings: [],
      durationMs: Math.round(performance.now() - started),
      reason: redactor.text(errorText(err)),
    };
  } finally {
    clearTimeout(timer);
  }
}
