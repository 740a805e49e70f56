import { readFileSync, writeFileSync } from 'node:fs';
import { readmeUsageBlock } from './options.ts';

/**
 * README's command-line block, generated from the option tables (helpers/cli/options.ts).
 * `npm run readme:cli` rewrites it; helpers/cli/options.test.ts fails when it is stale.
 */
export const README_BEGIN = '<!-- cli-usage:begin (generated from helpers/cli/options.ts by `npm run readme:cli`) -->';
export const README_END = '<!-- cli-usage:end -->';

export function withUsageBlock(readme: string): string {
  const a = readme.indexOf(README_BEGIN);
  const b = readme.indexOf(README_END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${README_BEGIN} … ${README_END} block`);
  return `${readme.slice(0, a + README_BEGIN.length)}\n${readmeUsageBlock()}\n${readme.slice(b)}`;
}

if (import.meta.main) {
  const file = new URL('../../README.md', import.meta.url);
  writeFileSync(file, withUsageBlock(readFileSync(file, 'utf8')));
}
