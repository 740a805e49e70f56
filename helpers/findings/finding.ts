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

export type CheckStatus = 'passed' | 'failed' | 'error' | 'skipped';

/** What one check produced for one target. */
export interface CheckResult {
  id: string;
  suite: string;
  title: string;
  status: CheckStatus;
  findings: Finding[];
  durationMs: number;
  /** Why a check was skipped (not configured in the target), or the internal error text. */
  reason?: string;
  /** Redacted observations worth attaching even when the check passes (served chain, answers). */
  evidence?: Record<string, unknown>;
}
