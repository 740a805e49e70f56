import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { printLintFindings } from './lint-output.ts';
import { COMMANDS } from './options.ts';

/**
 * `lint harbor [--json] [--url URL] [--metrics-url URL] [--prevent-vul] [--scrape-config FILE] FILE`:
 * an unreadable file or malformed YAML is a UsageError (exit 2, one line with line:col);
 * everything wrong inside a readable harbor.yml is a finding (exit 1).
 */
export async function lintHarborCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: COMMANDS.lintHarbor.options, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('lint harbor needs exactly one FILE', { hint: 'hybrid-doctor lint harbor [--json] harbor.yml' });
  for (const k of ['url', 'metrics-url'] as const) {
    const v = values[k];
    if (v !== undefined && !/^https?:\/\/[^/]/.test(v)) throw new UsageError(`--${k} takes an http(s) URL, not "${v}"`);
  }
  let scrapeConfig: { text: string; path: string } | undefined;
  const sc = values['scrape-config'];
  if (sc !== undefined) {
    try {
      scrapeConfig = { text: readFileSync(sc, 'utf8'), path: sc };
    } catch (err) {
      throw new UsageError(`cannot read --scrape-config ${sc}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const { lintHarborConfigFile } = await import('../harbor-config/lint.ts');
  const file = positionals[0]!;
  const r = lintHarborConfigFile(file, {
    ...(values.url ? { url: values.url } : {}),
    ...(values['metrics-url'] ? { metricsUrl: values['metrics-url'] } : {}),
    ...(values['prevent-vul'] ? { expectPreventVul: true } : {}),
    ...(scrapeConfig ? { scrapeConfig } : {}),
  });
  if ('unreadable' in r) throw new UsageError(r.unreadable);
  if (r.malformed) throw new UsageError(`${file}: ${r.malformed}`, { hint: 'fix the YAML syntax; harbor.yml.tmpl of the installer shows the expected layout' });
  return printLintFindings(file, r.findings, values.json);
}
