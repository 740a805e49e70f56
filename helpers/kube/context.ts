import { blocked, type CheckContext, type CheckOutput } from '../checks/check.ts';
import type { Finding } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import type { Target } from '../target/load.ts';
import { kubeForTarget, type KubeClient } from './client.ts';
import { causeChain } from '../errors.ts';
import { isAccessProblem, type KubeApiError } from './errors.ts';

/**
 * Shared Kubernetes plumbing for the cluster-side checks: one KubeClient per run
 * (`ctx.once('kube:client')`), an `applies` test, and the one finding an unusable API becomes.
 * Like the registry transport (helpers/registry/reachability.ts), an unreachable or denying API
 * is ONE problem per run: the first check that meets it reports it, the others are not-checked,
 * blocked by its cause.
 */

export function kubeApplies(target: Target): true | string {
  return target.kubernetes ? true : 'no kubernetes block in the target (kubeconfig/context)';
}

export function probesApply(target: Target): true | string {
  if (!target.kubernetes) return 'no kubernetes block in the target';
  return target.kubernetes.allowProbes ? true : 'probe pods are not allowed (kubernetes.allowProbes: false, read-only mode)';
}

/** Probe checks that run an image: probes allowed and an image to run (probeImage or the first image). */
export function probeImageApplies(target: Target): true | string {
  const p = probesApply(target);
  if (p !== true) return p;
  return target.kubernetes?.probeImage || target.images.length ? true : 'no probe image (kubernetes.probeImage or images)';
}

/** The run's KubeClient (kubeconfig errors surface as UsageError from here). */
export function kubeFor(ctx: CheckContext): Promise<KubeClient> {
  return ctx.once('kube:client', async () => kubeForTarget(ctx.target, ctx.signal));
}

/**
 * Turns an API access problem into a finding, once per run; returns undefined for errors that are
 * not access problems (the caller rethrows: a checker bug) and not-checked, blocked by the cause,
 * when already reported.
 */
export async function kubeAccessOutcome(ctx: CheckContext, kube: KubeClient, err: unknown): Promise<CheckOutput | undefined> {
  // diagnose() wraps access problems in a UsageError for the CLI; checks unwrap them.
  const e = [...causeChain(err)].find((x): x is KubeApiError => isAccessProblem(x));
  if (!e) return undefined;
  const cause = e.kind === 'unreachable' || e.kind === 'timeout' ? 'cluster.api-unreachable' : 'cluster.api-access-denied';
  let first = false;
  await ctx.once(`kube:access-reported:${cause}`, async () => {
    first = true;
  });
  if (!first) return blocked(cause, `the Kubernetes API ${cause === 'cluster.api-unreachable' ? 'is unreachable' : 'denied access'} (${e.what}); reported once per run, by another check`, { what: e.what });
  return {
    findings: [
      finding(cause, {
        subject: kube.server,
        params: { url: kube.server, name: kube.context, detail: `${e.what}: ${e.detail}`, ...(e.status ? { status: e.status } : {}) },
        evidence: { what: e.what, kind: e.kind, ...(e.status ? { status: e.status } : {}) },
      }),
    ],
    evidence: {},
  };
}

/** Runs a check body; API access problems become the run's one access finding. */
export async function withKube(ctx: CheckContext, body: (kube: KubeClient) => Promise<CheckOutput>): Promise<CheckOutput> {
  const kube = await kubeFor(ctx);
  try {
    return await body(kube);
  } catch (err) {
    const out = await kubeAccessOutcome(ctx, kube, err);
    if (out) return out;
    throw err;
  }
}
