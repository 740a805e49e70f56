import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../helpers/findings/finding.ts';
import { finding } from '../helpers/findings/make-finding.ts';
import { redactor } from '../helpers/redact.ts';
import { buildJsonReport } from './json-report.ts';
import { buildMarkdownSummary, GITHUB_SUMMARY_LIMIT } from './markdown-summary.ts';

const SECRET = 'Pl4nted-Md-Secret-q7w';
redactor.add(SECRET, 'robot$k8s-robot');

/** Check results with catalog findings (the same builders the checks use). */
function mixed(): CheckResult[] {
  const expired = finding('tls.expired', { subject: 'harbor.example.test:443', params: { host: 'harbor.example.test', notAfter: '2020-01-01T00:00:00Z', subjectCN: 'harbor' }, evidence: { secret: SECRET } });
  const warn = finding('tls.expiring-soon', { subject: 'a|b host', params: { daysLeft: 10 } });
  return [
    { id: 'validity', suite: 'tls', title: 'validity', status: 'failed', findings: [{ ...warn, check: 'tls/validity' }, { ...expired, message: `${expired.message} (secret ${SECRET})`, check: 'tls/validity' }], durationMs: 12 },
    { id: 'scrape', suite: 'metrics', title: 'scrape', status: 'not-checked', notChecked: 'not-configured', findings: [], durationMs: 0, reason: 'metrics.url not set' },
    { id: 'trust', suite: 'tls', title: 'trust', status: 'not-checked', notChecked: 'blocked', blockedBy: 'net.plain-http', findings: [], durationMs: 1, reason: 'the TLS handshake did not complete' },
    { id: 'chain-complete', suite: 'tls', title: 'chain', status: 'not-checked', notChecked: 'blocked', blockedBy: 'net.plain-http', findings: [], durationMs: 1, reason: 'the TLS handshake did not complete' },
  ];
}
const passed = (): CheckResult[] => [{ id: 'handshake', suite: 'tls', title: 'handshake', status: 'passed', findings: [], durationMs: 3 }];
const warnOnly = (): CheckResult[] => [{ id: 'validity', suite: 'tls', title: 'validity', status: 'failed', findings: [{ ...finding('tls.expiring-soon', { subject: 'h:443', params: { daysLeft: 10 } }), check: 'tls/validity' }], durationMs: 3 }];
const errored = (): CheckResult[] => [{ id: 'token', suite: 'robot-auth', title: 'token', status: 'errored', findings: [finding('internal.check-error', { subject: 'robot-auth/token', params: { name: 'robot-auth/token', detail: 'boom' } })], durationMs: 3, reason: 'TypeError: boom' }];
const report = (checks: CheckResult[]) => buildJsonReport({ target: 'staging', startedAt: '2026-01-01T00:00:00Z', durationMs: 1500, checks, version: '0.1.0' });

describe('Markdown summary', () => {
  it.each([
    { name: 'error findings fail', checks: mixed, failOn: 'error', verdict: /^❌ \*\*Failed\*\*: findings at or above `error` \(exit 1\)$/m, counts: '**0 passed, 1 failed, 3 not checked, 0 errored**' },
    { name: 'a warning passes at --fail-on error', checks: warnOnly, failOn: 'error', verdict: /^✅ \*\*Passed\*\*: nothing at or above `error`$/m, counts: '**0 passed, 1 failed, 0 not checked, 0 errored**' },
    { name: 'a warning fails at --fail-on warning', checks: warnOnly, failOn: 'warning', verdict: /^❌ \*\*Failed\*\*: findings at or above `warning`/m, counts: '**0 passed, 1 failed' },
    { name: 'all passed', checks: passed, failOn: 'error', verdict: /^✅ \*\*Passed\*\*: nothing at or above `error`$/m, counts: '**1 passed, 0 failed, 0 not checked, 0 errored**' },
    { name: 'errored is not judged', checks: errored, failOn: 'error', verdict: /^❌ \*\*Not judged\*\*: 1 check\(s\) errored \(exit 3\)$/m, counts: '**0 passed, 0 failed, 0 not checked, 1 errored**' },
  ] as const)('verdict and counts: $name', ({ checks, failOn, verdict, counts }) => {
    const md = buildMarkdownSummary(report(checks()), { failOn });
    expect(md).toMatch(/^## hybrid-doctor · staging\n/);
    expect(md).toMatch(verdict);
    expect(md).toContain(counts);
  });

  it('lists findings in a table (root cause first, pipes escaped), one fix per cause and the not-checked reasons', () => {
    const md = buildMarkdownSummary(report(mixed()));
    const rows = md.split('\n').filter((l) => l.startsWith('| 🔴') || l.startsWith('| 🟠'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^\| 🔴 error \| `tls\.expired` \| harbor\.example\.test:443 \| .+ \|$/);
    expect(rows[1]).toContain('| `tls.expiring-soon` | a\\|b host |');
    expect(md).toMatch(/^- \*\*`tls\.expired`\*\* \S.+$/m);
    expect(md).toContain('### Not checked (3)');
    expect(md).toContain('| `metrics/scrape` | not-configured: metrics.url not set |');
    // Same reason, one row.
    expect(md).toContain('| `tls/trust`, `tls/chain-complete` | blocked by `net.plain-http`: the TLS handshake did not complete |');
  });

  it('a planted secret never appears', () => {
    const md = buildMarkdownSummary(report(mixed()));
    expect(md).toContain('«redacted»');
    expect(md).not.toContain(SECRET);
  });

  it.each([
    { name: "GitHub's 1 MiB limit", maxBytes: GITHUB_SUMMARY_LIMIT, findings: 6000 },
    { name: 'a small cap', maxBytes: 4096, findings: 100 },
  ])('truncates at $name with a note naming the full report', ({ maxBytes, findings }) => {
    const many: CheckResult[] = [{ id: 'validity', suite: 'tls', title: 'v', status: 'failed', durationMs: 1, findings: Array.from({ length: findings }, (_, i) => ({ ...finding('tls.expiring-soon', { subject: `host-${i}.example.test:443 ${'x'.repeat(100)}`, params: { daysLeft: 10 } }), check: 'tls/validity' })) }];
    const full = buildMarkdownSummary(report(many), { maxBytes: Number.MAX_SAFE_INTEGER });
    expect(Buffer.byteLength(full)).toBeGreaterThan(maxBytes);
    const md = buildMarkdownSummary(report(many), { maxBytes, fullReport: 'out/report.json' });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(maxBytes);
    expect(md).toMatch(/^## hybrid-doctor/);
    expect(md.trimEnd().split('\n').at(-1)).toBe(`> ✂️ Summary truncated at ${maxBytes} bytes (GitHub's job summary limit); the full report is \`out/report.json\`.`);
  });
});
