import type { CheckContext } from '../checks/check.ts';
import type { Finding } from '../findings/finding.ts';
import { classifyPullError, type Classification } from '../classifier/pull-error-classifier.ts';
import { harborUrl } from '../registry/http.ts';
import { parseReference } from '../registry/reference.ts';
import type { KubeClient } from './client.ts';
import { withProbeNamespace, type ProbeNamespace, type ProbePodSpec } from './probe-namespace.ts';
import { matchesSelector, PULL_WAITING_REASONS, type Node, type Pod } from './types.ts';

/**
 * Runs probe pods for the probe-based checks (nodes, pull-e2e, boundary, cluster-dns split
 * view): one probe namespace of its own per call (generateName, see probe-namespace.ts), the
 * run's pull secret built from the target's robot, bounded waits, results read back (phase,
 * log, events, pull error classified), each pod deleted as soon as its result is read, cleanup
 * always.
 */

export interface ProbeResult {
  name: string;
  node?: string;
  /** Succeeded / Failed / Running / Pending (last seen). */
  phase: string;
  timedOut: boolean;
  log?: string;
  events: { reason: string; message: string }[];
  /** When the container waited on an image pull: the waiting text and its classification. */
  /** `secretUnreadable`: the kubelet's FailedToRetrieveImagePullSecret text, when it had that problem too. */
  pullError?: { reason: string; message: string; classification: Classification; secretUnreadable?: string };
  /** `Successfully pulled image "x" in 1.2s (...)` → seconds. */
  pullSeconds?: number;
  /** Pod IP (boundary probes). */
  podIP?: string;
  createdAt?: number;
  finishedAt: number;
}

export function probeImage(ctx: CheckContext): string | undefined {
  return ctx.target.kubernetes?.probeImage ?? ctx.target.images[0]?.ref;
}

/** registry host[:port] of the probe image (the certs.d directory name). */
export function probeRegistryHost(ctx: CheckContext): string {
  const img = probeImage(ctx);
  const r = img ? parseReference(img) : undefined;
  return r?.ok ? r.ref.domain : harborUrl(ctx.target).host;
}

export async function listNodes(kube: KubeClient, signal?: AbortSignal): Promise<Node[]> {
  return (await kube.listAll<Node>('/api/v1/nodes', { what: 'list nodes', ...(signal ? { signal } : {}) })).items;
}

/** The nodes, listed once per run and shared by every check that needs them (read-only: never mutate). */
export function runNodes(ctx: { once<T>(key: string, fn: () => Promise<T>): Promise<T>; signal: AbortSignal }, kube: KubeClient): Promise<Node[]> {
  return ctx.once('kube:nodes', () => listNodes(kube, ctx.signal));
}

export function nodeSide(node: Node, selector: string): 'hybrid' | 'cloud' {
  return matchesSelector(node.metadata.labels, selector) ? 'hybrid' : 'cloud';
}

/** `Successfully pulled image "busybox" in 1.234s (1.234s including waiting)` / `in 850ms`. */
export function pulledSeconds(message: string): number | undefined {
  const m = /Successfully pulled image "[^"]*" in ([\d.]+)(ms|s)\b/.exec(message) ?? /pulled image[^\n]*? in ([\d.]+)(ms|s)\b/i.exec(message);
  if (!m) return undefined;
  const v = Number(m[1]);
  return m[2] === 'ms' ? v / 1000 : v;
}

/** kubelet's event when it cannot get an imagePullSecret of the pod (it then pulls without it). */
const SECRET_UNREADABLE = 'FailedToRetrieveImagePullSecret';
type ProbeEvent = { reason: string; message: string; count?: number };
const isPullFailure = (e: ProbeEvent) => e.reason === 'Failed' && !/^Error: /.test(e.message);
/** Pull attempts that failed so far (the kubelet aggregates repeats into one event's count). */
const pullFailures = (events: ProbeEvent[]) => events.filter(isPullFailure).reduce((n, e) => n + (e.count ?? 1), 0);

/** Polls `observe` every 500 ms until it reports settled or `ms` pass; the last observation either way. */
async function waitFor<T extends { settled: boolean }>(observe: () => Promise<T>, ms: number, signal: AbortSignal): Promise<{ last: T; settled: boolean }> {
  const start = Date.now();
  for (;;) {
    signal.throwIfAborted();
    const last = await observe();
    if (last.settled || Date.now() - start >= ms) return { last, settled: last.settled };
    await new Promise((r) => setTimeout(r, 500));
  }
}

const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
/** A pull error is final enough for a probe: the kubelet's retries would only repeat it. */
const pullStuck = (p: Pod) => (p.status?.containerStatuses ?? []).some((c) => !!c.state?.waiting?.reason && PULL_WAITING_REASONS.has(c.state.waiting.reason));

