import { defineSuite } from '../fixtures/define-suite.ts';

await defineSuite('pull-secrets');
