import type { Finding, NotCheckedKind } from '../findings/finding.ts';
import type { Target } from '../target/load.ts';

/** Suites, in report order. A suite groups checks that look at one side of the system. */
export const SUITES = ['tls', 'dns', 'robot-auth', 'image-pull', 'harbor', 'metrics', 'nodeconfig',
  'imagepullbackoff', 'pull-secrets', 'cluster-dns', 'nodes', 'pull-e2e', 'boundary', 'eks'] as const;
export type SuiteId = (typeof SUITES)[number];
/**
 * Execution order: SUITES order, except that the correlating suite (imagepullbackoff) runs last —
 * it names a pod's root cause from the findings of pull-secrets, cluster-dns and nodes, which come
 * after it in report order.
 */
export const RUN_ORDER: readonly SuiteId[] = [...SUITES.filter((s) => s !== 'imagepullbackoff'), 'imagepullbackoff'];

/**
 * What a check gets: the target, secrets resolved in memory, a per-run cache shared by checks
 * (one TLS handshake, one token, one DNS query per resolver), and an abort signal.
 */
export interface CheckContext {
  target: Target;
  /** Secrets read from their sources; never logged. */
  secrets: { robotSecret?: string; adminPassword?: string; ldapUserPassword?: string };
  /** Memoises async work for the run: `ctx.once('tls:handshake', () => ...)`. */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Fires at the run's deadline or this check's own (`timeouts.checkMs`), whichever is first;
   * inside `once` work (shared with other checks) it is the run's signal only. Whatever a check
   * returns after it fired is discarded: the check is reported not-checked (deadline).
   */
  signal: AbortSignal;
  /** Findings earlier suites produced in this run (the ImagePullBackOff suite correlates them). */
  priorFindings: () => Finding[];
}

/** Why a check could not judge the target; the runner turns it into status `not-checked`. */
export interface NotChecked {
  kind: NotCheckedKind;
  /** Human text: what was missing or what failed first. */
  reason: string;
  /** Cause id (`net.tls-handshake-failed`) or `suite/check` that blocked it (kind `blocked`). */
  blockedBy?: string;
}

/**
 * Result of `run`: findings, plus evidence to attach even when nothing is wrong. `notChecked`
 * says the check could not judge (a precondition failed, nothing to judge); with findings at
 * warning or above the check is still `failed` (findings win), otherwise `not-checked`.
 */
export interface CheckOutput {
  findings: Finding[];
  evidence?: Record<string, unknown>;
  notChecked?: NotChecked;
}

/** Not checked because an earlier stage failed: `blockedBy` is its cause id or `suite/check`. */
export function blocked(blockedBy: string, reason: string, evidence?: Record<string, unknown>): CheckOutput {
  return { findings: [], ...(evidence ? { evidence } : {}), notChecked: { kind: 'blocked', reason, blockedBy } };
}

/** Not checked because there is nothing of the kind to judge (no SAN extension, no Ready node). */
export function notApplicable(reason: string, evidence?: Record<string, unknown>): CheckOutput {
  return { findings: [], ...(evidence ? { evidence } : {}), notChecked: { kind: 'not-applicable', reason } };
}

/** Not checked because the target (or the environment) does not give what the check needs. */
export function notConfigured(reason: string, evidence?: Record<string, unknown>): CheckOutput {
  return { findings: [], ...(evidence ? { evidence } : {}), notChecked: { kind: 'not-configured', reason } };
}

/**
 * One unit of checking: a plain async producer of findings; no test framework inside.
 * `applies` says whether the target configures what the check needs (otherwise: not-checked,
 * kind `not-configured`, with the returned reason). Throwing means the checker failed (status
 * `errored` with an `internal.check-error` finding), never a finding about the target.
 */
export interface Check {
  id: string;
  suite: SuiteId;
  title: string;
  applies?(target: Target): true | string | { kind: 'not-applicable' | 'not-configured'; reason: string };
  run(ctx: CheckContext): Promise<CheckOutput>;
}

/**
 * Merges the outputs of a check over several subjects (images, robots, nodes, token requests):
 * findings concatenated, evidence keyed by subject (a subject's not-checked outcome kept in its
 * evidence). The merged output is not-checked when any subject was not judged, with a reason
 * listing which and why; subjects that are merely not applicable (an image on another registry)
 * do not count unless every subject is. With findings the runner still reports `failed`.
 */
export function mergeSubjects(outputs: { subject: string; out: CheckOutput }[]): CheckOutput {
  const findings = outputs.flatMap((o) => o.out.findings);
  const evidence: Record<string, unknown> = {};
  for (const { subject, out } of outputs) evidence[subject] = { ...(out.evidence ?? {}), ...(out.notChecked ? { notChecked: out.notChecked } : {}) };
  const open = outputs.filter((o) => o.out.notChecked && o.out.findings.length === 0);
  const unjudged = open.filter((o) => o.out.notChecked!.kind !== 'not-applicable');
  const all = outputs.length > 0 && open.length === outputs.length && unjudged.length === 0;
  const list = all ? open : unjudged;
  if (list.length === 0) return { findings, evidence };
  const kinds = new Set(list.map((o) => o.out.notChecked!.kind));
  const first = list.find((o) => o.out.notChecked!.blockedBy)?.out.notChecked;
  const why = list.map((o) => `${o.subject}: ${o.out.notChecked!.reason}`).join('; ');
  return {
    findings,
    evidence,
    notChecked: {
      kind: kinds.size === 1 ? [...kinds][0]! : 'blocked',
      reason: outputs.length === 1 ? list[0]!.out.notChecked!.reason : `${list.length} of ${outputs.length} not checked — ${why}`,
      ...(first?.blockedBy ? { blockedBy: first.blockedBy } : {}),
    },
  };
}
