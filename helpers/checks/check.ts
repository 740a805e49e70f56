import type { Finding } from '../findings/finding.ts';
import type { Target } from '../target/load.ts';

/** Suites, in report order. A suite groups checks that look at one side of the system. */
export const SUITES = ['tls', 'dns', 'robot-auth', 'image-pull', 'harbor', 'metrics', 'nodeconfig',
  'imagepullbackoff', 'pull-secrets', 'cluster-dns', 'nodes', 'pull-e2e', 'boundary', 'eks'] as const;
export type SuiteId = (typeof SUITES)[number];
/**
 * Execution order: SUITES order, except that the correlating suite (imagepullbackoff) runs last —
 * it names a pod's root cause from the findings of pull-secrets, cluster-dns and nodes, which come
 * after it in report order.
 */
export const RUN_ORDER: readonly SuiteId[] = [...SUITES.filter((s) => s !== 'imagepullbackoff'), 'imagepullbackoff'];

/**
 * What a check gets: the target, secrets resolved in memory, a per-run cache shared by checks
 * (one TLS handshake, one token, one DNS query per resolver), and the run's abort signal.
 */
export interface CheckContext {
  target: Target;
  /** Secrets read from their sources; never logged. */
  secrets: { robotSecret?: string; adminPassword?: string };
  /** Memoises async work for the run: `ctx.once('tls:handshake', () => ...)`. */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  signal: AbortSignal;
  /** Findings earlier suites produced in this run (the ImagePullBackOff suite correlates them). */
  priorFindings: () => Finding[];
}

/** Result of `run`: findings, plus evidence to attach even when nothing is wrong. */
export interface CheckOutput {
  findings: Finding[];
  evidence?: Record<string, unknown>;
}

/**
 * One unit of checking: a plain async producer of findings; no test framework inside.
 * `applies` says whether the target configures what the check needs (otherwise: skipped, with
 * the reason). Throwing means the checker failed (reported as internal error, not a finding).
 */
export interface Check {
  id: string;
  suite: SuiteId;
  title: string;
  applies?(target: Target): true | string;
  run(ctx: CheckContext): Promise<CheckOutput>;
}
