import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The project root (where vitest.config.ts and suites/ live), whatever the caller's cwd. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
