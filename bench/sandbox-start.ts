/**
 * Harbor-side sandbox warm start (images built, containers removed) and teardown.
 * Aim (issue 2): warm start < 30 s.
 */
import { startHarborSide, stopHarborSide } from '../fixtures/sandbox/harbor-side.ts';
import type { BenchResult } from './run.ts';

export async function run(): Promise<BenchResult[]> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  await startHarborSide({ reuse: true }); // make sure images exist (a cold build is not measured here)
  let t = performance.now();
  await stopHarborSide();
  const down = (performance.now() - t) / 1000;
  t = performance.now();
  await startHarborSide({});
  const up = (performance.now() - t) / 1000;
  return [
    { name: 'Harbor side warm start', value: up, unit: 's', aim: 30 },
    { name: 'Harbor side teardown', value: down, unit: 's' },
  ];
}
