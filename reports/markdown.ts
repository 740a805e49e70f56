import type { Finding } from '../helpers/findings/finding.ts';

/** A finding as Markdown: what, why, how to fix, links. Used in Allure descriptions and attachments. */
export function findingMarkdown(f: Finding): string {
  const r = f.remediation;
  const lines = [
    `### ${f.title} — \`${f.cause}\` (${f.severity})`,
    `**Subject:** \`${f.subject}\``,
    '',
    f.message,
    '',
    f.explanation,
    '',
    `**Fix:** ${r.summary}`,
    '',
    ...r.steps.map((s, i) => `${i + 1}. ${s}`),
  ];
  if (r.guideStep) lines.push('', `**Guide:** ${r.guideStep}`);
  if (r.docs.length) lines.push('', '**Docs:**', ...r.docs.map((d) => `- [${d.title}](${d.url})`));
  return lines.join('\n');
}
