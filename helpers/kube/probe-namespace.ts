import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Finding } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import type { KubeClient } from './client.ts';
import { KubeApiError } from './errors.ts';
import type { Pod } from './types.ts';

/**
 * Live-mode safety for probe workloads.
 *
 * - Every probe set gets its OWN namespace (default `per-run` mode), created with `metadata.generateName`
 *   (`<kubernetes.probeNamespace>-probe-xxxxx`), so two runs (or two checks of one run) never
 *   share, wait for, or delete each other's probes. Nothing is ever created in a namespace we did
 *   not create (except in `existing` mode, below, where that namespace is named by the target).
 * - The namespace carries `app.kubernetes.io/managed-by=hybrid-doctor`, the run id
 *   (`hybrid-doctor.io/run`) and a per-namespace instance label, plus annotations naming the run:
 *   command, start time, owner (`host/pid`) and a heartbeat renewed every minute while it lives.
 *   Pods and the pull secret carry the same labels; the pull secret's name carries the run id.
 * - Probe pods are deleted as soon as their result is read (`deletePod`); `cleanup()` deletes
 *   what is left (secrets, pods, then the namespace) and checks the namespace is gone or
 *   Terminating. A cleanup that fails is REPORTED: on stderr with the exact `kubectl delete
 *   namespace ...` command, and by `withProbeNamespace` as a `cluster.probe-cleanup-failed` finding.
 * - SIGINT/SIGTERM: the handler deletes every live probe namespace of this process, bounded by
 *   SIGNAL_CLEANUP_MS (20 s), reports on stderr what may remain if that fails or times out, and
 *   exits 130/143. A second signal during that cleanup exits at once, naming what may remain.
 * - Namespaces left by a crashed run (SIGKILL, power loss: no handler ran) are garbage-collected
 *   by a later run: see collectStaleNamespaces for the exact rule (our label, old, no live owner).
 *
 * `kubernetes.probeNamespaceMode: existing` (in cluster, under a namespaced Role only): every probe
 * set uses ONE namespace that already exists (`kubernetes.probeNamespace` is its name). It is never
 * created, patched or deleted; the same labels and annotations go on each pod and secret instead,
 * cleanup deletes them by name, then whatever still carries the probe set's instance label (list +
 * delete by name: `deletecollection` is not needed), and collectStaleObjects collects crashed runs'
 * objects there. Objects without our managed-by label are never touched. The rights this needs, in
 * that namespace only: pods create/get/list/delete, pods/log get, secrets create/list/delete,
 * events list (the probe pods' pull outcomes).
 */

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'hybrid-doctor';
export const RUN_LABEL = 'hybrid-doctor.io/run';
/** One value per probe namespace: finds it again when the create call's answer was lost. */
export const INSTANCE_LABEL = 'hybrid-doctor.io/instance';
export const ANNOTATION = {
  command: 'hybrid-doctor.io/command',
  startedAt: 'hybrid-doctor.io/started-at',
  owner: 'hybrid-doctor.io/owner',
  heartbeat: 'hybrid-doctor.io/heartbeat',
} as const;

/** How long the SIGINT/SIGTERM handler may spend cleaning up before it reports and exits. */
export const SIGNAL_CLEANUP_MS = 20_000;
/**
 * A terminal delivers Ctrl-C to the whole process group, and bin/hybrid-doctor.mjs forwards it
 * to its child as well: a repeat within this window is the same keypress, not a second Ctrl-C.
 */
const SAME_SIGNAL_MS = 1_000;
/** Per API request of a cleanup (also after the run's own deadline: cleanup requests are detached). */
const CLEANUP_REQUEST_MS = 8_000;
/** How long cleanup waits for the probe pods to disappear once their namespace is Terminating. */
const CLEANUP_WAIT_MS = 10_000;
/** Heartbeat period of a live probe namespace (its owner is alive while this is fresh). */
export const HEARTBEAT_MS = 60_000;
/** A probe namespace whose run started, and whose heartbeat was renewed, longer ago is stale. */
export const STALE_AFTER_MS = 15 * 60_000;

/** `per-run`: a namespace of its own per probe set (needs namespace rights); `existing`: one given namespace. */
export type ProbeNamespaceMode = 'per-run' | 'existing';

/** What the target's `kubernetes` block says about where probes go (`kubernetes.probeNamespace*`). */
export interface ProbeNamespaceConfig {
  probeNamespace: string;
  probeNamespaceMode?: ProbeNamespaceMode | undefined;
}

