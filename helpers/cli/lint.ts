import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { printLintFindings } from './lint-output.ts';
import { COMMANDS } from './options.ts';

/** `lint nodeconfig [--json] [--harbor-host H] [--containerd-merge import|merge] FILE`, or `lint harbor ...` (lint-harbor.ts). */
export async function lintCommand(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === 'harbor') return (await import('./lint-harbor.ts')).lintHarborCommand(rest);
  if (what !== 'nodeconfig') throw new UsageError(`lint takes "nodeconfig" or "harbor", not "${what ?? ''}"`, { hint: 'hybrid-doctor lint nodeconfig [--json] FILE, or hybrid-doctor lint harbor [--json] harbor.yml' });
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
  return printLintFindings(positionals[0]!, result.findings, values.json);
}
