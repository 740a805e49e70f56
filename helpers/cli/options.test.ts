import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandHelp, mainHelp, readmeUsageBlock, wantsHelp, type CommandName, type OptionSpec } from './options.ts';
import { withUsageBlock } from './readme-usage.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const OPTIONS = (Object.keys(COMMANDS) as CommandName[]).flatMap((cmd) => Object.entries(COMMANDS[cmd].options as Record<string, OptionSpec>).map(([name, o]) => [cmd, name, o] as const));

describe('help is generated from the option tables', () => {
  it.each(OPTIONS)('%s --%s is in its help (with its short alias and value name) and in the usage', (cmd, name, o) => {
    const help = commandHelp(cmd);
    const line = help.split('\n').find((l) => l.includes(`--${name}`) && !l.startsWith('  hybrid-doctor') && !/^\s+\[/.test(l));
    expect(line, `an option row for --${name}`).toBeDefined();
    if (o.short) expect(line).toContain(`-${o.short}, --${name}`);
    if (o.type === 'string') expect(line).toContain(`--${name} ${o.value}`);
    expect(line).toContain(o.description.split(' ').slice(0, 3).join(' '));
    if (name !== 'help') {
      expect(mainHelp()).toContain(`--${name}`);
      expect(readmeUsageBlock()).toContain(`--${name}`);
    }
  });

  it('names the flags the old help forgot', () => {
    const all = (Object.keys(COMMANDS) as CommandName[]).map((c) => commandHelp(c)).join('\n');
    for (const f of ['--quiet', '--no-correlate', '--harbor-host', '--containerd-merge', '-n, --namespace', '-A, --all-namespaces']) expect(all).toContain(f);
    expect(commandHelp('sandbox')).toContain('--json');
  });

  it("README's command-line block is the generated one (npm run readme:cli)", () => {
    expect(README).toContain(readmeUsageBlock());
    expect(withUsageBlock(README)).toBe(README);
  });

  it('every command parses its options from the table (no parseArgs options defined elsewhere)', () => {
    const dir = new URL('.', import.meta.url).pathname;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/parseArgs\(\{[^]*?options:\s*([^,\n]+)/g)) expect(m[1], f).toMatch(/^COMMANDS\.\w+\.options$/);
    }
  });

  it('no subcommand imports main.ts (exit codes live in helpers/runner/exit-code.ts: no cli ↔ main cycle)', () => {
    const dir = new URL('.', import.meta.url).pathname;
    const importers = readdirSync(dir)
      .filter((n) => n.endsWith('.ts') && n !== 'main.ts')
      .filter((f) => /from '\.\/main\.ts'|import\('\.\/main\.ts'\)/.test(readFileSync(join(dir, f), 'utf8')));
    expect(importers).toEqual([]);
  });

  it.each([
    [['--help'], true],
    [['-h', 'x'], true],
    [['--target', 't.yaml', '--help'], true],
    [['--', '--help'], false],
    [['message', 'text'], false],
  ])('wantsHelp(%j) = %s', (argv, want) => {
    expect(wantsHelp(argv as string[])).toBe(want);
  });
});
