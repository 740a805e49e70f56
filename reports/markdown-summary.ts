import type { DiagnoseReport } from '../helpers/diagnose/diagnose.ts';
import type { Severity } from '../helpers/findings/cause-ids.ts';
import { redactor } from '../helpers/redact.ts';
import { exitCode } from '../helpers/runner/exit-code.ts';
import type { JsonReport } from './json-report.ts';

/** GitHub rejects a job summary ($GITHUB_STEP_SUMMARY) over 1 MiB per step. */
export const GITHUB_SUMMARY_LIMIT = 1024 * 1024;

/** A table cell: one line, pipes escaped, long text cut (the JSON report has it in full). */
function cell(s: string, max = 300): string {
  const one = s.replace(/\r?\n+/g, ' ').replace(/\|/g, '\\|').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

const ICON: Record<string, string> = { error: '🔴 error', warning: '🟠 warning', info: 'ℹ️ info' };

/**
 * The Markdown summary for a CI job page (`run --markdown FILE`; GitHub's
 * $GITHUB_STEP_SUMMARY, a GitLab artifact): the verdict against `failOn` (the same rule as the
 * exit code), the counts, a table of findings, one fix per cause, what was not checked and why.
 * Built from the JSON report (already redacted) and redacted again as text. Capped at
 * `maxBytes` (UTF-8): past it whole lines are dropped and a note says where the full report is.
 */
export function buildMarkdownSummary(report: JsonReport, opts: { failOn?: Severity; maxBytes?: number; fullReport?: string } = {}): string {
  const failOn = opts.failOn ?? 'error';
  const maxBytes = opts.maxBytes ?? GITHUB_SUMMARY_LIMIT;
  const s = report.summary;
  const code = exitCode(report, failOn);
  const verdict =
    code === 3
      ? `❌ **Not judged**: ${s.checks.errored} check(s) errored (exit 3)`
      : code === 1
        ? `❌ **Failed**: findings at or above \`${failOn}\` (exit 1)`
        : s.checks.notChecked
          ? `✅ **Passed** (nothing at or above \`${failOn}\`), but ${s.checks.notChecked} check(s) were not checked`
          : `✅ **Passed**: nothing at or above \`${failOn}\``;
  const head = [
    `## hybrid-doctor · ${cell(report.target)}`,
    '',
    verdict,
    '',
    `**${s.checks.passed} passed, ${s.checks.failed} failed, ${s.checks.notChecked} not checked, ${s.checks.errored} errored** · findings: ${s.findings.error} error, ${s.findings.warning} warning, ${s.findings.info} info · ${report.checks.length} checks in ${(report.durationMs / 1000).toFixed(1)} s · hybrid-doctor ${report.tool.version}`,
  ];
  const body: string[] = [];
  if (report.findings.length) {
    body.push('', '### Findings', '', '| Severity | Cause | Subject | Message |', '| --- | --- | --- | --- |');
    for (const f of report.findings) body.push(`| ${ICON[f.severity] ?? f.severity} | \`${f.cause}\` | ${cell(f.subject, 120)} | ${cell(f.message)} |`);
    const fixes = new Map<string, JsonReport['findings'][number]>();
    for (const f of report.findings) if (!fixes.has(f.cause)) fixes.set(f.cause, f);
    body.push('', '### How to fix', '');
    for (const f of fixes.values()) {
      const doc = f.remediation.docs[0];
      body.push(`- **\`${f.cause}\`** ${cell(f.remediation.summary, 600)}${doc ? ` ([${cell(doc.title, 120)}](${doc.url}))` : ''}`);
    }
  }
  const errored = report.checks.filter((c) => c.status === 'errored');
  if (errored.length) {
    body.push('', '### Errored (hybrid-doctor could not run them; not a finding about the target)', '');
    for (const c of errored) body.push(`- \`${c.suite}/${c.id}\`: ${cell(c.reason ?? '')}`);
  }
  const notChecked = report.checks.filter((c) => c.status === 'not-checked');
  if (notChecked.length) {
    // Checks with the same reason share a row (a failed handshake blocks every other TLS check).
    const byWhy = new Map<string, string[]>();
    for (const c of notChecked) {
      const kind = c.notChecked === 'blocked' && c.blockedBy ? `blocked by \`${c.blockedBy}\`` : (c.notChecked ?? 'not checked');
      const why = `${kind}: ${cell(c.reason ?? '')}`;
      byWhy.set(why, [...(byWhy.get(why) ?? []), `\`${c.suite}/${c.id}\``]);
    }
    body.push('', `### Not checked (${notChecked.length})`, '', '| Checks | Why |', '| --- | --- |');
    for (const [why, ids] of byWhy) body.push(`| ${ids.join(', ')} | ${why} |`);
  }
  return capped([...head, ...body], maxBytes, opts.fullReport);
}

/** Redacts each line and keeps whole lines under `maxBytes` (UTF-8), ending with a note when cut. */
function capped(raw: string[], maxBytes: number, fullReport: string | undefined): string {
  const lines = raw.map((l) => redactor.text(l));
  const bytes = (l: string) => Buffer.byteLength(l, 'utf8') + 1;
  const total = lines.reduce((n, l) => n + bytes(l), 0);
  if (total <= maxBytes) return `${lines.join('\n')}\n`;
  const note = `\n> ✂️ Summary truncated at ${maxBytes} bytes (GitHub's job summary limit); the full report is ${fullReport ? `\`${fullReport}\`` : 'the JSON report'}.`;
  const kept: string[] = [];
  let used = bytes(note);
  for (const l of lines) {
    if (used + bytes(l) > maxBytes) break;
    kept.push(l);
    used += bytes(l);
  }
  return `${kept.join('\n')}\n${note}\n`;
}

/**
 * `diagnose --markdown FILE`: the diagnosis for a job page or an incident ticket — a verdict, pods
 * per root cause, one row per stuck pod, one fix per cause. Same redaction and cap as `run`'s.
 */
export function buildDiagnosisMarkdown(r: DiagnoseReport, opts: { maxBytes?: number; fullReport?: string } = {}): string {
  const scope = r.scope.pod ? `pod ${r.scope.namespace ?? 'default'}/${r.scope.pod}` : r.scope.allNamespaces ? 'all namespaces' : `namespace ${r.scope.namespace ?? 'default'}`;
  const lines = [`## hybrid-doctor diagnose · ${cell(scope)}`, ''];
  lines.push(r.pods.length ? `❌ **${r.pods.length} pod(s) stuck pulling** (${r.groups.length} root cause(s))` : '✅ **No pod is failing to pull its images**');
  lines.push('', `${r.stats.podsScanned} pods, ${r.stats.eventsScanned} events scanned in ${(r.stats.ms / 1000).toFixed(1)} s`);
  if (r.pods.length) {
    lines.push('', '### Root causes', '', '| Cause | Pods | Nodes | Namespaces |', '| --- | --- | --- | --- |');
    for (const g of r.groups) lines.push(`| \`${g.cause}\` | ${g.count} | ${g.nodes.length} (${g.nodeTypes.join(', ')}) | ${cell(g.namespaces.join(', '), 200)} |`);
    lines.push('', '### Pods', '', '| Pod | Node | Cause | Message |', '| --- | --- | --- | --- |');
    for (const p of r.pods) lines.push(`| ${cell(`${p.namespace}/${p.pod}`, 120)} | ${cell(p.node ?? '(unscheduled)', 80)} | \`${p.cause}\`${p.correlation ? ` (symptom \`${p.symptom}\`)` : ''} | ${cell(p.evidence.message)} |`);
    lines.push('', '### How to fix', '');
    for (const g of r.groups) {
      const rem = r.pods.find((p) => p.cause === g.cause)!.remediation;
      const doc = rem.docs[0];
      lines.push(`- **\`${g.cause}\`** ${cell(rem.summary, 600)}${doc ? ` ([${cell(doc.title, 120)}](${doc.url}))` : ''}`);
    }
  }
  return capped(lines, opts.maxBytes ?? GITHUB_SUMMARY_LIMIT, opts.fullReport);
}
