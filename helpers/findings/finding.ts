import type { CauseId, Severity } from './cause-ids.ts';

/** Values a catalog template may interpolate (`{name}` in title/message/steps). */
export type FindingParams = Record<string, string | number | boolean | undefined>;

/** What to do about a cause: rendered from the catalog entry with the finding's params. */
export interface Remediation {
  summary: string;
  steps: string[];
  docs: { title: string; url: string }[];
  /** The step of the guide (../shared/guide) this concerns, e.g. "Step 8: certificate install". */
  guideStep?: string;
}

/**
 * One problem found in the target. Text fields are rendered from the catalog entry of `cause`
 * (no free text from checks); `evidence` is already redacted when the finding is built.
 */
export interface Finding {
  cause: CauseId;
  severity: Severity;
  /** What the finding is about: `host:port`, `node/NAME`, `ns/pod`, `robot$name`, a file path. */
  subject: string;
  title: string;
  message: string;
  explanation: string;
  remediation: Remediation;
  params: FindingParams;
  evidence: Record<string, unknown>;
  /** The check that produced it (`suite/check-id`). Filled in by the runner. */
  check?: string;
}

/**
 * How one check ended. `passed` means checked and fine (info findings allowed); `failed`, a
 * finding at warning or error; `not-checked`, the check could not judge the target (see
 * `NotCheckedKind`) — never "passed"; `errored`, hybrid-doctor itself failed (a bug or an
 * unexpected throw; the result carries an `internal.check-error` finding naming the check).
 */
export const CHECK_STATUSES = ['passed', 'failed', 'not-checked', 'errored'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/**
 * Why a check is not-checked: `blocked` (a precondition failed; `blockedBy` names the cause id or
 * `suite/check`), `not-applicable` (nothing of the kind to judge: no SAN extension, no Ready node),
 * `not-configured` (the target does not give what the check needs), `deadline` (the run or
 * per-check deadline fired first).
 */
export const NOT_CHECKED_KINDS = ['blocked', 'not-applicable', 'not-configured', 'deadline'] as const;
export type NotCheckedKind = (typeof NOT_CHECKED_KINDS)[number];


/** What one check produced for one target. */
export interface CheckResult {
  id: string;
  suite: string;
  title: string;
  status: CheckStatus;
  findings: Finding[];
  durationMs: number;
  /** Set when status is `not-checked`. */
  notChecked?: NotCheckedKind;
  /** Why not checked (human text), or the internal error text when `errored`. */
  reason?: string;
  /** The cause id or `suite/check` whose failure kept this check from judging (kind `blocked`). */
  blockedBy?: string;
  /** Redacted observations worth attaching even when the check passes (served chain, answers). */
  evidence?: Record<string, unknown>;
}

/**
 * What a vitest suite run attaches to each check's test (`task.meta.check`, read by reporters as
 * `testCase.meta().check`): the same verdict the JSON report gives.
 */
export interface CheckMeta {
  suite: string;
  id: string;
  status: CheckStatus;
  notChecked?: NotCheckedKind;
  reason?: string;
  blockedBy?: string;
  /** Cause ids of the check's findings, in order, without duplicates. */
  causes: string[];
}
