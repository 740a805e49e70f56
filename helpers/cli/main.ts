import { UsageError } from '../errors.ts';
import { redactor } from '../redact.ts';
import { EXIT } from '../runner/exit-code.ts';
import { COMMANDS, commandHelp, isCommand, mainHelp, wantsHelp } from './options.ts';

/** Runs a command line; returns the exit code. User mistakes print one clear message (exit 2). */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  // `lint harbor` has its own option table (COMMANDS.lintHarbor).
  const spec = cmd === 'lint' && rest[0] === 'harbor' ? 'lintHarbor' : cmd;
  try {
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      const about = cmd === 'help' ? rest[0] : undefined;
      if (about !== undefined) {
        const key = about === 'lint' && rest[1] === 'harbor' ? 'lintHarbor' : about;
        if (!isCommand(key)) throw new UsageError(`unknown command "${about}"`, { hint: `commands: ${Object.keys(COMMANDS).join(', ')}` });
        process.stdout.write(commandHelp(key));
      } else {
        process.stdout.write(mainHelp());
      }
      return cmd === undefined ? EXIT.usage : EXIT.ok;
    }
    if (isCommand(spec) && wantsHelp(rest)) {
      process.stdout.write(commandHelp(spec));
      return EXIT.ok;
    }
    switch (cmd) {
      case 'run':
        return await (await import('./run.ts')).runCommand(rest);
      case 'watch':
        return await (await import('./watch.ts')).watchCommand(rest);
      case 'explain':
        return await (await import('./explain.ts')).explainCommand(rest);
      case 'lint':
        return await (await import('./lint.ts')).lintCommand(rest);
      case 'diagnose':
        return await (await import('./diagnose.ts')).diagnoseCommand(rest);
      case 'sandbox':
        return await (await import('./sandbox.ts')).sandboxCommand(rest);
      default:
        throw new UsageError(`unknown command "${cmd}"`, { hint: 'commands: run, watch, explain, lint nodeconfig, lint harbor, diagnose, sandbox (hybrid-doctor help)' });
    }
  } catch (err) {
    if (err instanceof UsageError || String((err as { code?: unknown })?.code ?? '').startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`hybrid-doctor: ${redactor.text((err as Error).message)}\n`);
      const hint = (err as UsageError).hint;
      if (hint) process.stderr.write(`hint: ${hint}\n`);
      else if (isCommand(spec)) process.stderr.write(`hint: hybrid-doctor help ${spec === 'lintHarbor' ? 'lint harbor' : spec}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`hybrid-doctor: internal error (please report): ${redactor.text(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    return EXIT.internal;
  }
}
