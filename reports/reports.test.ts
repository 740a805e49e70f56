import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../helpers/findings/finding.ts';
import { finding } from '../helpers/findings/make-finding.ts';
import { redactor } from '../helpers/redact.ts';
import { stripTracking } from './allure-html.ts';
import { consoleSummary } from './console-summary.ts';
import { buildJsonReport } from './json-report.ts';
import { buildJunitReport } from './junit-report.ts';

const SECRET = 'Pl4nted-R0bot-Secret-xyz';
redactor.add(SECRET, 'robot$k8s-robot');

function results(): CheckResult[] {
  const expired = finding('tls.expired', {
    subject: 'harbor.example.test:443',
    params: { host: 'harbor.example.test', notAfter: '2020-01-01T00:00:00Z', subjectCN: 'harbor' },
    evidence: { header: `Authorization: Basic ${Buffer.from(`robot$k8s-robot:${SECRET}`).toString('base64')}`, secret: SECRET },
  });
  const offScan = finding('harbor.auto-scan-off', { subject: 'project/library', params: { project: 'library' } });
  const warn = finding('tls.expiring-soon', { subject: 'harbor.example.test:443', params: { daysLeft: 10 } });
  const crash = finding('internal.check-error', { subject: 'robot-auth/token', params: { name: 'robot-auth/token', detail: 'TypeError: <boom> & "quotes"' } });
  return [
    { id: 'validity', suite: 'tls', title: 'validity', status: 'failed', findings: [warn, { ...expired, check: 'tls/validity' }], durationMs: 12 },
    { id: 'project-posture', suite: 'harbor', title: 'posture', status: 'passed', findings: [{ ...offScan, check: 'harbor/project-posture' }], durationMs: 5 },
    { id: 'scrape', suite: 'metrics', title: 'scrape', status: 'not-checked', notChecked: 'not-configured', findings: [], durationMs: 0, reason: 'metrics.url not set' },
    { id: 'trust', suite: 'tls', title: 'trust', status: 'not-checked', notChecked: 'blocked', blockedBy: 'net.plain-http', findings: [], durationMs: 1, reason: 'the TLS handshake did not complete' },
    { id: 'token', suite: 'robot-auth', title: 'token', status: 'errored', findings: [{ ...crash, check: 'robot-auth/token' }], durationMs: 3, reason: 'TypeError: <boom> & "quotes"' },
  ];
}

describe('reports', () => {
  const json = buildJsonReport({ target: 'staging', startedAt: '2026-01-01T00:00:00Z', durationMs: 1234, checks: results(), version: '0.1.0' });

  it('JSON report carries the product contract fields, root cause first', () => {
    expect(json.findings.map((f) => f.cause)).toEqual(['tls.expired', 'internal.check-error', 'tls.expiring-soon', 'harbor.auto-scan-off']);
    for (const f of json.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['cause', 'severity', 'subject', 'message', 'remediation']));
    expect(json.checks.map((c) => [c.id, c.suite, c.status, c.notChecked, c.blockedBy])).toEqual([
      ['validity', 'tls', 'failed', undefined, undefined],
      ['project-posture', 'harbor', 'passed', undefined, undefined],
      ['scrape', 'metrics', 'not-checked', 'not-configured', undefined],
      ['trust', 'tls', 'not-checked', 'blocked', 'net.plain-http'],
      ['token', 'robot-auth', 'errored', undefined, undefined],
    ]);
    expect(json.summary.checks).toEqual({ passed: 1, failed: 1, notChecked: 2, errored: 1 });
    expect(json.summary.findings).toEqual({ error: 2, warning: 1, info: 1 });
  });

  it('JUnit XML has one testcase per check with failure/error/skipped and escapes text', () => {
    const xml = buildJunitReport({ target: 'staging', checks: results() });
    expect(xml).toMatch(/<testsuites name="hybrid-doctor staging" tests="5" failures="1" errors="1" skipped="2"/);
    expect(xml).toMatch(/<testcase classname="hybrid-doctor.tls" name="validity"[^>]*>\s*<failure message="tls.expiring-soon, tls.expired"/);
    expect(xml).toContain('<error message="TypeError: &lt;boom&gt; &amp; &quot;quotes&quot;" type="internal.check-error"/>');
    expect(xml).toContain('<skipped message="not checked (not-configured): metrics.url not set"/>');
    expect(xml).toContain('<skipped message="not checked (blocked by net.plain-http): the TLS handshake did not complete"/>');
  });

  it('console summary names causes and fixes, lists what was not checked and why, and ends with the count line', () => {
    const text = consoleSummary(json);
    expect(text).toMatch(/ERROR\s+tls\.expired\s+harbor\.example\.test:443/);
    expect(text).toContain('fix:');
    expect(text).toContain('1 check(s) errored');
    expect(text).toMatch(/robot-auth\/token: TypeError: <boom>/);
    expect(text).toMatch(/2 check\(s\) not checked:\n  metrics\/scrape\n      not-configured: metrics.url not set\n  tls\/trust\n      blocked by net.plain-http: the TLS handshake did not complete/);
    expect(text).not.toMatch(/every check passed/);
    expect(text.trim().split('\n').at(-1)).toBe('1 passed, 1 failed, 2 not checked, 1 errored');
  });

  it.each([
    { name: 'all passed', statuses: ['passed', 'passed'], headline: 'No findings: every check passed.' },
    { name: 'one not checked', statuses: ['passed', 'not-checked'], headline: 'No findings about the target, but not everything was checked (1 not checked).' },
    { name: 'one errored, one not checked', statuses: ['errored', 'not-checked'], headline: 'No findings about the target, but not everything was checked (1 not checked, 1 errored).' },
  ] as const)('never says "every check passed" unless it is true: $name', ({ statuses, headline }) => {
    const checks: CheckResult[] = statuses.map((status, i) => ({ id: `c${i}`, suite: 'dns', title: 't', status, findings: [], durationMs: 1, ...(status === 'not-checked' ? { notChecked: 'deadline' as const, reason: 'the run deadline passed' } : {}) }));
    const text = consoleSummary(buildJsonReport({ target: 't', startedAt: '2026-01-01T00:00:00Z', durationMs: 1, checks, version: '0' }));
    expect(text.split('\n')[2]).toBe(headline);
  });

  it('a planted secret appears in no report, in plain or base64 form', () => {
    const outputs = [JSON.stringify(json), buildJunitReport({ target: 'staging', checks: results() }), consoleSummary(json)];
    for (const o of outputs) {
      expect(o).not.toContain(SECRET);
      expect(o).not.toContain(Buffer.from(`robot$k8s-robot:${SECRET}`).toString('base64'));
    }
  });

  it('strips Google Tag Manager from generated Allure pages and keeps the app', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hd-allure-'));
    mkdirSync(join(dir, 'sub'));
    const page = `<html><head><script src="data:text/javascript;base64,QUJD"></script>
    <script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>
    <script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
        gtag('js', new Date());
    </script></head><body><div id="app"></div></body></html>`;
    writeFileSync(join(dir, 'index.html'), page);
    writeFileSync(join(dir, 'sub', 'x.html'), page);
    expect(stripTracking(dir)).toBe(4);
    const out = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(out).not.toMatch(/googletagmanager|gtag|dataLayer/);
    expect(out).toContain('data:text/javascript;base64,QUJD');
    expect(out).toContain('<div id="app"></div>');
  });
});
