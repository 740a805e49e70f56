import { findingOrder } from '../../reports/json-report.ts';
import type { Finding } from '../findings/finding.ts';
import { EXIT } from '../runner/exit-code.ts';

/** Prints a linter's findings (text or `--json`) and returns the exit code: 1 when any is above info. */
export function printLintFindings(file: string, list: readonly Finding[], json: boolean | undefined): number {
  const findings = [...list].sort(findingOrder);
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, findings }, null, 2)}\n`);
  } else if (findings.length === 0) {
    process.stdout.write(`${file}: no findings\n`);
  } else {
    for (const f of findings) {
      process.stdout.write(`${f.severity.toUpperCase().padEnd(7)} ${f.cause}  ${f.subject}\n        ${f.message}\n        fix: ${f.remediation.summary}\n`);
    }
    process.stdout.write(`\n${findings.length} finding(s)\n`);
  }
  return findings.some((f) => f.severity !== 'info') ? EXIT.findings : EXIT.ok;
}
