/**
 * Import rules for hybrid-doctor ("arrows point down", docs/style: shared/design/style.md).
 * Checked by test/architecture.test.ts (unit project) and `npm run depcruise`.
 *
 * Layers, low to high: errors/redact → catalog/findings → target → parsers/net/registry/classifier
 * → kube → diagnose → checks → runner → reports → cli. fixtures/, suites/, test/ and bench/ sit
 * above all of helpers/ (test harness). Type-only imports may point up (a check's context type
 * is used by the transport helpers it drives); runtime imports may not.
 */
// Test files and test-support modules (test-pki.ts, test-registry.ts, test-context.ts, testdata/)
// belong to the test harness even when they live beside the code they test.
const TEST_SUPPORT = '(\\.test\\.ts$|/test-[^/]+\\.ts$|/testdata/)';
const LOWER = '^helpers/(errors\\.ts|redact\\.ts|catalog/|findings/|target/|parsers/|net/|registry/|classifier/|kube/)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles (runtime or type-only): move the shared piece down into its own file.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lower-layers-not-up',
      severity: 'error',
      comment:
        'Transport, parsing and Kubernetes helpers must not import diagnose, checks, runner, reports or cli. ' +
        'Exception: helpers/checks/check.ts, the check contract (types and the blocked/notApplicable/notConfigured result constructors), which the transport helpers return.',
      from: { path: LOWER, pathNot: TEST_SUPPORT },
      to: { path: '^(helpers/(diagnose|checks|runner|cli)/|reports/)', pathNot: '^helpers/checks/check\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'diagnose-not-up',
      severity: 'error',
      comment: 'diagnose is a library for checks and the CLI; it must not import them.',
      from: { path: '^helpers/diagnose/', pathNot: TEST_SUPPORT },
      to: { path: '^(helpers/(checks|runner|cli)/|reports/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'checks-not-up',
      severity: 'error',
      comment: 'Checks produce findings; the runner runs them. A check must not import the runner, reports or the CLI.',
      from: { path: '^helpers/checks/', pathNot: TEST_SUPPORT },
      to: { path: '^(helpers/(runner|cli)/|reports/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'runner-not-cli',
      severity: 'error',
      from: { path: '^helpers/runner/', pathNot: TEST_SUPPORT },
      to: { path: '^helpers/cli/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'product-not-test-harness',
      severity: 'error',
      comment:
        'Shipped code must not import the test harness. Exception: the CLI\'s `sandbox` and `run` commands start the local sandbox (fixtures/sandbox-lifecycle.ts, fixtures/sandbox/*).',
      from: { path: '^(helpers|reports)/', pathNot: [TEST_SUPPORT, '^helpers/cli/'] },
      to: { path: '^(fixtures|suites|test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.state|out)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
