import { stringify } from 'yaml';
import type { CheckResult } from '../findings/finding.ts';
import { redactor } from '../redact.ts';
import { createCheckContext } from '../runner/context.ts';
import { runCheck } from '../runner/run-check.ts';
import { parseTarget, type Target } from '../target/load.ts';
import type { Check, CheckContext } from './check.ts';

/** Deep-partial target input for tests; `harbor.url` defaults to https://harbor.test. */
export type TargetInput = string | Record<string, unknown>;

/**
 * A CheckContext for unit tests: the target goes through the real schema (`parseTarget`, so
 * defaults and validation are the production ones), secrets are given in memory (and registered
 * with the redactor like the loader does), `once` memoises per context.
 *
 * ```ts
 * const ctx = testContext({ harbor: { url: 'https://harbor.test:8443', caBundle: '/tmp/ca.pem' } });
 * const ctx2 = testContext('harbor: { url: "https://h" }\ndns: { latencyWarnMs: 5 }');
 * ```
 */
export function testContext(
  target: TargetInput,
  secrets: CheckContext['secrets'] = {},
  opts: { baseDir?: string; signal?: AbortSignal } = {},
): CheckContext {
  let yamlText: string;
  if (typeof target === 'string') yamlText = target;
  else {
    const harbor = { url: 'https://harbor.test', ...((target.harbor as Record<string, unknown> | undefined) ?? {}) };
    yamlText = stringify({ ...target, harbor });
  }
  const parsed: Target = parseTarget(yamlText);
  const t: Target = opts.baseDir ? { ...parsed, baseDir: opts.baseDir } : parsed;
  redactor.add(secrets.robotSecret, t.robot?.name);
  redactor.add(secrets.adminPassword, t.harbor.admin?.username);
  return createCheckContext(t, { secrets, signal: opts.signal ?? new AbortController().signal, priorFindings: () => [] });
}

/** Runs checks in order with the production runner (not-checked outcomes, deadlines, errored checks and all). */
export async function runChecks(checks: Check[], ctx: CheckContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) out.push(await runCheck(c, ctx));
  return out;
}

/** `{ 'trust': ['tls.untrusted-ca'], ... }`: cause ids per check id, sorted, for assertions. */
export function causesByCheck(results: CheckResult[]): Record<string, string[]> {
  return Object.fromEntries(results.map((r) => [r.id, r.findings.map((f) => f.cause).sort()]));
}
