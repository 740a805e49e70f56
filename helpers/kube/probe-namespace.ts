import { randomBytes } from 'node:crypto';
import type { KubeClient } from './client.ts';
import { KubeApiError } from './errors.ts';
import type { Pod } from './types.ts';

/**
 * Live-mode safety for probe workloads: everything hybrid-doctor creates lives in ONE namespace,
 * carries `app.kubernetes.io/managed-by=hybrid-doctor` and a per-run label, and is deleted at
 * the end, on failure, and on SIGINT/SIGTERM (the handler cleans up, then exits 130/143).
 * A namespace that already existed is kept (only our labelled objects are removed); one we
 * created is deleted.
 */

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'hybrid-doctor';
export const RUN_LABEL = 'hybrid-doctor.io/run';

const live = new Set<ProbeNamespace>();
let handlersInstalled = false;

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(sig, () => {
      const all = [...live].map((p) => p.cleanup().catch(() => undefined));
      // Bounded: a hung API must not keep a Ctrl-C'd process alive.
      const deadline = new Promise((r) => setTimeout(r, 15_000).unref());
      void Promise.race([Promise.all(all), deadline]).finally(() => process.exit(code));
    });
  }
}

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
  readonly namespace: string;
  readonly runId: string;
  #created = false;
  #closed = false;

  private constructor(kube: KubeClient, namespace: string, runId: string) {
    this.kube = kube;
    this.namespace = namespace;
    this.runId = runId;
  }

  /** Ensures the namespace (created labelled when absent) and arms the signal handlers. */
  static async open(kube: KubeClient, namespace: string): Promise<ProbeNamespace> {
    const p = new ProbeNamespace(kube, namespace, `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    live.add(p);
    installSignalHandlers();
    // A namespace deleted by the previous run may still be terminating: creating anything in it
    // is refused, so wait (bounded) until it is gone, then create it afresh.
    const deadline = Date.now() + 90_000;
    let last = '';
    for (;;) {
      try {
        await kube.request('POST', '/api/v1/namespaces', { body: { metadata: { name: namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: p.runId } } }, what: `create namespace ${namespace}` });
        p.#created = true;
        break;
      } catch (err) {
        if (!(err instanceof KubeApiError && err.kind === 'conflict')) {
          live.delete(p);
          throw err;
        }
      }
      const ns = (await kube.request('GET', `/api/v1/namespaces/${namespace}`, { what: `read namespace ${namespace}` }).catch(() => undefined)) as { status?: { phase?: string } } | undefined;
      last = ns?.status?.phase ?? 'gone';
      if (last !== 'Terminating' && last !== 'gone') break; // exists and usable
      if (Date.now() > deadline) {
        live.delete(p);
        throw new Error(`probe namespace ${namespace} is still ${last} after 90 s; last phase seen: ${last}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // No controller-manager creates `default` in a brand-new namespace instantly; pods need it.
    try {
      await kube.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { metadata: { name: 'default', labels: { [MANAGED_BY_LABEL]: MANAGED_BY } } } });
    } catch {
      /* exists already (the usual case on a real cluster) */
    }
    return p;
  }

  get labels(): Record<string, string> {
    return { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: this.runId };
  }

  /** Creates a short-lived probe pod (restartPolicy Never, activeDeadlineSeconds bounded). */
  async createPod(spec: ProbePodSpec): Promise<Pod> {
    if (this.#closed) throw new Error('probe namespace already cleaned up');
    const mounts = spec.host?.mounts ?? [];
    const body = {
      metadata: { name: spec.name, labels: { ...this.labels, ...(spec.labels ?? {}) } },
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
    return this.kube.request<Pod>('POST', `/api/v1/namespaces/${this.namespace}/pods`, { body, what: `create probe pod ${spec.name}` });
  }

  /**
   * A dockerconfigjson pull secret for the probe pods (the target's robot credentials), labelled
   * and deleted with the run. The value is built in memory and never logged.
   */
  async createPullSecret(name: string, registryHost: string, username: string, password: string): Promise<void> {
    const cfg = { auths: { [registryHost]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } };
    const body = { metadata: { name, labels: this.labels }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(cfg)).toString('base64') } };
    try {
      await this.kube.request('POST', `/api/v1/namespaces/${this.namespace}/secrets`, { body, what: `create probe pull secret ${name}` });
    } catch (err) {
      // Left by a run that was killed before its cleanup finished: ours to replace (it carries
      // our managed-by label; anything else of that name is not touched).
      if (!(err instanceof KubeApiError && err.kind === 'conflict')) throw err;
      const cur = await this.kube.request<{ metadata?: { labels?: Record<string, string> } }>('GET', `/api/v1/namespaces/${this.namespace}/secrets/${name}`, { what: `read probe pull secret ${name}` });
      if (cur.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) throw err;
      await this.kube.request('PUT', `/api/v1/namespaces/${this.namespace}/secrets/${name}`, { body, what: `replace probe pull secret ${name}` });
    }
  }

  async getPod(name: string): Promise<Pod> {
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
  async logs(name: string, limitBytes = 256 * 1024): Promise<string> {
    const url = `/api/v1/namespaces/${this.namespace}/pods/${name}/log`;
    // The log endpoint answers text/plain; request() parses JSON, so read it raw via the typed API.
    return this.kube.call(`logs of ${name}`, (o) => this.kube.core.readNamespacedPodLog({ name, namespace: this.namespace, container: 'probe', limitBytes }, o)).catch((err: unknown) => {
      throw err instanceof Error ? err : new Error(`${url}: ${String(err)}`);
    });
  }

  /** Events about one probe pod (Pulled "... in 1.2s", Failed pulls). */
  async podEvents(name: string): Promise<{ reason: string; message: string }[]> {
    const r = await this.kube.listAll<{ reason?: string; message?: string }>(`/api/v1/namespaces/${this.namespace}/events`, { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}`, what: `events of ${name}` });
    return r.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '' }));
  }

  /** Deletes every object of this run (and the namespace when we created it). Idempotent. */
  async cleanup(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    live.delete(this);
    const sel = `${RUN_LABEL}=${this.runId}`;
    await this.kube
      .request('DELETE', `/api/v1/namespaces/${this.namespace}/pods`, { query: { labelSelector: sel, gracePeriodSeconds: 0 }, what: 'delete probe pods', ms: 10_000, detached: true })
      .catch(() => undefined);
    await this.kube.request('DELETE', `/api/v1/namespaces/${this.namespace}/secrets`, { query: { labelSelector: sel }, what: 'delete probe secrets', ms: 10_000, detached: true }).catch(() => undefined);
    if (this.#created) {
      await this.kube.request('DELETE', `/api/v1/namespaces/${this.namespace}`, { query: { gracePeriodSeconds: 0 }, what: `delete namespace ${this.namespace}`, ms: 10_000, detached: true }).catch(() => undefined);
    }
  }
}

/** Opens a probe namespace, runs `fn`, and always cleans up (also on throw and abort). */
export async function withProbeNamespace<T>(kube: KubeClient, namespace: string, fn: (p: ProbeNamespace) => Promise<T>): Promise<T> {
  const p = await ProbeNamespace.open(kube, namespace);
  try {
    return await fn(p);
  } finally {
    await p.cleanup();
  }
}
