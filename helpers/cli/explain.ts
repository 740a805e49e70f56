import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { redactor } from '../redact.ts';
import { EXIT } from '../runner/exit-code.ts';
import { COMMANDS } from './options.ts';

/** Reads all of stdin (bounded: a pasted event is small; 4 MiB is plenty and stops runaway pipes). */
export async function readStdin(limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new UsageError(`input on stdin is larger than ${limit / 1024 / 1024} MiB; paste the event or error message only`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `explain [--json] MESSAGE`: classify a pasted event / waiting message / ctr or crictl error. */
export async function explainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: COMMANDS.explain.options, allowPositionals: true });
  let text = positionals.join(' ');
  if (!text.trim()) {
    if (process.stdin.isTTY) throw new UsageError('explain needs a message: hybrid-doctor explain "Failed to pull image ..." (or pipe it on stdin)');
    text = await readStdin();
  }
  if (!text.trim()) throw new UsageError('explain got an empty message');
  const { explainText } = await import('../classifier/pull-error-classifier.ts');
  const r = explainText(text);
  if (values.json) {
    process.stdout.write(
      // Everything printed passes the redactor (the pasted text may carry credentials).
      `${JSON.stringify(redactor.value({ cause: r.cause, confidence: r.confidence, rule: r.rule, severity: r.finding.severity, title: r.finding.title, message: r.finding.message, explanation: r.finding.explanation, remediation: r.finding.remediation, params: r.params, ...(r.alternatives?.length ? { alternatives: r.alternatives } : {}) }, { nameKeys: ['secret'] }), null, 2)}\n`,
    );
  } else {
    const f = r.finding;
    const lines = [
      `cause:       ${r.cause} (${f.severity}, confidence ${r.confidence})`,
      `what:        ${f.title}`,
      `observed:    ${f.message}`,
      '',
      f.explanation,
      '',
      `fix:         ${f.remediation.summary}`,
      ...f.remediation.steps.map((s, i) => `  ${i + 1}. ${s}`),
      ...(f.remediation.guideStep ? ['', `guide:       ${f.remediation.guideStep}`] : []),
      ...(f.remediation.docs.length ? ['', 'docs:', ...f.remediation.docs.map((d) => `  - ${d.title}: ${d.url}`)] : []),
      ...(r.alternatives?.length ? ['', `also possible: ${r.alternatives.join(', ')}`] : []),
    ];
    process.stdout.write(`${redactor.text(lines.join('\n'))}\n`);
  }
  return EXIT.ok;
}
