import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../findings/finding.ts';

/**
 * Where suite runs leave their check results for the CLI to aggregate (JSON, JUnit, console).
 * One JSON line per check; the folder comes from HYBRID_DOCTOR_RESULTS_DIR (set by `run`).
 */
export const RESULTS_FILE = 'checks.jsonl';

export function recordResult(result: CheckResult, dir = process.env.HYBRID_DOCTOR_RESULTS_DIR): void {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, RESULTS_FILE), `${JSON.stringify(result)}\n`);
}

export function readResults(dir: string): CheckResult[] {
  const file = join(dir, RESULTS_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CheckResult);
}
