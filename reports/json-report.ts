import { SUITES } from '../helpers/checks/check.ts';
import { SEVERITY_RANK } from '../helpers/findings/cause-ids.ts';
import type { CheckResult, Finding } from '../helpers/findings/finding.ts';
import { redactor } from '../helpers/redact.ts';
import type { z } from 'zod';
import type { jsonReportSchema } from './report-schema.ts';

/** The JSON report; its shape is `jsonReportSchema` (published as schema/report.schema.json). */
export type JsonReport = z.infer<typeof jsonReportSchema>;

export function findingOrder(a: Finding, b: Finding): number {
  const suiteRank = (f: Finding) => SUITES.indexOf((f.check?.split('/')[0] ?? '') as (typeof SUITES)[number]);
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    suiteRank(a) - suiteRank(b) ||
    a.cause.localeCompare(b.cause) ||
    a.subject.localeCompare(b.subject)
  );
}

/**
 * Builds the JSON report (product.md: at least findings[{cause,severity,subject,message,remediation}]
 * and checks[{id,suite,status}]); a not-checked check carries `notChecked` (kind), `reason` and
 * `blockedBy`; an errored one its `reason` and an `internal.check-error` finding.
 */
export function buildJsonReport(input: { target: string; startedAt: string; durationMs: number; checks: CheckResult[]; version: string }): JsonReport {
  const findings = input.checks.flatMap((c) => c.findings).sort(findingOrder);
  const count = (s: CheckResult['status']) => input.checks.filter((c) => c.status === s).length;
  const statuses = { passed: count('passed'), failed: count('failed'), notChecked: count('not-checked'), errored: count('errored') };
  const causes = new Map<string, JsonReport['summary']['causes'][number]>();
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
      ...(c.notChecked ? { notChecked: c.notChecked } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.blockedBy ? { blockedBy: c.blockedBy } : {}),
    })),
  };
  return redactor.value(report);
}
