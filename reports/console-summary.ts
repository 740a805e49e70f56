import type { JsonReport } from './json-report.ts';

const COLOR = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' } as const;

/**
 * The console summary: root cause first (findings are already ordered), one block per finding
 * with the fix, then the checks that errored and those not checked (with why), then one closing
 * count line "N passed, N failed, N not checked, N errored". Findings with the same cause and
 * message collapse into one block listing their subjects; not-checked checks with the same
 * reason collapse into one line. "every check passed" is said only when it is true.
 */
export function consoleSummary(report: JsonReport, opts: { color?: boolean; maxSubjects?: number } = {}): string {
  const c = (k: keyof typeof COLOR, s: string) => (opts.color ? `${COLOR[k]}${s}${COLOR.reset}` : s);
  const max = opts.maxSubjects ?? 5;
  const lines: string[] = [];
  const s = report.summary;
  lines.push(c('bold', `hybrid-doctor · target ${report.target} · ${report.checks.length} checks in ${(report.durationMs / 1000).toFixed(1)} s`));
  const groups = new Map<string, { f: JsonReport['findings'][number]; subjects: string[] }>();
  for (const f of report.findings) {
    if (f.cause === 'internal.check-error') continue; // listed with the errored checks below
    const key = `${f.cause}\u0000${f.message}`;
    const g = groups.get(key);
    if (g) g.subjects.push(f.subject);
    else groups.set(key, { f, subjects: [f.subject] });
  }
  if (groups.size === 0) {
    const open = [s.checks.notChecked ? `${s.checks.notChecked} not checked` : '', s.checks.errored ? `${s.checks.errored} errored` : ''].filter(Boolean).join(', ');
    lines.push('', c('bold', open ? `No findings about the target, but not everything was checked (${open}).` : 'No findings: every check passed.'));
  }
  for (const { f, subjects } of groups.values()) {
    const label = f.severity.toUpperCase().padEnd(7);
    const subj = subjects.length > max ? `${subjects.slice(0, max).join(', ')} (+${subjects.length - max} more)` : subjects.join(', ');
    lines.push('', `${c(f.severity, label)} ${c('bold', f.cause)}  ${subj}`);
    lines.push(`        ${f.message}`);
    lines.push(`        ${c('dim', 'fix:')} ${f.remediation.summary}`);
    for (const step of f.remediation.steps.slice(0, 3)) lines.push(`          - ${step}`);
    if (f.remediation.docs[0]) lines.push(`        ${c('dim', 'docs:')} ${f.remediation.docs[0].url}`);
  }
  const errors = report.checks.filter((x) => x.status === 'errored');
  if (errors.length) {
    lines.push('', c('warning', `${errors.length} check(s) errored (hybrid-doctor could not run them; not a finding about the target):`));
    for (const e of errors) lines.push(`  ${e.suite}/${e.id}: ${e.reason ?? ''}`);
  }
  const notChecked = new Map<string, string[]>();
  for (const x of report.checks) {
    if (x.status !== 'not-checked') continue;
    const why = `${x.notChecked === 'blocked' && x.blockedBy ? `blocked by ${x.blockedBy}` : (x.notChecked ?? 'not checked')}: ${x.reason ?? ''}`;
    notChecked.set(why, [...(notChecked.get(why) ?? []), `${x.suite}/${x.id}`]);
  }
  if (notChecked.size) {
    lines.push('', c('dim', `${s.checks.notChecked} check(s) not checked:`));
    for (const [why, ids] of notChecked) {
      const list = ids.length > max ? `${ids.slice(0, max).join(', ')} (+${ids.length - max} more)` : ids.join(', ');
      lines.push(`  ${list}`, `      ${c('dim', why)}`);
    }
  }
  lines.push(
    '',
    `findings: ${s.findings.error} error, ${s.findings.warning} warning, ${s.findings.info} info`,
    `${s.checks.passed} passed, ${s.checks.failed} failed, ${s.checks.notChecked} not checked, ${s.checks.errored} errored`,
  );
  return lines.join('\n');
}
