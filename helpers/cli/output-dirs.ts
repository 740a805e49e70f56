import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';

/**
 * Output folders the tool may empty. hybrid-doctor writes this marker into every folder it
 * creates (or adopts while empty); it empties or reuses only folders that carry it. A folder the
 * user made and filled (their home, a build's `out/`, a shared Allure results folder) is refused
 * with exit 2 and left untouched: `--allure-dir ~` must never cost anyone their files.
 */
export const OUTPUT_MARKER = '.hybrid-doctor-output';

const MARKER_TEXT = 'This folder was created by hybrid-doctor, which may empty it on its next run. Delete this file to keep hybrid-doctor out.\n';

/**
 * Throws a UsageError unless hybrid-doctor may use `dir`: missing, empty, or carrying the marker.
 * `label` names where the folder came from (`--allure-dir`), for the message.
 */
export function checkOutputDir(dir: string, label: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`${label} ${dir} is a file, not a folder`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
    throw new UsageError(`${label} ${dir} is not empty and was not created by hybrid-doctor (no ${OUTPUT_MARKER} in it); refusing to write there`, {
      hint: 'give a new or empty folder (--out, --allure-dir, --html), or empty this one yourself',
    });
  }
}

/** Makes `dir` ours: checks it (checkOutputDir), creates it with its parents if missing, marks it. */
export function claimOutputDir(dir: string, label: string): void {
  checkOutputDir(dir, label);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, OUTPUT_MARKER), MARKER_TEXT);
}

/** Claims `dir` (see claimOutputDir) and removes everything in it but the marker. */
export function resetOutputDir(dir: string, flag: string): void {
  claimOutputDir(dir, flag);
  for (const name of readdirSync(dir)) {
    if (name !== OUTPUT_MARKER) rmSync(join(dir, name), { recursive: true, force: true });
  }
}
