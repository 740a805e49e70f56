import type { CheckResult } from '../helpers/findings/finding.ts';
import { redactor } from '../helpers/redact.ts';

// XML is generated, not parsed: escaping text and attributes is all it takes, so no library.
const esc = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
    // XML 1.0 forbids most control characters even when escaped.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

/** `not checked (blocked by net.plain-http): the TLS handshake … did not complete`. */
export function notCheckedMessage(c: Pick<CheckResult, 'notChecked' | 'reason' | 'blockedBy'>): string {
  const kind = c.notChecked === 'blocked' && c.blockedBy ? `blocked by ${c.blockedBy}` : (c.notChecked ?? 'not checked');
  return `not checked (${kind}): ${c.reason ?? ''}`;
}

/**
 * JUnit XML for CI systems: one <testsuite> per suite, one <testcase> per check; a check with
 * findings is a <failure> whose message lists cause ids, an errored check an <error>, a
 * not-checked one <skipped> whose message says why (kind, blocking cause, reason).
 */
export function buildJunitReport(input: { target: string; checks: CheckResult[] }): string {
  const bySuite = new Map<string, CheckResult[]>();
  for (const c of input.checks) bySuite.set(c.suite, [...(bySuite.get(c.suite) ?? []), c]);
  const total = (f: (c: CheckResult) => boolean) => input.checks.filter(f).length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="hybrid-doctor ${esc(input.target)}" tests="${input.checks.length}" failures="${total((c) => c.status === 'failed')}" errors="${total((c) => c.status === 'errored')}" skipped="${total((c) => c.status === 'not-checked')}" time="${(input.checks.reduce((s, c) => s + c.durationMs, 0) / 1000).toFixed(3)}">`,
  );
  for (const [suite, checks] of bySuite) {
    const n = (s: CheckResult['status']) => checks.filter((c) => c.status === s).length;
    out.push(
      `  <testsuite name="${esc(suite)}" tests="${checks.length}" failures="${n('failed')}" errors="${n('errored')}" skipped="${n('not-checked')}" time="${(checks.reduce((s, c) => s + c.durationMs, 0) / 1000).toFixed(3)}">`,
    );
    for (const c of checks) {
      out.push(`    <testcase classname="hybrid-doctor.${esc(suite)}" name="${esc(c.id)}" time="${(c.durationMs / 1000).toFixed(3)}">`);
      if (c.status === 'failed') {
        const msg = [...new Set(c.findings.map((f) => f.cause))].join(', ');
        const body = c.findings
          .map((f) => `${f.cause} [${f.severity}] ${f.subject}: ${f.message}\nfix: ${f.remediation.summary}\n${f.remediation.steps.map((s) => `  - ${s}`).join('\n')}`)
          .join('\n\n');
        out.push(`      <failure message="${esc(msg)}" type="${esc(c.findings[0]?.cause ?? 'finding')}">${esc(body)}</failure>`);
      } else if (c.status === 'errored') {
        out.push(`      <error message="${esc(c.reason ?? 'internal error')}" type="internal.check-error"/>`);
      } else if (c.status === 'not-checked') {
        out.push(`      <skipped message="${esc(notCheckedMessage(c))}"/>`);
      } else if (c.findings.length) {
        out.push(`      <system-out>${esc(c.findings.map((f) => `${f.cause} [${f.severity}] ${f.subject}: ${f.message}`).join('\n'))}</system-out>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return redactor.text(out.join('\n'));
}
