/**
 * The whole sandbox, warm (images and binaries cached): teardown of everything (`sandbox down`)
 * then `sandbox up` (Harbor side, cluster, EKS stand-in). Aims: Harbor side warm start < 30 s
 * (issue 2), cluster warm start < 90 s and teardown < 15 s (issue 3).
 */
import { ensureSandbox, sandboxDown } from '../fixtures/sandbox-lifecycle.ts';
import type { BenchResult } from './run.ts';

export async function run(): Promise<BenchResult[]> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  await ensureSandbox(); // make sure every image exists: a cold build is not measured here
  let t = performance.now();
  await sandboxDown();
  const down = (performance.now() - t) / 1000;
  t = performance.now();
  const sb = await ensureSandbox();
  const up = (performance.now() - t) / 1000;
  const harborMs = sb.harbor.timings.total ?? Object.values(sb.harbor.timings).reduce((a, b) => Math.max(a, b), 0);
  const clusterMs = sb.cluster?.timings.total ?? 0;
  return [
    { name: 'sandbox teardown (everything)', value: down, unit: 's', aim: 15 },
    { name: 'sandbox warm start (everything)', value: up, unit: 's' },
    { name: '  Harbor side', value: harborMs / 1000, unit: 's', aim: 30 },
    { name: '  cluster (control plane, 2 nodes, CoreDNS, workloads)', value: clusterMs / 1000, unit: 's', aim: 90 },
  ];
}