export interface RunInfo {
  /** Label-safe id: `20261206t234900-3fa9c1`. */
  id: string;
  command: string;
  startedAt: string;
  /** `host/pid` of the process that owns the run's namespaces. */
  owner: string;
}

const LABEL_VALUE = /^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/i;

function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

/**
 * This process's run. HYBRID_DOCTOR_RUN_ID (a label-safe value) lets a caller name the run, e.g.
 * a test that wants to find one run's objects; otherwise a fresh id per process.
 */
export const RUN: RunInfo = {
  id: LABEL_VALUE.test(process.env.HYBRID_DOCTOR_RUN_ID ?? '') ? process.env.HYBRID_DOCTOR_RUN_ID! : newRunId(),
  command: `hybrid-doctor ${process.argv.slice(2).find((a) => /^[a-z][a-z-]*$/.test(a)) ?? ''}`.trim(),
  startedAt: new Date().toISOString(),
  owner: `${hostname()}/${process.pid}`,
};

/** `hybrid-doctor` → `hybrid-doctor-probe-` (the API server appends 5 characters; names end at 63). */
export function probeGenerateName(configured: string): string {
  const base = configured.replace(/-+$/, '') || MANAGED_BY;
  return `${(base.endsWith('-probe') ? base : `${base}-probe`).slice(0, 57)}-`;
}

/** What a cleanup achieved; when not ok, what may remain and how to remove it by hand. */
export interface CleanupResult {
  ok: boolean;
  /** `namespace`: the probe set's own namespace is deleted; `objects`: its pods and secrets in an existing one. */
  scope: 'namespace' | 'objects';
  /** The probe namespace(s) concerned (empty when the name was never learnt). */
  namespaces: string[];
  /** Why it failed (not ok only). */
  error?: string;
  /** What may remain: `namespace x`, `pods a, b`, `secret s`. */
  remaining: string[];
  /** The exact command that removes it. */
  command: string;
}

// ---------------------------------------------------------------------------------------------
// Signals

const live = new Set<ProbeNamespace>();
let handlersInstalled = false;
/** Set once a signal arrived: no new probe namespace is opened after it. */
let stopping: { signal: NodeJS.Signals; at: number } | undefined;
/** Read through a call: a signal may arrive during any await (no stale narrowing). */
const stoppingNow = () => stopping;

function exitCode(sig: NodeJS.Signals): number {
  return sig === 'SIGINT' ? 130 : 143;
}

/**
 * Ends the process by the signal it received (the shell and a parent see 128+n, as if no handler
 * had run), once the cleanup is done. Not `process.exit()`: a diagnose child once stayed parked in
 * Node's native exit path after a SIGTERM mid-probe (main thread on a futex, 15 min), holding its
 * parent's stdout/stderr open. Termination by the default signal action skips that teardown;
 * stdout/stderr are pipes, files or TTYs, written synchronously on Linux, so nothing is lost.
 */
function dieBy(sig: NodeJS.Signals): never {
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
  // Not reached when the default action runs; a fallback if the signal were ignored.
  process.exit(exitCode(sig));
}

function onSignal(sig: NodeJS.Signals): void {
  if (stopping) {
    if (Date.now() - stopping.at < SAME_SIGNAL_MS) return;
    const left = [...live].map((p) => p.pending());
    process.stderr.write(`hybrid-doctor: second ${sig}: exiting without finishing the cleanup.\n${left.length ? left.map((r) => leftoverText(r)).join('') : ''}`);
    dieBy(sig);
  }
  stopping = { signal: sig, at: Date.now() };
  const all = [...live];
  if (all.length === 0) dieBy(sig);
  const perRun = all.filter((p) => p.mode === 'per-run').map((p) => p.name ?? '(being created)');
  const existing = [...new Set(all.filter((p) => p.mode === 'existing').map((p) => p.namespace))];
  const names = [...(perRun.length ? [`probe namespace ${perRun.join(', ')}`] : []), ...existing.map((n) => `probe pods and secrets in namespace ${n}`)].join('; ');
  process.stderr.write(`hybrid-doctor: ${sig}: deleting ${names} (at most ${SIGNAL_CLEANUP_MS / 1000} s; press Ctrl-C again to exit at once)\n`);
  // Not unref'd: this timer is the bound, it must fire even if nothing else is pending.
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), SIGNAL_CLEANUP_MS));
  void Promise.race([Promise.all(all.map((p) => p.cleanup())), timer]).then((outcome) => {
    if (outcome === 'timeout') {
      // the ones still live did not finish (a finished cleanup takes its namespace out of `live`)
      process.stderr.write(`hybrid-doctor: cleanup did not finish within ${SIGNAL_CLEANUP_MS / 1000} s.\n${all.filter((p) => live.has(p)).map((p) => leftoverText(p.pending())).join('')}`);
    } else {
      for (const r of outcome) if (!r.ok) process.stderr.write(leftoverText(r));
    }
    dieBy(sig);
  });
}

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // `on`, not `once`: the second signal must reach onSignal too (exit at once).
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function kubectl(kube: KubeClient, args: string): string {
  return `kubectl${kube.kubeconfigPath ? ` --kubeconfig ${shellQuote(kube.kubeconfigPath)}` : ''} --context ${shellQuote(kube.context)} ${args}`;
}

