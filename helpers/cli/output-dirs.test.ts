import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { claimOutputDir, OUTPUT_MARKER, resetOutputDir } from './output-dirs.ts';

type Setup = (dir: string) => void;
const cases: [string, Setup, 'claimed' | 'refused', string[]][] = [
  ['a missing folder (and its parents) is created and marked', () => {}, 'claimed', [OUTPUT_MARKER]],
  ['an empty folder is adopted', (d) => mkdirSync(d, { recursive: true }), 'claimed', [OUTPUT_MARKER]],
  ['our marked folder is emptied, marker kept', (d) => {
    mkdirSync(join(d, 'old'), { recursive: true });
    writeFileSync(join(d, OUTPUT_MARKER), '');
    writeFileSync(join(d, 'old', 'x-result.json'), '{}');
    writeFileSync(join(d, 'report.json'), '{}');
  }, 'claimed', [OUTPUT_MARKER]],
  ['a foreign non-empty folder is refused and left as it was', (d) => {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'thesis.tex'), 'years of work');
  }, 'refused', ['thesis.tex']],
  ['a foreign folder holding only a hidden file is refused', (d) => {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, '.keep'), '');
  }, 'refused', ['.keep']],
  ['a file is refused', (d) => {
    mkdirSync(join(d, '..'), { recursive: true });
    writeFileSync(d, 'not a folder');
  }, 'refused', []],
];

describe('output folders: only ours are emptied', () => {
  it.each(cases)('%s', (_name, setup, outcome, after) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hd-outdir-')), 'a', 'b');
    setup(dir);
    if (outcome === 'refused') {
      expect(() => resetOutputDir(dir, '--allure-dir')).toThrow(UsageError);
      expect(() => claimOutputDir(dir, '--allure-dir')).toThrow(/--allure-dir .* (is not empty and was not created by hybrid-doctor|is a file)/);
    } else {
      resetOutputDir(dir, '--allure-dir');
      expect(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')).toMatch(/created by hybrid-doctor/);
    }
    if (after.length) expect(readdirSync(dir).sort()).toEqual(after);
    else expect(readFileSync(dir, 'utf8')).toBe('not a folder');
    expect(existsSync(dir)).toBe(true);
  });
});
