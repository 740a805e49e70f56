/**
 * `npm run bench`: prints figures and ratios for the performance aims (never asserted in tests).
 *   npm run bench                 every bench
 *   npm run bench -- harbor-run   one of: harbor-run, harbor, sandbox-start, cluster-start, diagnose-scale, compare, kind
 *   npm run bench -- diagnose-scale --sizes 1000,10000,50000 --runs 5   a bench's own flags follow its name
 * Each bench module exports `run(): Promise<BenchResult[]>`, or is a script that prints its own figures.
 */
import { existsSync } from 'node:fs';

export interface BenchResult {
  name: string;
  value: number;
  unit: 's' | 'ms' | 'MB' | 'ratio' | 'count';
  /** The aim from the issue, in the same unit, when there is one. */
  aim?: number;
  note?: string;
}

const BENCHES: Record<string, string> = {
  'harbor-run': './harbor-run.ts',
  'sandbox-start': './sandbox-start.ts',
  harbor: './harbor.ts',
  'cluster-start': './cluster-start.ts',
  'diagnose-scale': './diagnose-scale.ts',
  compare: './compare-k8sgpt.ts',
  kind: './kind.ts',
};

// Bench names; other arguments are the benches' own flags (`--sizes 1000,10000`), values included.
const argv = process.argv.slice(2);
const wanted = argv.filter((a, i) => !a.startsWith('-') && (a in BENCHES || !argv[i - 1]?.startsWith('--')));
const names = wanted.length ? wanted : Object.keys(BENCHES);
let failed = 0;
for (const name of names) {
  const file = BENCHES[name];
  if (!file) {
    console.error(`unknown bench "${name}"; benches: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  if (!existsSync(new URL(file, import.meta.url))) {
    console.log(`\n## ${name}: not available in this checkout (${file} missing)`);
    continue;
  }
  console.log(`\n## ${name}`);
  try {
    // A bench is a module exporting run(), or a script that measures and prints on import.
    const mod = (await import(file)) as { run?: () => Promise<BenchResult[]> };
    if (typeof mod.run !== 'function') continue;
    for (const r of await mod.run()) {
      const aim = r.aim !== undefined ? `  aim ${r.aim} ${r.unit} → ${r.value <= r.aim ? 'met' : 'MISSED'} (×${(r.value / r.aim).toFixed(2)} of aim)` : '';
      console.log(`${r.name.padEnd(48)} ${String(r.unit === 'ratio' ? r.value.toFixed(2) : Math.round(r.value * 100) / 100).padStart(10)} ${r.unit}${aim}${r.note ? `  (${r.note})` : ''}`);
    }
  } catch (err) {
    failed++;
    console.log(`bench ${name} failed: ${(err as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);
