import { SUITES } from '../helpers/checks/check.ts';
import { SEVERITY_RANK } from '../helpers/findings/cause-ids.ts';
import type { CheckResult, Finding } from '../helpers/findings/finding.ts';
import { redactor } from '../helpers/redact.ts';

export interface JsonReport {
  tool: { name: 'hybrid-doctor'; version: string };
  target: string;
  startedAt: string;
  durationMs: number;
  summary: {
    checks: Record<CheckResult['status'], number>;
    findings: { error: number; warning: number; info: number };
    causes: { cause: string; severity: string; count: number }[];
  };
  /** Root cause first: severity, then suite order (TLS before pulls), then subject. */
  findings: Finding[];
  checks: { id: string; suite: string; title: string; status: CheckResult['status']; durationMs: number; findings: number; reason?: string }[];
}

export function findingOrder(a: Finding, b: Finding): number {
  const suiteRank = (f: Finding) => SUITES.indexOf((f.check?.split('/')[0] ?? '') as (typeof SUITES)[number]);
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    suiteRank(a) - suiteRank(b) ||
    a.cause.localeCompare(b.cause) ||
    a.subject.localeCompare(b.subject)
  );
}

/** Builds the JSON report (product.md: at least findings[{cause,severity,subject,message,remediation}] and checks[{id,suite,status}]). */
export function buildJsonReport(input: { target: string; startedAt: string; durationMs: number; checks: CheckResult[]; version: string }): JsonReport {
  const findings = input.checks.flatMap((c) => c.findings).sort(findingOrder);
  const statuses: Record<CheckResult['status'], number> = { passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const c of input.checks) statuses[c.status]++;
  const causes = new Map<string, { cause: string; severity: string; count: number }>();
  for (const f of findings) {
    const e = causes.get(f.cause) ?? { cause: f.cause, severity: f.severity, count: 0 };
    e.count++;
    causes.set(f.cause, e);
  }
  const report: JsonReport = {
    tool: { name: 'hybrid-doctor', version: input.version },
    target: input.target,
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    summary: {
      checks: statuses,
      findings: {
        error: findings.filter((f) => f.severity === 'error').length,
        warning: findings.filter((f) => f.severity === 'warning').length,
        info: findings.filter((f) => f.severity === 'info').length,
      },
      causes: [...causes.values()],
    },
    findings,
    checks: input.checks.map((c) => ({
      id: c.id,
      suite: c.suite,
      title: c.title,
      status: c.status,
      durationMs: c.durationMs,
      findings: c.findings.length,
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  };
  return redactor.value(report);
}