/** The stderr text for a cleanup that did not complete: what may remain and the command. */
export function leftoverText(r: CleanupResult): string {
  if (r.ok) return '';
  if (r.scope === 'objects') return `hybrid-doctor: could not delete the probe pods and secrets in namespace ${r.namespaces[0] ?? '?'}${r.error ? `: ${r.error}` : ''}.\n  May remain: ${r.remaining.join('; ')}.\n  Delete with: ${r.command}\n`;
  const what = r.namespaces.length ? `probe namespace ${r.namespaces.join(', ')}` : 'a probe namespace of this run (its name was never received)';
  return `hybrid-doctor: could not delete ${what}${r.error ? `: ${r.error}` : ''}.\n  May remain: ${r.remaining.join('; ')}.\n  Delete with: ${r.command}\n`;
}

// ---------------------------------------------------------------------------------------------
// Stale namespaces of crashed runs

const collected = new Map<string, Promise<string[]>>();

function ageMs(iso: string | undefined, now: number): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : now - t;
}

function ownerAlive(owner: string | undefined): boolean {
  const m = owner ? /^(.*)\/(\d+)$/.exec(owner) : null;
  if (!m || m[1] !== hostname()) return false; // another host: only the heartbeat can tell
  try {
    process.kill(Number(m[2]), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface NsObject {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/**
 * Deletes probe namespaces left by earlier runs that crashed before their cleanup (SIGKILL,
 * OOM, power loss). Only namespaces labelled `app.kubernetes.io/managed-by=hybrid-doctor` are
 * listed (and the label is checked again here): nothing else is ever touched. One is stale when
 * ALL of: its run started more than `staleAfterMs` ago (start annotation, else its creation
 * time), its heartbeat (renewed every HEARTBEAT_MS while the owner lives) is as old, it is not
 * already Terminating, and its owner is not a live process on this host. Returns the names
 * deleted. Best effort: a failure is left for the next run (returns what it managed).
 */
export async function collectStaleNamespaces(kube: KubeClient, opts: { now?: number; staleAfterMs?: number } = {}): Promise<string[]> {
  const now = opts.now ?? Date.now();
  const staleAfter = opts.staleAfterMs ?? STALE_AFTER_MS;
  const list = await kube.listAll<NsObject>('/api/v1/namespaces', { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`, what: 'list probe namespaces' });
  const deleted: string[] = [];
  for (const ns of list.items) {
    const md = ns.metadata;
    if (md.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY || md.deletionTimestamp) continue;
    const a = md.annotations ?? {};
    const started = a[ANNOTATION.startedAt] ?? md.creationTimestamp;
    const beat = a[ANNOTATION.heartbeat] ?? started;
    if (ageMs(started, now) < staleAfter || ageMs(beat, now) < staleAfter || ownerAlive(a[ANNOTATION.owner])) continue;
    try {
      await kube.request('DELETE', `/api/v1/namespaces/${md.name}`, { query: { propagationPolicy: 'Background' }, what: `delete stale probe namespace ${md.name}`, ms: CLEANUP_REQUEST_MS, detached: true });
      deleted.push(md.name);
    } catch {
      /* gone meanwhile, or not allowed: the next run tries again */
    }
  }
  return deleted;
}

/**
 * `existing` mode: deletes probe pods and secrets that crashed runs left in `namespace` (the
 * namespace itself is never touched). Only objects labelled `app.kubernetes.io/managed-by=
 * hybrid-doctor` are listed (label checked again here). One is stale when ALL of: it was created
 * more than `staleAfterMs` ago, it is not already being deleted, and its owner annotation does not
 * name a live process on this host. There is no heartbeat here (the Role grants no patch): a
 * probe set lives for one check (its pods carry activeDeadlineSeconds, the check a deadline),
 * far below STALE_AFTER_MS. Returns `pod/NAME` / `secret/NAME` of what it deleted; best effort.
 */
export async function collectStaleObjects(kube: KubeClient, namespace: string, opts: { now?: number; staleAfterMs?: number } = {}): Promise<string[]> {
  const now = opts.now ?? Date.now();
  const staleAfter = opts.staleAfterMs ?? STALE_AFTER_MS;
  const deleted: string[] = [];
  for (const kind of ['pods', 'secrets'] as const) {
    const list = await kube.listAll<NsObject>(`/api/v1/namespaces/${namespace}/${kind}`, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`, what: `list probe ${kind} in ${namespace}` });
    for (const o of list.items) {
      const md = o.metadata;
      if (md.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY || md.deletionTimestamp) continue;
      if (ageMs(md.creationTimestamp, now) < staleAfter || ownerAlive(md.annotations?.[ANNOTATION.owner])) continue;
      try {
        await kube.request('DELETE', `/api/v1/namespaces/${namespace}/${kind}/${md.name}`, { query: kind === 'pods' ? { gracePeriodSeconds: 0 } : {}, what: `delete stale probe ${kind} ${md.name}`, ms: CLEANUP_REQUEST_MS, detached: true });
        deleted.push(`${kind === 'pods' ? 'pod' : 'secret'}/${md.name}`);
      } catch {
        /* gone meanwhile, or not allowed: the next run tries again */
      }
    }
  }
  return deleted;
}

/** Once per process and API server (and namespace, `existing` mode), before the first probe set. Never fails the run. */
function collectStaleOnce(kube: KubeClient, existing?: string): Promise<string[]> {
  const key = existing ? `${kube.server} ${existing}` : kube.server;
  let p = collected.get(key);
  if (!p) {
    p = (existing ? collectStaleObjects(kube, existing) : collectStaleNamespaces(kube)).catch(() => []);
    collected.set(key, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------

export interface ProbePodSpec {
  name: string;
  node?: string;
  image: string;
  command: string[];
  /** Privileged, hostNetwork, read-only hostPath mounts (node probe). */
  host?: { hostNetwork?: boolean; privileged?: boolean; mounts?: { name: string; hostPath: string; mountPath: string }[] };
  pullSecrets?: string[];
  labels?: Record<string, string>;
  tolerateAll?: boolean;
  activeDeadlineSeconds?: number;
  /** Always (default: every probe is a real pull) or IfNotPresent (read files even when pulls fail). */
  pullPolicy?: 'Always' | 'IfNotPresent';
}

export class ProbeNamespace {
  readonly kube: KubeClient;
  readonly runId: string;
  readonly mode: ProbeNamespaceMode;
  /** per-run: the name's prefix (`…-probe-`); existing: the namespace itself. */
  readonly generateName: string;
  readonly instance: string;
  #name: string | undefined;
  #creating: Promise<unknown> | undefined;
  #cleaning: Promise<CleanupResult> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #pods = new Set<string>();
  readonly #secrets = new Set<string>();

  private constructor(kube: KubeClient, generateName: string, mode: ProbeNamespaceMode) {
    this.kube = kube;
    this.runId = RUN.id;
    this.mode = mode;
    this.generateName = generateName;
    this.instance = randomBytes(6).toString('hex');
  }

  /**
   * Creates this probe set's own namespace (`generateName`), after collecting stale ones of
   * crashed runs, and arms the signal handlers. `configured` is `kubernetes.probeNamespace`,
   * the name's prefix, or the target's `kubernetes` block: with `probeNamespaceMode: existing`
   * nothing is created, the probe set uses that namespace (after collecting stale probe objects
   * of crashed runs in it).
   */
  static async open(kube: KubeClient, configured: string | ProbeNamespaceConfig = MANAGED_BY): Promise<ProbeNamespace> {
    const cfg = typeof configured === 'string' ? { probeNamespace: configured } : configured;
    installSignalHandlers();
    if (cfg.probeNamespaceMode === 'existing') {
      await collectStaleOnce(kube, cfg.probeNamespace);
      if (stopping) throw new Error(`hybrid-doctor is stopping (${stopping.signal}): no probe is started`);
      const p = new ProbeNamespace(kube, cfg.probeNamespace, 'existing');
      p.#name = cfg.probeNamespace;
      live.add(p);
      return p;
    }
    await collectStaleOnce(kube);
    if (stopping) throw new Error(`hybrid-doctor is stopping (${stopping.signal}): no probe namespace is created`);
    const p = new ProbeNamespace(kube, probeGenerateName(cfg.probeNamespace), 'per-run');
    live.add(p);
    try {
      const created = kube.request<NsObject>('POST', '/api/v1/namespaces', {
        body: { metadata: { generateName: p.generateName, labels: p.#namespaceLabels(), annotations: { [ANNOTATION.command]: RUN.command, [ANNOTATION.startedAt]: RUN.startedAt, [ANNOTATION.owner]: RUN.owner, [ANNOTATION.heartbeat]: new Date().toISOString() } } },
        what: `create probe namespace ${p.generateName}…`,
      });
      p.#creating = created;
      p.#name = (await created).metadata.name;
    } catch (err) {
      // The namespace may exist even though its answer was lost: cleanup finds it by its instance label.
      const r = await p.cleanup();
      if (!r.ok && !stopping) process.stderr.write(leftoverText(r));
      throw err;
    }
    const stop = stoppingNow();
    if (stop) throw new Error(`hybrid-doctor is stopping (${stop.signal}): probe namespace ${p.#name} is being deleted`);
    // No controller-manager creates `default` in a brand-new namespace instantly; pods need it.
    await kube.request('POST', `/api/v1/namespaces/${p.#name}/serviceaccounts`, { body: { metadata: { name: 'default', labels: p.labels } } }).catch(() => undefined);
    p.#heartbeat = setInterval(() => {
      void kube
        .request('PATCH', `/api/v1/namespaces/${p.#name}`, { body: { metadata: { annotations: { [ANNOTATION.heartbeat]: new Date().toISOString() } } }, contentType: 'application/merge-patch+json', what: 'probe namespace heartbeat', ms: CLEANUP_REQUEST_MS, detached: true })
        .catch(() => undefined); // a missed beat only makes the namespace look older to other runs' GC
    }, HEARTBEAT_MS).unref();
    return p;
  }

  /** The generated namespace name (undefined until the API server answered the create). */
  get name(): string | undefined {
    return this.#name;
  }

  /** The namespace name; only valid once open() resolved. */
  get namespace(): string {
    if (!this.#name) throw new Error('probe namespace not created');
    return this.#name;
  }

  #namespaceLabels(): Record<string, string> {
    return { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: this.runId, [INSTANCE_LABEL]: this.instance };
  }

  get labels(): Record<string, string> {
    return this.#namespaceLabels();
  }

  /** On every pod and secret: who made it (what GC of crashed runs reads in `existing` mode). */
  #annotations(): Record<string, string> {
    return { [ANNOTATION.command]: RUN.command, [ANNOTATION.startedAt]: RUN.startedAt, [ANNOTATION.owner]: RUN.owner };
  }

  /**
   * Name of this probe set's pull secret: per run (a fresh namespace never holds another), plus the
   * instance in `existing` mode, where two probe sets of one run share the namespace.
   */
  get pullSecretName(): string {
    return (this.mode === 'existing' ? `hybrid-doctor-pull-${this.runId}-${this.instance}` : `hybrid-doctor-pull-${this.runId}`).slice(0, 253);
  }

  /**
   * The pod's name in the cluster: the caller's name as is in a namespace of our own; suffixed with
   * the instance in `existing` mode, where other probe sets (this run's, concurrent runs') share the
   * namespace and use the same names. Every method takes the caller's name.
   */
  #podName(name: string): string {
    return this.mode === 'existing' ? `${name}-${this.instance}` : name;
  }

  #assertOpen(): void {
    if (this.#cleaning) throw new Error(`probe namespace ${this.#name ?? this.generateName} already cleaned up`);
  }

  /** Creates a short-lived probe pod (restartPolicy Never, activeDeadlineSeconds bounded). */
  async createPod(spec: ProbePodSpec): Promise<Pod> {
    this.#assertOpen();
    const mounts = spec.host?.mounts ?? [];
    const podName = this.#podName(spec.name);
    const body = {
      metadata: { name: podName, labels: { ...(spec.labels ?? {}), ...this.labels }, annotations: this.#annotations() },
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: spec.activeDeadlineSeconds ?? 120,
        terminationGracePeriodSeconds: 0,
        automountServiceAccountToken: false,
        ...(spec.node ? { nodeName: spec.node } : {}),
        ...(spec.host?.hostNetwork ? { hostNetwork: true, dnsPolicy: 'Default' } : {}),
        ...(spec.pullSecrets?.length ? { imagePullSecrets: spec.pullSecrets.map((name) => ({ name })) } : {}),
        ...(spec.tolerateAll ? { tolerations: [{ operator: 'Exists' }] } : {}),
        volumes: mounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath } })),
        containers: [
          {
            name: 'probe',
            image: spec.image,
            imagePullPolicy: spec.pullPolicy ?? 'Always',
            command: spec.command,
            ...(spec.host?.privileged ? { securityContext: { privileged: true } } : {}),
            volumeMounts: mounts.map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: true })),
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
          },
        ],
      },
    };
    this.#pods.add(podName);
    return this.kube.request<Pod>('POST', `/api/v1/namespaces/${this.namespace}/pods`, { body, what: `create probe pod ${podName}` });
  }

  /**
   * Deletes one probe pod now (its result has been read). Best effort: a failure leaves it to
   * cleanup(), whose namespace deletion removes it and which reports if that fails too.
   */
  async deletePod(logical: string): Promise<void> {
    const name = this.#podName(logical);
    try {
      await this.kube.request('DELETE', `/api/v1/namespaces/${this.namespace}/pods/${name}`, { query: { gracePeriodSeconds: 0 }, what: `delete probe pod ${name}`, ms: CLEANUP_REQUEST_MS, detached: true });
      this.#pods.delete(name);
    } catch (err) {
      if (err instanceof KubeApiError && err.kind === 'not-found') this.#pods.delete(name);
    }
  }

  /**
   * The run's dockerconfigjson pull secret for the probe pods (the target's robot credentials),
   * labelled and deleted with the namespace; returns its name. Built in memory, never logged.
   */
  async createPullSecret(registryHost: string, username: string, password: string): Promise<string> {
    this.#assertOpen();
    const name = this.pullSecretName;
    const cfg = { auths: { [registryHost]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } };
    const body = { metadata: { name, labels: this.labels, annotations: this.#annotations() }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(cfg)).toString('base64') } };
    this.#secrets.add(name);
    await this.kube.request('POST', `/api/v1/namespaces/${this.namespace}/secrets`, { body, what: `create probe pull secret ${name}` });
    return name;
  }

  async getPod(logical: string): Promise<Pod> {
    const name = this.#podName(logical);
    return this.kube.request<Pod>('GET', `/api/v1/namespaces/${this.namespace}/pods/${name}`, { what: `get probe pod ${name}` });
  }

  /**
   * Polls the pod until `done(pod)` or the deadline; resolves with the last observation either
   * way (`timedOut` says which), so a caller can report what it last saw.
   */
  async waitPod(name: string, done: (p: Pod) => boolean, deadlineMs: number, signal?: AbortSignal): Promise<{ pod: Pod | undefined; timedOut: boolean }> {
    const start = Date.now();
    let last: Pod | undefined;
    while (Date.now() - start < deadlineMs) {
      signal?.throwIfAborted();
      last = await this.getPod(name).catch(() => last);
      if (last && done(last)) return { pod: last, timedOut: false };
      await new Promise((r) => setTimeout(r, 500));
    }
    return { pod: last, timedOut: true };
  }

  /** The probe container's log (stdout), bounded. */
  async logs(logical: string, limitBytes = 256 * 1024): Promise<string> {
    const name = this.#podName(logical);
    const url = `/api/v1/namespaces/${this.namespace}/pods/${name}/log`;
    // The log endpoint answers text/plain; request() parses JSON, so read it raw via the typed API.
    return this.kube.call(`logs of ${name}`, (o) => this.kube.core.readNamespacedPodLog({ name, namespace: this.namespace, container: 'probe', limitBytes }, o)).catch((err: unknown) => {
      throw err instanceof Error ? err : new Error(`${url}: ${String(err)}`);
    });
  }

  /** Events about one probe pod (Pulled "... in 1.2s", Failed pulls). */
  async podEvents(logical: string): Promise<{ reason: string; message: string; count: number }[]> {
    const name = this.#podName(logical);
    const r = await this.kube.listAll<{ reason?: string; message?: string; count?: number; series?: { count?: number } }>(`/api/v1/namespaces/${this.namespace}/events`, { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}`, what: `events of ${name}` });
    return r.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', count: e.series?.count ?? e.count ?? 1 }));
  }

  /** What may remain right now if this process stopped (for the signal handler's reports). */
  pending(error?: string): CleanupResult {
    if (this.mode === 'existing') {
      const sel = `${INSTANCE_LABEL}=${this.instance}`;
      const remaining = [
        ...(this.#pods.size ? [`pods ${[...this.#pods].join(', ')}`] : []),
        ...(this.#secrets.size ? [`secret ${[...this.#secrets].join(', ')}`] : []),
      ];
      return { ok: false, scope: 'objects', namespaces: [this.namespace], remaining: remaining.length ? remaining : [`pods and secrets labelled ${sel}`], command: kubectl(this.kube, `--namespace ${shellQuote(this.namespace)} delete pods,secrets -l ${sel}`), ...(error ? { error } : {}) };
    }
    const ns = this.#name ? [this.#name] : [];
    const remaining = [
      ns.length ? `namespace ${ns[0]}` : `a namespace labelled ${INSTANCE_LABEL}=${this.instance}`,
      ...(this.#pods.size ? [`pods ${[...this.#pods].join(', ')}`] : []),
      ...(this.#secrets.size ? [`secret ${[...this.#secrets].join(', ')}`] : []),
    ];
    const command = kubectl(this.kube, ns.length ? `delete namespace ${ns[0]}` : `delete namespace -l ${INSTANCE_LABEL}=${this.instance}`);
    return { ok: false, scope: 'namespace', namespaces: ns, remaining, command, ...(error ? { error } : {}) };
  }

  /**
   * Deletes this probe set: the pull secret and the pods at once (the secret holds credentials;
   * a namespace's own deletion waits for the namespace controller), then the namespace
   * (background propagation: the API server answers at once, the controller removes the rest),
   * then waits at most CLEANUP_WAIT_MS for the pods to go. Succeeds when the namespace is gone
   * or Terminating. Idempotent (every caller gets the same result); never throws.
   */
  cleanup(): Promise<CleanupResult> {
    this.#cleaning ??= this.#cleanup();
    return this.#cleaning;
  }

  async #cleanup(): Promise<CleanupResult> {
    clearInterval(this.#heartbeat);
    if (this.mode === 'existing') return this.#cleanupObjects();
    // A create still in flight (signal during open): its answer names the namespace.
    await this.#creating?.catch(() => undefined);
    const req = (method: 'GET' | 'DELETE', path: string, what: string, query?: Record<string, string | number>) =>
      this.kube.request<unknown>(method, path, { what, ms: CLEANUP_REQUEST_MS, detached: true, ...(query ? { query } : {}) });
    let names: string[];
    try {
      if (this.#name) names = [this.#name];
      else {
        const found = (await req('GET', '/api/v1/namespaces', 'find probe namespace by instance label', { labelSelector: `${INSTANCE_LABEL}=${this.instance}` })) as { items?: NsObject[] };
        names = (found.items ?? []).map((n) => n.metadata.name);
      }
      const sel = `${INSTANCE_LABEL}=${this.instance}`;
      for (const ns of names) {
        await Promise.all([
          req('DELETE', `/api/v1/namespaces/${ns}/secrets`, `delete probe secrets in ${ns}`, { labelSelector: sel }).catch(() => undefined),
          req('DELETE', `/api/v1/namespaces/${ns}/pods`, `delete probe pods in ${ns}`, { labelSelector: sel, gracePeriodSeconds: 0 }).catch(() => undefined),
        ]);
        try {
          await req('DELETE', `/api/v1/namespaces/${ns}`, `delete probe namespace ${ns}`, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!(err instanceof KubeApiError && err.kind === 'not-found')) throw err;
        }
        const until = Date.now() + CLEANUP_WAIT_MS;
        for (;;) {
          const pods = ((await req('GET', `/api/v1/namespaces/${ns}/pods`, `list probe pods in ${ns}`)) as { items?: unknown[] }).items ?? [];
          if (pods.length === 0 || Date.now() > until) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        const state = await req('GET', `/api/v1/namespaces/${ns}`, `read probe namespace ${ns}`).then(
          (n) => ((n as NsObject).metadata.deletionTimestamp ? 'terminating' : 'active'),
          (err: unknown) => {
            if (err instanceof KubeApiError && err.kind === 'not-found') return 'gone';
            throw err;
          },
        );
        if (state === 'active') throw new Error(`namespace ${ns} is still active after its deletion`);
      }
    } catch (err) {
      // Reported by the caller (stderr, finding); not retried by a later signal's cleanup.
      live.delete(this);
      return this.pending(err instanceof Error ? err.message : String(err));
    }
    live.delete(this);
    this.#pods.clear();
    this.#secrets.clear();
    return { ok: true, scope: 'namespace', namespaces: names, remaining: [], command: '' };
  }

  /**
   * `existing` mode: deletes the secrets and pods this probe set created, by name; then lists what
   * still carries its instance label (a create whose answer was lost) and deletes that by name;
   * then waits at most CLEANUP_WAIT_MS until none is left. The namespace is never touched.
   */
  async #cleanupObjects(): Promise<CleanupResult> {
    const ns = this.namespace;
    const sel = `${INSTANCE_LABEL}=${this.instance}`;
    const opts = (what: string, query?: Record<string, string | number>) => ({ what, ms: CLEANUP_REQUEST_MS, detached: true, ...(query ? { query } : {}) });
    const del = (kind: 'pods' | 'secrets', name: string) =>
      this.kube.request('DELETE', `/api/v1/namespaces/${ns}/${kind}/${name}`, opts(`delete probe ${kind} ${name}`, kind === 'pods' ? { gracePeriodSeconds: 0 } : undefined)).then(
        () => undefined,
        (err: unknown) => {
          if (!(err instanceof KubeApiError && err.kind === 'not-found')) throw err;
        },
      );
    const ours = async (kind: 'pods' | 'secrets') => {
      const r = await this.kube.request<{ items?: NsObject[] }>('GET', `/api/v1/namespaces/${ns}/${kind}`, opts(`list probe ${kind} in ${ns}`, { labelSelector: sel }));
      // the selector already says so; checked again: nothing without our labels is ever deleted
      return (r.items ?? []).filter((o) => o.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY && o.metadata.labels[INSTANCE_LABEL] === this.instance);
    };
    try {
      // by name first (no list needed), failures left to the label pass below
      await Promise.all([...[...this.#secrets].map((n) => del('secrets', n).catch(() => undefined)), ...[...this.#pods].map((n) => del('pods', n).catch(() => undefined))]);
      for (const kind of ['secrets', 'pods'] as const) for (const o of await ours(kind)) await del(kind, o.metadata.name);
      const until = Date.now() + CLEANUP_WAIT_MS;
      for (;;) {
        const left = [...(await ours('pods')).map((o) => `pod ${o.metadata.name}`), ...(await ours('secrets')).map((o) => `secret ${o.metadata.name}`)];
        if (left.length === 0) break;
        if (Date.now() > until) throw new Error(`still present after their deletion: ${left.join(', ')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } catch (err) {
      live.delete(this);
      return this.pending(err instanceof Error ? err.message : String(err));
    }
    live.delete(this);
    this.#pods.clear();
    this.#secrets.clear();
    return { ok: true, scope: 'objects', namespaces: [ns], remaining: [], command: '' };
  }
}

/** The finding a failed cleanup becomes (besides its stderr report). */
export function cleanupFinding(kube: KubeClient, r: CleanupResult): Finding {
  if (r.scope === 'objects') {
    return finding('cluster.probe-objects-cleanup-failed', {
      subject: `namespace/${r.namespaces[0] ?? '?'}`,
      params: { namespace: r.namespaces[0] ?? '?', name: kube.context, detail: r.error ?? 'cleanup did not complete' },
      evidence: { remaining: r.remaining, command: r.command },
    });
  }
  const ns = r.namespaces[0] ?? `labelled ${RUN_LABEL}=${RUN.id}`;
  return finding('cluster.probe-cleanup-failed', {
    subject: r.namespaces[0] ? `namespace/${r.namespaces[0]}` : kube.server,
    params: { namespace: ns, name: kube.context, detail: r.error ?? 'cleanup did not complete' },
    evidence: { remaining: r.remaining, command: r.command },
  });
}

/**
 * Opens a probe namespace, runs `fn`, and always cleans up (also on throw and abort). A cleanup
 * that fails is reported on stderr and, when `fn` returned, as a `cluster.probe-cleanup-failed`
 * finding added to its findings (when `fn` threw, its error stands and stderr carries the rest).
 */
export async function withProbeNamespace<T extends { findings: Finding[] }>(kube: KubeClient, configured: string | ProbeNamespaceConfig, fn: (p: ProbeNamespace) => Promise<T>): Promise<T> {
  const p = await ProbeNamespace.open(kube, configured);
  let out: T;
  try {
    out = await fn(p);
  } catch (err) {
    const r = await p.cleanup();
    if (!r.ok && !stopping) process.stderr.write(leftoverText(r));
    throw err;
  }
  const r = await p.cleanup();
  if (r.ok) return out;
  // During a signal's cleanup the handler reports (once) for every namespace.
  if (!stopping) process.stderr.write(leftoverText(r));
  return { ...out, findings: [...out.findings, cleanupFinding(kube, r)] };
}