/**
 * Creates the pods in a probe namespace, waits for each (Succeeded/Failed, stuck in pull
 * back-off, or `untilRunning` for long-lived server pods), reads logs/events, and hands the
 * results plus the open namespace to `use` before cleanup.
 */
export async function runProbes<T extends { findings: Finding[] }>(
  ctx: CheckContext,
  kube: KubeClient,
  specs: Omit<ProbePodSpec, 'image' | 'pullSecrets'>[],
  use: (results: ProbeResult[], ns: ProbeNamespace) => Promise<T>,
  opts: { deadlineMs?: number; untilRunning?: boolean } = {},
): Promise<T> {
  const image = probeImage(ctx);
  if (!image) throw new Error('no probe image (kubernetes.probeImage or images[0])');
  const k = ctx.target.kubernetes!;
  return withProbeNamespace(kube, k, async (ns) => {
    const creds = ctx.target.robot && ctx.secrets.robotSecret !== undefined ? { u: ctx.target.robot.name, p: ctx.secrets.robotSecret } : undefined;
    const pullSecret = creds ? await ns.createPullSecret(probeRegistryHost(ctx), creds.u, creds.p) : undefined;
    const created = new Map<string, number>();
    for (const s of specs) {
      const pod = await ns.createPod({ ...s, image, ...(pullSecret ? { pullSecrets: [pullSecret] } : {}) });
      created.set(s.name, Date.parse(pod.metadata.creationTimestamp ?? '') || Date.now());
    }
    const deadline = opts.deadlineMs ?? 90_000;
    const results = await Promise.all(
      specs.map(async (s): Promise<ProbeResult> => {
        const done = opts.untilRunning ? (p: Pod) => p.status?.phase === 'Running' || terminal(p) || pullStuck(p) : (p: Pod) => terminal(p) || pullStuck(p);
        const startedAt = Date.now();
        let { pod, timedOut } = await ns.waitPod(s.name, done, deadline, ctx.signal);
        let events = await ns.podEvents(s.name).catch(() => []);
        // The kubelet could not read the pull secret we just made (its secret cache had not synced:
        // the node authorizer learns of the pod asynchronously) and pulled without it. That attempt
        // judges nothing about the credentials: wait for the kubelet's next one (its back-off
        // starts at 10 s) within the deadline.
        if (pullSecret && pod && pullStuck(pod) && events.some((e) => e.reason === SECRET_UNREADABLE)) {
          const before = pullFailures(events);
          const again = await waitFor(async () => {
            const p = await ns.getPod(s.name).catch(() => undefined);
            const ev = await ns.podEvents(s.name).catch(() => events);
            // settled: another attempt failed, or the image was pulled (no longer stuck)
            return { pod: p ?? pod, events: ev, settled: !!p && (!pullStuck(p) || pullFailures(ev) > before) };
          }, Math.max(0, deadline - (Date.now() - startedAt)), ctx.signal);
          ({ pod, events } = again.last);
          timedOut = !again.settled;
          if (again.settled && pod && !pullStuck(pod) && !done(pod)) {
            ({ pod, timedOut } = await ns.waitPod(s.name, done, Math.max(0, deadline - (Date.now() - startedAt)), ctx.signal));
            events = await ns.podEvents(s.name).catch(() => events);
          }
        }
        const finishedAt = Date.now();
        const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
        let pullError: ProbeResult['pullError'];
        if (waiting?.reason && PULL_WAITING_REASONS.has(waiting.reason)) {
          const failed = events.filter(isPullFailure).map((e) => e.message);
          const text = failed[failed.length - 1] ?? waiting.message ?? waiting.reason;
          const unreadable = events.find((e) => e.reason === SECRET_UNREADABLE);
          pullError = { reason: waiting.reason, message: text, classification: classifyPullError(text), ...(unreadable ? { secretUnreadable: unreadable.message } : {}) };
        }
        const pulled = events.map((e) => (e.reason === 'Pulled' ? pulledSeconds(e.message) : undefined)).find((x) => x !== undefined);
        const log = pod && (terminal(pod) || pod.status?.phase === 'Running') ? await ns.logs(s.name).catch(() => undefined) : undefined;
        // Read: the pod has served its purpose (untilRunning pods are servers `use` still needs).
        if (!opts.untilRunning) await ns.deletePod(s.name);
        return {
          name: s.name,
          ...(s.node ? { node: s.node } : {}),
          phase: pod?.status?.phase ?? 'Unknown',
          timedOut,
          ...(log !== undefined ? { log } : {}),
          events,
          ...(pullError ? { pullError } : {}),
          ...(pulled !== undefined ? { pullSeconds: pulled } : {}),
          ...(pod?.status?.podIP ? { podIP: pod.status.podIP } : {}),
          createdAt: created.get(s.name)!,
          finishedAt,
        };
      }),
    );
    return use(results, ns);
  });
}
