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
  return [
    { id: 'validity', suite: 'tls', title: 'validity', status: 'failed', findings: [warn, { ...expired, check: 'tls/validity' }], durationMs: 12 },
    { id: 'project-posture', suite: 'harbor', title: 'posture', status: 'passed', findings: [{ ...offScan, check: 'harbor/project-posture' }], durationMs: 5 },
    { id: 'scrape', suite: 'metrics', title: 'scrape', status: 'skipped', findings: [], durationMs: 0, reason: 'metrics.url not set' },
    { id: 'token', suite: 'robot-auth', title: 'token', status: 'error', findings: [], durationMs: 3, reason: 'TypeError: <boom> & "quotes"' },
  ];
}

describe('reports', () => {
  const json = buildJsonReport({ target: 'staging', startedAt: '2026-01-01T00:00:00Z', durationMs: 1234, checks: results(), version: '0.1.0' });

  it('JSON report carries the product contract fields, root cause first', () => {
    expect(json.findings.map((f) => f.cause)).toEqual(['tls.expired', 'tls.expiring-soon', 'harbor.auto-scan-off']);
    for (const f of json.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['cause', 'severity', 'subject', 'message', 'remediation']));
    expect(json.checks.map((c) => [c.id, c.suite, c.status])).toEqual([
      ['validity', 'tls', 'failed'], ['project-posture', 'harbor', 'passed'], ['scrape', 'metrics', 'skipped'], ['token', 'robot-auth', 'error'],
    ]);
    expect(json.summary.checks).toEqual({ passed: 1, failed: 1, skipped: 1, error: 1 });
    expect(json.summary.findings).toEqual({ error: 1, warning: 1, info: 1 });
  });

  it('JUnit XML has one testcase per check with failure/error/skipped and escapes text', () => {
    const xml = buildJunitReport({ target: 'staging', checks: results() });
    expect(xml).toMatch(/<testsuites name="hybrid-doctor staging" tests="4" failures="1" errors="1" skipped="1"/);
    expect(xml).toMatch(/<testcase classname="hybrid-doctor.tls" name="validity"[^>]*>\s*<failure message="tls.expiring-soon, tls.expired"/);
    expect(xml).toContain('<error message="TypeError: &lt;boom&gt; &amp; &quot;quotes&quot;" type="internal.check-error"/>');
    expect(xml).toContain('<skipped message="metrics.url not set"/>');
  });

  it('console summary names causes and fixes and ends with the count line', () => {
    const text = consoleSummary(json);
    expect(text).toMatch(/ERROR\s+tls\.expired\s+harbor\.example\.test:443/);
    expect(text).toContain('fix:');
    expect(text.trim().split('\n').at(-1)).toBe('1 passed, 1 failed, 1 skipped, 1 errored');
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
