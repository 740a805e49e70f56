import { SEVERITY_RANK, type Severity } from '../findings/cause-ids.ts';
import type { CheckResult, Finding } from '../findings/finding.ts';

/**
 * Process exit codes (a stable contract, README "Command line"). 0: nothing at or above the
 * fail-on threshold; 1: findings at or above it; 2: a usage or configuration error (bad flag,
 * target, kubeconfig, context, secret source), raised before any check runs; 3: a check errored
 * or hybrid-doctor itself failed (it could not judge part of the target, so neither 0 nor 1
 * would be honest). In the runner (not the CLI) so subcommands and main.ts share it without
 * importing each other.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

/**
 * The exit code of a finished run: 3 when any check errored (its `internal.check-error` finding
 * does not count as a finding about the target), else 1 when a finding is at or above `failOn`,
 * else 0. Not-checked checks do not change the code; the summary lists them.
 */
export function exitCode(report: { checks: readonly Pick<CheckResult, 'status'>[]; findings: readonly Pick<Finding, 'severity' | 'cause'>[] }, failOn: Severity): 0 | 1 | 3 {
  if (report.checks.some((c) => c.status === 'errored')) return EXIT.internal;
  const failing = report.findings.some((f) => f.cause !== 'internal.check-error' && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
  return failing ? EXIT.findings : EXIT.ok;
}
