import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { findingOrder } from '../../reports/json-report.ts';
import { EXIT } from '../runner/exit-code.ts';
import { COMMANDS } from './options.ts';

/** `lint nodeconfig [--json] [--harbor-host H] [--containerd-merge import|merge] FILE`. */
export async function lintCommand(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what !== 'nodeconfig') throw new UsageError(`lint takes "nodeconfig", not "${what ?? ''}"`, { hint: 'hybrid-doctor lint nodeconfig [--json] FILE' });
  const { values, positionals } = parseArgs({
    args: rest,
    options: COMMANDS.lint.options,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('lint nodeconfig needs exactly one FILE', { hint: 'hybrid-doctor lint nodeconfig [--json] nodeconfig.yaml' });
  const merge = values['containerd-merge'];
  if (merge !== undefined && merge !== 'import' && merge !== 'merge') throw new UsageError('--containerd-merge takes "import" (containerd 1.x) or "merge" (containerd 2.x)');
  const { lintNodeConfigFile } = await import('../checks/nodeconfig/index.ts');
  const result = lintNodeConfigFile(positionals[0]!, {
    ...(values['harbor-host'] ? { harborHost: values['harbor-host'] } : {}),
    ...(merge ? { merge } : {}),
  });
  const findings = [...result.findings].sort(findingOrder);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ file: positionals[0], findings }, null, 2)}\n`);
  } else if (findings.length === 0) {
    process.stdout.write(`${positionals[0]}: no findings\n`);
  } else {
    for (const f of findings) {
      process.stdout.write(`${f.severity.toUpperCase().padEnd(7)} ${f.cause}  ${f.subject}\n        ${f.message}\n        fix: ${f.remediation.summary}\n`);
    }
    process.stdout.write(`\n${findings.length} finding(s)\n`);
  }
  return findings.some((f) => f.severity !== 'info') ? EXIT.findings : EXIT.ok;
}
