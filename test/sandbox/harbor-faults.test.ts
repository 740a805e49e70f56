import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFault, revertFault } from '../../fixtures/sandbox/faults.ts';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';
import type { SuiteId } from '../../helpers/checks/check.ts';
import { loadTarget } from '../../helpers/target/load.ts';
import { runSuites } from '../../helpers/runner/run-suites.ts';
import { HARBOR_SCENARIOS } from './scenarios.ts';

const HARBOR_SUITES: SuiteId[] = ['tls', 'dns', 'robot-auth', 'image-pull', 'harbor', 'metrics'];
const timings: { fault: string; expected: string; reported: string; seconds: number }[] = [];
let sb: Sandbox;

describe('Harbor-side faults: each suite names the cause of the one thing that is broken', () => {
  beforeAll(async () => {
    sb = await ensureSandbox();
  });

  afterAll(() => {
    if (timings.length) console.log(`\nfault matrix (expected vs reported, time to diagnosis):\n${timings.map((t) => `  ${t.fault.padEnd(26)} ${t.expected.padEnd(28)} ${t.reported.padEnd(28)} ${t.seconds.toFixed(2)} s`).join('\n')}`);
  });

  it('the healthy sandbox has no error or warning finding', async () => {
    const run = await runSuites(loadTarget(sb.targetFile), HARBOR_SUITES);
    expect(run.checks.filter((c) => c.status === 'errored').map((c) => `${c.suite}/${c.id}: ${c.reason}`)).toEqual([]);
    expect(run.findings.filter((f) => f.severity !== 'info').map((f) => `${f.cause} ${f.subject}`)).toEqual([]);
  });

  it.each(HARBOR_SCENARIOS)('$fault → $expect ($owner)', async ({ fault, expect: cause, owner, allowed = [] }) => {
    const applied = await applyFault(fault, sb.harbor);
    try {
      const t0 = performance.now();
      const run = await runSuites(loadTarget(applied.targetFile), HARBOR_SUITES);
      const seconds = (performance.now() - t0) / 1000;
      const owned = run.findings.filter((f) => f.check?.startsWith(`${owner}/`)).map((f) => f.cause);
      timings.push({ fault, expected: cause, reported: [...new Set(owned)].join(',') || '(none)', seconds });
      expect(run.checks.filter((c) => c.status === 'errored').map((c) => `${c.suite}/${c.id}: ${c.reason}`)).toEqual([]);
      expect(owned).toContain(cause);
      const unrelated = run.findings.filter((f) => f.severity !== 'info' && f.cause !== cause && !allowed.includes(f.cause));
      expect(unrelated.map((f) => `${f.check} → ${f.cause}: ${f.message}`)).toEqual([]);
    } finally {
      await revertFault(fault, sb.harbor);
    }
  });
});
