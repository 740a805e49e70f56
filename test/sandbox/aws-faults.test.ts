import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFault, revertFault } from '../../fixtures/sandbox/faults.ts';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';
import { loadTarget } from '../../helpers/target/load.ts';
import { runSuites } from '../../helpers/runner/run-suites.ts';
import { AWS_SCENARIOS } from './scenarios.ts';

/**
 * The AWS-side fault matrix: the sandbox's moto (seeded like the sandbox: VPC = the cloud network,
 * remote nodes = the on-prem network) broken one thing at a time through the EC2 API; the eks
 * suite must name the cause and nothing else may be red. Needs no nodes (Harbor side is enough).
 */
let sb: Sandbox;
const rows: string[] = [];

describe('AWS-side faults: the eks suite names the cause of the one thing broken in the VPC', () => {
  beforeAll(async () => {
    sb = await ensureSandbox();
  });
  afterAll(() => {
    if (rows.length) console.log(`\naws fault matrix:\n${rows.join('\n')}`);
  });

  it('the healthy sandbox VPC passes the security group, route and NACL checks', async () => {
    const run = await runSuites(loadTarget(sb.targetFile), ['eks']);
    const byId = Object.fromEntries(run.checks.map((c) => [c.id, c.status]));
    expect(byId).toMatchObject({ 'eks-security-groups': 'passed', 'eks-routes': 'passed', 'eks-network-acls': 'passed' });
    // moto has no cluster insights: said, not passed.
    expect(run.checks.find((c) => c.id === 'eks-insights')).toMatchObject({ status: 'not-checked', reason: 'the AWS endpoint does not implement ListInsights (HTTP 404)' });
    expect(run.findings.filter((f) => f.severity !== 'info').map((f) => `${f.cause} ${f.subject}`)).toEqual([]);
  });

  it.each(AWS_SCENARIOS)('$fault → $expect ($owner)', async ({ fault, expect: cause }) => {
    await applyFault(fault, sb.harbor);
    try {
      const t0 = performance.now();
      const run = await runSuites(loadTarget(sb.targetFile), ['eks']);
      rows.push(`  ${fault.padEnd(26)} ${cause.padEnd(24)} ${[...new Set(run.findings.map((f) => f.cause))].join(',') || '(none)'} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      expect(run.checks.filter((c) => c.status === 'errored').map((c) => `${c.id}: ${c.reason}`)).toEqual([]);
      expect(run.findings.map((f) => f.cause)).toContain(cause);
      expect(run.findings.filter((f) => f.severity !== 'info' && f.cause !== cause).map((f) => `${f.check} → ${f.cause}: ${f.message}`)).toEqual([]);
    } finally {
      await revertFault(fault, sb.harbor);
    }
  });
});
