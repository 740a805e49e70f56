import { defineConfig } from 'vitest/config';

/**
 * Three projects:
 * - unit:    fast tests of checks, parsers, classifier, reports — real local servers, no Docker.
 * - suites:  the target-agnostic suites (one test per check); the target comes from
 *            HYBRID_DOCTOR_TARGET (a file) or, when unset, from the local sandbox.
 * - sandbox: proofs against the local sandbox: healthy run, injected faults, bad input, secrets.
 * `npm test` runs all three; `hybrid-doctor run` runs `suites` only.
 */
const allureDir = process.env.HYBRID_DOCTOR_ALLURE_DIR;

export default defineConfig({
  test: {
    reporters: allureDir ? ['default', ['allure-vitest/reporter', { resultsDir: allureDir }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['helpers/**/*.test.ts', 'reports/**/*.test.ts', 'fixtures/**/*.test.ts', 'bin/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'suites',
          include: ['suites/*.suite.ts'],
          setupFiles: allureDir ? ['allure-vitest/setup'] : [],
          globalSetup: ['fixtures/suite-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 900_000,
          fileParallelism: true,
        },
      },
      {
        test: {
          name: 'sandbox',
          include: ['test/sandbox/**/*.test.ts'],
          globalSetup: ['fixtures/sandbox-global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 3_600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
