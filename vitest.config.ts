import { defineConfig } from 'vitest/config';
import { SuiteSequencer } from './fixtures/suite-sequencer.ts';

/**
 * Three projects, run one after the other (groupOrder) because the last two share one sandbox:
 * - unit:    checks, parsers, classifier, reports, emulator — against real local servers
 *            (TLS, DNS, HTTP, a distribution registry, a kube-apiserver), no Docker.
 * - suites:  the target-agnostic suites (one test per check). Target: HYBRID_DOCTOR_TARGET, or
 *            the local sandbox started by the global setup. All suite files share one worker
 *            and one module graph (isolate: false) so checks share one context and later suites
 *            see earlier findings; files run in SUITES order.
 * - sandbox: proofs against the local sandbox (Docker): fault scenarios, bad input, secrets,
 *            sandbox lifecycle. Sequential.
 * `npm test` runs all three; `hybrid-doctor run` runs `suites` only.
 */
const allureDir = process.env.HYBRID_DOCTOR_ALLURE_DIR;

export default defineConfig({
  test: {
    // Only the suites project's files are reordered (SUITES order); others keep vitest's order.
    sequence: { sequencer: SuiteSequencer },
    reporters: allureDir ? ['default', ['allure-vitest/reporter', { resultsDir: allureDir }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['helpers/**/*.test.ts', 'reports/**/*.test.ts', 'fixtures/**/*.test.ts', 'bin/**/*.test.ts', 'test/*.test.ts'],
          exclude: ['fixtures/sandbox/*.test.ts', 'fixtures/cluster/*.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'suites',
          include: ['suites/*.suite.ts'],
          setupFiles: allureDir ? ['allure-vitest/setup'] : [],
          globalSetup: ['fixtures/suite-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 3_600_000,
          isolate: false,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'sandbox',
          include: ['test/sandbox/**/*.test.ts', 'fixtures/sandbox/*.test.ts', 'fixtures/cluster/*.test.ts'],
          globalSetup: ['fixtures/sandbox-global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 3_600_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
