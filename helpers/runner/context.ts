import { AsyncLocalStorage } from 'node:async_hooks';
import type { CheckContext } from '../checks/check.ts';
import type { Finding } from '../findings/finding.ts';
import { readSecret, type Target } from '../target/load.ts';

/**
 * Builds the context every check of one run shares. Secrets are read here, once, and kept in
 * memory only; a missing secret source is a UsageError (exit 2) before any check runs.
 */
export function createCheckContext(
  target: Target,
  opts: { signal?: AbortSignal; priorFindings?: () => Finding[]; /** given instead of read from their sources (tests) */ secrets?: CheckContext['secrets'] } = {},
): CheckContext {
  const memo = new Map<string, Promise<unknown>>();
  let secrets: CheckContext['secrets'] = {};
  if (opts.secrets) secrets = opts.secrets;
  else {
    if (target.robot) secrets.robotSecret = readSecret(target, target.robot.secret, 'robot.secret');
    if (target.harbor.admin) secrets.adminPassword = readSecret(target, target.harbor.admin.password, 'harbor.admin.password');
    if (target.harbor.ldap?.user) secrets.ldapUserPassword = readSecret(target, target.harbor.ldap.user.password, 'harbor.ldap.user.password');
  }
  return {
    target,
    secrets,
    signal: opts.signal ?? AbortSignal.timeout(target.timeouts.runMs),
    priorFindings: opts.priorFindings ?? (() => []),
    once<T>(key: string, fn: () => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = fn();
        memo.set(key, p);
      }
      return p;
    },
  };
}

/** Set while memoised shared work (`ctx.once`) runs: its `ctx.signal` is the run's, not a check's. */
const sharedWork = new AsyncLocalStorage<true>();

/**
 * The context one check sees: `signal` is the check's own (run deadline or the check's budget,
 * whichever fires first), except inside `ctx.once` work, which other checks share — there it is
 * the run's signal, so one check's budget running out never poisons a memoised result another
 * check reads (a half-done handshake cached as "timed out"). Async context carries the switch
 * into everything the memoised function awaits.
 */
export function checkScope(ctx: CheckContext, signal: AbortSignal): CheckContext {
  return {
    target: ctx.target,
    secrets: ctx.secrets,
    priorFindings: ctx.priorFindings,
    get signal() {
      return sharedWork.getStore() ? ctx.signal : signal;
    },
    once<T>(key: string, fn: () => Promise<T>): Promise<T> {
      return ctx.once(key, () => sharedWork.run(true, fn));
    },
  };
}
