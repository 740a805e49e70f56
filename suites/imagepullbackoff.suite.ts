import { defineSuite } from '../fixtures/define-suite.ts';

await defineSuite('imagepullbackoff');
