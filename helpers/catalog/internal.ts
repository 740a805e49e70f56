import type { AreaCatalog, AreaParams } from './area.ts';

/**
 * Project-internal causes (not target faults).
 *
 * Params: `name` (`suite/check`), `detail` (the error message, redacted), `suite`.
 */
export const INTERNAL_PARAMS: AreaParams<'internal'> = {
  'internal.check-error': ['name', 'detail', 'suite'],
};

export const internal: AreaCatalog<'internal'> = {
  'internal.check-error': {
    title: 'Check failed internally',
    message: '[[Check {name}||A check]] could not run[[: {detail}]]',
    explanation: 'This is not a finding about the target: the check itself threw (a hybrid-doctor bug or an environment it does not handle). Other checks are unaffected; the target may or may not have a problem in this area.',
    remediation: {
      summary: 'Re-run with the same target; if it repeats, report it with the redacted JSON report attached.',
      steps: ['Re-run only that suite: `npx hybrid-doctor run --suites {suite} --json report.json`.', 'Open an issue with report.json (secrets are redacted) and the hybrid-doctor version.'],
      docs: [],
    },
  },
};
