import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { redactor } from '../redact.ts';
import { EXIT } from '../runner/exit-code.ts';
import { COMMANDS } from './options.ts';
import type { ExplainedMessage, PastedExplanation } from '../classifier/pasted-input.ts';
import type { Explanation } from '../classifier/pull-error-classifier.ts';

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

const INPUT_NAMES: Record<PastedExplanation['kind'], string> = {
  message: 'message',
  'kubectl-describe-pod': 'kubectl describe pod',
  'events-table': 'kubectl get events',
  'events-json': 'kubectl get events -o json',
  'events-yaml': 'kubectl get events -o yaml',
  'pod-json': 'kubectl get pod -o json',
  'pod-yaml': 'kubectl get pod -o yaml',
};

function asJson(r: Explanation) {
  return {
    cause: r.cause,
    confidence: r.confidence,
    rule: r.rule,
    severity: r.finding.severity,
    title: r.finding.title,
    message: r.finding.message,
    explanation: r.finding.explanation,
    remediation: r.finding.remediation,
    params: r.params,
    ...(r.alternatives?.length ? { alternatives: r.alternatives } : {}),
    ...(r.distinguish ? { distinguish: r.distinguish } : {}),
    ...(r.step ? { step: r.step } : {}),
    layers: r.layers ?? [],
  };
}

/** The full block for one explanation (the root cause, or a single pasted message). */
function fullBlock(r: Explanation): string[] {
  const f = r.finding;
  return [
    `cause:       ${r.cause} (${f.severity}, confidence ${r.confidence})`,
    `what:        ${f.title}`,
    `observed:    ${f.message}`,
    ...(r.step ? [`step:        ${r.step}${r.layers?.length ? ` (wrapped by ${r.layers.join(' > ')})` : ''}`] : []),
    '',
    f.explanation,
    '',
    `fix:         ${f.remediation.summary}`,
    ...f.remediation.steps.map((s, i) => `  ${i + 1}. ${s}`),
    ...(f.remediation.guideStep ? ['', `guide:       ${f.remediation.guideStep}`] : []),
    ...(f.remediation.docs.length ? ['', 'docs:', ...f.remediation.docs.map((d) => `  - ${d.title}: ${d.url}`)] : []),
    ...(r.alternatives?.length ? ['', `also possible: ${r.alternatives.join(', ')}`] : []),
    ...(r.distinguish ? [`to decide:   ${r.distinguish}`] : []),
  ];
}

/** A further message of a pasted describe/events output: cause and what was observed. */
function shortBlock(i: ExplainedMessage, n: number): string[] {
  const r = i.explanation;
  return [
    `[${n}] ${i.source}${i.count > 1 ? ` ×${i.count}` : ''}`,
    `cause:       ${r.cause} (${r.finding.severity}, confidence ${r.confidence})`,
    `observed:    ${r.finding.message}`,
    ...(r.alternatives?.length ? [`also possible: ${r.alternatives.join(', ')}`] : []),
  ];
}

/** `explain [--json] MESSAGE`: classify a pasted event, waiting message, describe/events output or CLI error. */
export async function explainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: COMMANDS.explain.options, allowPositionals: true });
  let text = positionals.join(' ');
  if (!text.trim()) {
    if (process.stdin.isTTY) throw new UsageError('explain needs a message: hybrid-doctor explain "Failed to pull image ..." (or pipe it on stdin)');
    text = await readStdin();
  }
  if (!text.trim()) throw new UsageError('explain got an empty message');
  const { explainPasted } = await import('../classifier/pasted-input.ts');
  const pasted = await explainPasted(text);
  const root = pasted.items[0];
  if (!root) throw new UsageError(`no image-pull event or waiting message found in the pasted ${INPUT_NAMES[pasted.kind]} output`, { hint: 'paste the Warning events of the pod, or one "Failed to pull image ..." message' });
  const r = root.explanation;
  const multi = pasted.kind !== 'message';
  if (values.json) {
    // Everything printed passes the redactor (the pasted text may carry credentials). The root
    // cause's fields stay at the top level, as for a single message.
    const out = {
      ...asJson(r),
      ...(multi
        ? {
            input: pasted.kind,
            ...(pasted.pod ? { pod: pasted.pod } : {}),
            messages: pasted.items.map((i) => ({ source: i.source, count: i.count, text: i.text.length > 2000 ? `${i.text.slice(0, 2000)}…` : i.text, ...asJson(i.explanation) })),
          }
        : {}),
    };
    process.stdout.write(`${JSON.stringify(redactor.value(out, { nameKeys: ['secret'] }), null, 2)}\n`);
  } else {
    const pod = pasted.pod ? ` of ${[pasted.pod.namespace, pasted.pod.name].filter(Boolean).join('/')}` : '';
    const lines = multi
      ? [
          `input:       ${INPUT_NAMES[pasted.kind]}${pod}: ${pasted.items.length} distinct cause${pasted.items.length === 1 ? '' : 's'}, root cause first`,
          '',
          `[1] ${root.source}${root.count > 1 ? ` ×${root.count}` : ''}`,
          ...fullBlock(r),
          ...pasted.items.slice(1).flatMap((i, n) => ['', ...shortBlock(i, n + 2)]),
        ]
      : fullBlock(r);
    process.stdout.write(`${redactor.text(lines.join('\n'))}\n`);
  }
  return EXIT.ok;
}
