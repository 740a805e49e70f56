import { UsageError } from '../errors.ts';
import { redactor } from '../redact.ts';

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

const HELP = `hybrid-doctor: verify and troubleshoot EKS Hybrid Nodes pulling from a private Harbor

Usage:
  hybrid-doctor run [--target FILE] [--suites a,b] [--json FILE] [--junit FILE] [--allure-dir DIR]
                    [--html DIR] [--out DIR] [--fail-on error|warning] [--no-html]
  hybrid-doctor explain [--json] MESSAGE          (MESSAGE may come on stdin)
  hybrid-doctor lint nodeconfig [--json] FILE
  hybrid-doctor diagnose [--json] [--target FILE] [--kubeconfig FILE] [--context NAME] [--read-only]
                    [POD | --namespace NS | --all-namespaces]
  hybrid-doctor sandbox up|down|status [--scenario ID]

Without --target, run uses the local sandbox (starting it if needed).
Exit codes: 0 nothing at or above the threshold, 1 findings, 2 usage or configuration error.
Docs: README.md, docs/causes.md, schema/target.schema.json`;

/** Runs a command line; returns the exit code. User mistakes print one clear message (exit 2). */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        return await (await import('./run.ts')).runCommand(rest);
      case 'explain':
        return await (await import('./explain.ts')).explainCommand(rest);
      case 'lint':
        return await (await import('./lint.ts')).lintCommand(rest);
      case 'diagnose':
        return await (await import('./diagnose.ts')).diagnoseCommand(rest);
      case 'sandbox':
        return await (await import('./sandbox.ts')).sandboxCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${HELP}\n`);
        return cmd === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${cmd}"`, { hint: 'commands: run, explain, lint nodeconfig, diagnose, sandbox' });
    }
  } catch (err) {
    if (err instanceof UsageError || String((err as { code?: unknown })?.code ?? '').startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`hybrid-doctor: ${redactor.text((err as Error).message)}\n`);
      const hint = (err as UsageError).hint;
      if (hint) process.stderr.write(`hint: ${hint}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`hybrid-doctor: internal error (please report): ${redactor.text(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    return 3;
  }
}
