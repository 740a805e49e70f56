import { classifyPullError, type Classification, type Confidence } from '../classifier/pull-error-classifier.ts';
import { UsageError } from '../errors.ts';
import type { CauseId } from '../findings/cause-ids.ts';
import type { Finding, FindingParams, Remediation } from '../findings/finding.ts';
import { finding, renderRemediation } from '../findings/make-finding.ts';
import type { KubeClient } from '../kube/client.ts';
import { isAccessProblem, kubeUsageError, KubeApiError } from '../kube/errors.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../kube/probe-namespace.ts';
import { eventItem, nodeItem, podItem } from '../kube/protobuf.ts';
import { matchesSelector, normalizeEvent, PULL_WAITING_REASONS, type ContainerStatus, type CoreEvent, type Node, type Pod, type PodEvent } from '../kube/types.ts';
import { redactor } from '../redact.ts';
import { parseReference } from '../registry/reference.ts';
import { mangledRobot, matchingEntry, parsePullSecret, PULL_SECRET_TYPES, type ParsedPullSecret } from '../kube/pull-secret.ts';
import type { Secret, ServiceAccount } from '../kube/types.ts';
import { correlate, normalizeHost, podFindingParams, priorFacts, type CorrelationRule, type PriorFacts } from './correlate.ts';

/**
 * The `hybrid-doctor diagnose` engine: every pod with a container waiting on an image pull
 * (ErrImagePull, ImagePullBackOff, InvalidImageName, ErrImageNeverPull, ...) or a sandbox that
 * cannot start because the pause image does not pull; ONE root cause per pod, grouped.
 *
 * Cost model (10,000 pods / 50,000 events; bench/diagnose-scale.ts, docs/benchmarks.md): one list
 * of nodes and one of pods (phase not Succeeded/Failed), and the Warning events of the namespaces
 * (or the one namespace / pod) with a failing pod, all concurrent, as protobuf decoded while it
 * streams in down to the fields read; events are aggregated by involvedObject uid as they come,
 * only those of failing pods kept. Classification is memoised per distinct text (thousands of pods
 * share a handful of messages).
 */

// Re-exported for the boundary check's existing import; defined in kube/types.ts (probe-runner needs it too).
export { PULL_WAITING_REASONS };
/** Event reasons that carry pull errors (kubelet, CRI-O); everything else is skipped while paging. */
const EVENT_REASONS = new Set(['Failed', 'BackOff', 'FailedCreatePodSandBox', 'FailedToRetrieveImagePullSecret', 'ErrImageNeverPull', 'InspectFailed', 'FailedPullImage', 'PullImageError']);
const BACKOFF_ONLY = /^Back-off pulling image "[^"]*"\.?$/;
const ERROR_ONLY = /^Error: (?:ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|ImageInspectError)$/;
const DEFAULT_HYBRID_SELECTOR = 'eks.amazonaws.com/compute-type=hybrid';
const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };
/** Concurrent per-namespace event lists (all namespaces); each is an etcd read on the API server's side. */
const EVENT_LISTS = 4;

/** Namespaces whose events to list, fed while the pods are listed; `next()` waits for one, or for close(). */
class NamespaceQueue {
  readonly #seen = new Set<string>();
  readonly #items: string[] = [];
  readonly #waiting: (() => void)[] = [];
  #closed = false;
  add(ns: string): void {
    if (this.#seen.has(ns)) return;
    this.#seen.add(ns);
    this.#items.push(ns);
    this.#waiting.shift()?.();
  }
  close(): void {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w();
  }
  async next(): Promise<string | undefined> {
    for (;;) {
      const ns = this.#items.shift();
      if (ns !== undefined) return ns;
      if (this.#closed) return undefined;
      await new Promise<void>((r) => this.#waiting.push(r));
    }
  }
}

export type NodeType = 'hybrid' | 'cloud' | 'unknown';

/** What a correlation run hands the diagnosis (DiagnoseOptions.correlation). */
export interface CorrelationInput {
  findings: Finding[];
  verifiedHosts: string[];
}

export interface DiagnoseOptions {
  kube: KubeClient;
  /** Namespace of `pod`, or the one namespace to scan (default `default` when neither flag). */
  namespace?: string;
  pod?: string;
  allNamespaces?: boolean;
  /** Findings of the registry / node / pull-secret checks run before (correlation input). */
  priorFindings?: Finding[] | (() => Finding[]);
  /**
   * Registry hosts whose served chain the run verified against the target's CA bundle (tls/trust
   * passed). A pod that still sees "unknown authority" there has a node-side trust problem.
   */
  verifiedHosts?: string[];
  /**
   * The correlation run: its findings and verified hosts replace `priorFindings`/add to
   * `verifiedHosts`. A promise (a run the caller started, overlapping the API reads) is awaited
   * once the pods' symptoms are known; a function is called then with those symptoms, so it can
   * run only the suites that can explain them. A rejection fails the diagnosis.
   */
  correlation?: Promise<CorrelationInput> | ((symptoms: readonly CauseId[]) => Promise<CorrelationInput>);
  /** Node probes were not allowed (read-only): node-side causes can be pointed at, not seen. */
  readOnly?: boolean;
  signal?: AbortSignal;
  /** Label selector that marks hybrid nodes (target.kubernetes.hybridSelector). */
  hybridSelector?: string;
  /** Events kept per pod in evidence (most recent first). */
  maxEvents?: number;
  /** Upper bound on pods listed (memory guard); the report says when it cut. */
  maxPods?: number;
  /**
   * Whether the registry / node / pull-secret checks of a target file ran before (the CLI's
   * `--target`); default: whether prior findings were given. Without one the findings say what
   * a target file would add (`evidence.targetWouldAdd`).
   */
  withTarget?: boolean;
  /** Correlation table override (tests). */
  rules?: readonly CorrelationRule[];
  /** List page size (default 1000: fewer round trips on big clusters, still bounded per page). */
  pageSize?: number;
  /** Progress for the CLI's stderr line: called per listed object, then once before analysis; keep it cheap. */
  onProgress?: (p: DiagnoseProgress) => void;
}

export type DiagnoseProgress = { phase: 'listing'; pods: number; events: number; nodes: number } | { phase: 'correlated' } | { phase: 'analysing'; pods: number };

export interface DiagnosedContainer {
  name: string;
  init: boolean;
  image: string;
  reason: string;
  message: string;
}

export interface DiagnosedPod {
  namespace: string;
  pod: string;
  node?: string;
  nodeType: NodeType;
  containers: DiagnosedContainer[];
  /** The root cause: one per pod. */
  cause: CauseId;
  confidence: Confidence;
  /** What the pull error itself says (classifier), before correlation. */
  symptom: CauseId;
  /** Classifier rule id, and the correlation rule when another finding decided the root cause. */
  rule: string;
  correlation?: { rule: string; prior: CauseId; subject: string; check?: string };
  evidence: { message: string; source: string; events: { reason: string; message: string; count: number; last?: string }[]; pullSecrets?: PullSecretEvidence; targetWouldAdd?: string };
  /** What the evidence at hand allows beyond the cause, and which check would decide (e.g. read-only). */
  reading?: string;
  /** When the error text alone cannot decide between causes: the other candidates and what tells them apart. */
  alternatives?: { causes: CauseId[]; distinguish?: string };
  /** Warnings the run's checks found on this pod's node (e.g. skip_verify), shown below the root cause. */
  nodeWarnings?: { cause: CauseId; subject: string; message: string; check?: string }[];
  remediation: Remediation;
}

export interface DiagnoseGroup {
  cause: CauseId;
  count: number;
  pods: string[];
  nodes: string[];
  nodeTypes: NodeType[];
  namespaces: string[];
}

export interface DiagnoseReport {
  scope: { namespace?: string; pod?: string; allNamespaces: boolean };
  pods: DiagnosedPod[];
  /** Pods per root cause, largest first: "which pods share a cause". */
  groups: DiagnoseGroup[];
  /** cause → count, per node / node type / namespace. */
  byNode: Record<string, Partial<Record<CauseId, number>>>;
  byNodeType: Record<NodeType, Partial<Record<CauseId, number>>>;
  byNamespace: Record<string, Partial<Record<CauseId, number>>>;
  /** One finding per (root cause, namespace), for the report and the exit code. */
  findings: Finding[];
  stats: { podsScanned: number; eventsScanned: number; eventsKept: number; ms: number; truncated: boolean; eventsUnavailable?: string; phasesMs: Record<string, number> };
}

/** What the cluster says about a pod's pull secrets (names and registry hosts only, never credentials). */
export interface PullSecretEvidence {
  /** The pod's own imagePullSecrets plus its service account's. */
  referenced: string[];
  serviceAccount: string;
  /** `auths` keys (registry hosts as written) per referenced secret that exists; `null` = absent. */
  keys: Record<string, string[] | null>;
  /** Secrets of the namespace whose `auths` key serves the image, when none is referenced. */
  unattached?: string[];
  /** Why the namespace's secrets / service accounts could not be read (then nothing is judged from them). */
  unavailable?: string;
}

/**
 * Symptoms a pod's pull secrets can explain: the registry refused the pull (containerd's 401 reads
 * the same with no or wrong credentials). Not image.unknown: without a refusal, a pod with no pull
 * secret may pull a public image, and the cluster alone cannot tell.
 */
const SECRET_SYMPTOMS: ReadonlySet<CauseId> = new Set<CauseId>(['auth.credentials-invalid', 'auth.credentials-missing', 'auth.insufficient-scope']);

/** One short sentence per cause family: what the checks of a target file would add to a kubeconfig-only diagnosis. */
function targetWouldAdd(cause: CauseId): string {
  if (cause.startsWith('auth.')) return 'a token-service check of the pull secret credentials (wrong password, robot disabled/expired, missing pull scope)';
  if (cause.startsWith('tls.') || cause.startsWith('node.')) return "the registry's served TLS chain and the nodes' certs.d / containerd configuration";
  if (cause.startsWith('dns.') || cause.startsWith('net.')) return 'name resolution and reachability of the registry from this host and the nodes';
  return 'the registry, node and pull-secret checks that name the cause behind the symptom';
}

interface Candidate {
  text: string;
  source: string;
  c: Classification;
  /** Later is better on ties (waiting message counts as "now"). */
  at: number;
}

/** Effective pull-secret names for a pod (the ServiceAccount admission copies the SA's into the pod). */
function podSecrets(pod: Pod): string[] {
  return (pod.spec?.imagePullSecrets ?? []).map((s) => s.name ?? '').filter(Boolean);
}

/**
 * parseReference memoised per text: thousands of failing pods share a handful of images, and the
 * analysis asks for each pod's image up to three times (host, registry as written, secrets).
 */
const refMemo = new Map<string, ReturnType<typeof parseReference>>();
function parseRef(image: string): ReturnType<typeof parseReference> {
  let r = refMemo.get(image);
  if (!r) {
    if (refMemo.size >= 10_000) refMemo.clear();
    r = parseReference(image);
    refMemo.set(image, r);
  }
  return r;
}

function hostOf(image: string): string | undefined {
  const r = parseRef(image);
  return r.ok ? normalizeHost(r.ref.domain) : undefined;
}

/** The registry part of an image reference exactly as written (what a pull secret's auths key must equal). */
function registryOf(image: string): string | undefined {
  const r = parseRef(image);
  return r.ok ? r.ref.domain : undefined;
}

function failingContainers(pod: Pod): DiagnosedContainer[] {
  const out: DiagnosedContainer[] = [];
  const specImage = new Map<string, string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])]) specImage.set(c.name, c.image ?? '');
  const add = (list: ContainerStatus[] | undefined, init: boolean) => {
    for (const s of list ?? []) {
      const w = s.state?.waiting;
      if (w?.reason && PULL_WAITING_REASONS.has(w.reason)) {
        out.push({ name: s.name, init, image: specImage.get(s.name) || s.image || '', reason: w.reason, message: w.message ?? '' });
      }
    }
  };
  add(pod.status?.initContainerStatuses, true);
  add(pod.status?.containerStatuses, false);
  add(pod.status?.ephemeralContainerStatuses, false);
  return out;
}

/** `Unable to retrieve some image pull secrets (a, b); attempting to pull the image may not succeed.` */
function missingSecretsFrom(message: string): string[] {
  const m = /image pull secrets? \(([^)]*)\)/i.exec(message);
  return m?.[1] ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/** Runs the diagnosis. Access problems (unreachable API, 401, 403 on pods) are UsageErrors. */
export async function diagnose(opts: DiagnoseOptions): Promise<DiagnoseReport> {
  const started = performance.now();
  const phasesMs: Record<string, number> = {};
  let mark = started;
  const phase = (name: string) => {
    const now = performance.now();
    phasesMs[name] = Math.round(now - mark);
    mark = now;
  };
  /** For the concurrent lists: time from start to that list's completion. */
  const doneAt = (name: string) => {
    phasesMs[name] = Math.round(performance.now() - started);
  };
  const { kube, signal } = opts;
  const limit = opts.pageSize ?? 1000;
  const all = opts.allNamespaces === true;
  if (all && opts.pod) throw new UsageError('give either a POD or --all-namespaces, not both');
  const namespace = all ? undefined : (opts.namespace ?? 'default');
  const selector = opts.hybridSelector ?? DEFAULT_HYBRID_SELECTOR;
  const maxEvents = opts.maxEvents ?? 5;

  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (isAccessProblem(err)) throw kubeUsageError(err, kube.server, kube.context);
      if (err instanceof KubeApiError && err.kind === 'not-found' && opts.pod) throw new UsageError(`pod ${namespace}/${opts.pod} not found`, { cause: err });
      throw err;
    }
  };

  // Nodes (node type), pods and pod Warning events are listed concurrently, each paginated, as
  // protobuf decoded down to the fields read here (kube/protobuf.ts: the API server's JSON encoding
  // and our JSON.parse were most of the time on big clusters), pods and nodes served from the API
  // server's watch cache (`resourceVersion=0`, see KubeClient ListOptions.fromCache).
  //
  // Consistency trade-off of resourceVersion=0: the lists may be a moment (typically well under a
  // second) behind etcd, and pods and events are not one snapshot anyway (separate lists). A
  // diagnosis of pods stuck pulling for seconds to hours does not change with that lag; a quorum
  // read would cost the API server and etcd a full read of every pod. `limit` is NOT honoured with
  // RV=0 from the watch cache (measured on 1.33: 10,000 pods in one response, no continue token):
  // paging is lost, which the streaming decoder makes harmless on our side (one chunk plus one pod
  // in memory). Events are not cached, so their lists page as asked.
  const nodeType = new Map<string, NodeType>();
  const listNodes = kube
    .listEach<Node>('/api/v1/nodes', (n) => (nodeType.set(n.metadata.name, matchesSelector(n.metadata.labels, selector) ? 'hybrid' : 'cloud'), listing()), { what: 'list nodes', limit, fromCache: true, protobuf: nodeItem, ...(signal ? { signal } : {}) })
    .then(() => doneAt('nodesDoneAt'))
    .catch((err: unknown) => {
      // A 403 on nodes only degrades the node type to unknown.
      if (!(err instanceof KubeApiError && err.kind === 'forbidden')) throw err;
    });

  // All namespaces: events are listed per namespace, only in namespaces holding a failing or
  // pending pod, each queued the moment the pods list shows one (so event lists overlap the pod
  // list). Events are not in the API server's watch cache (kube-apiserver's default sizes leave
  // them out): every event list is an etcd read, and per-namespace lists read only that
  // namespace's key range, EVENT_LISTS at a time, instead of one sequential list of every event.
  const eventNamespaces = all ? new NamespaceQueue() : undefined;

  // Pods: only what the analysis needs is kept (a raw pod is ~10x bigger than this).
  const failing: { pod: Pod; containers: DiagnosedContainer[] }[] = [];
  const pending: Pod[] = [];
  let podsScanned = 0;
  let truncated = false;
  const compact = (p: Pod): Pod => ({
    metadata: { name: p.metadata.name, ...(p.metadata.namespace ? { namespace: p.metadata.namespace } : {}), ...(p.metadata.uid ? { uid: p.metadata.uid } : {}) },
    spec: { ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}), ...(p.spec?.serviceAccountName ? { serviceAccountName: p.spec.serviceAccountName } : {}), ...(p.spec?.imagePullSecrets ? { imagePullSecrets: p.spec.imagePullSecrets } : {}) },
  });
  const consider = (p: Pod) => {
    podsScanned++;
    listing();
    // Probe pods of hybrid-doctor runs (this one's or a concurrent one's) are not the user's
    // workloads: listing them would report our own transient pulls. A pod asked for by name is kept.
    if (!opts.pod && p.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) return;
    const containers = failingContainers(p);
    if (containers.length) failing.push({ pod: compact(p), containers });
    else if (p.status?.phase === 'Pending' && p.metadata.uid) pending.push(compact(p));
    else return;
    if (eventNamespaces && p.metadata.namespace) eventNamespaces.add(p.metadata.namespace);
  };
  const listPods = (async () => {
    try {
      if (opts.pod) {
        consider(await kube.request<Pod>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(opts.pod)}`, { what: `get pod ${namespace}/${opts.pod}`, ...(signal ? { signal } : {}) }));
      } else {
        const path = all ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods`;
        const r = await kube.listEach<Pod>(path, consider, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed', limit, fromCache: true, protobuf: podItem, what: all ? 'list pods (all namespaces)' : `list pods in ${namespace}`, ...(opts.maxPods ? { maxItems: opts.maxPods } : {}), ...(signal ? { signal } : {}) });
        if (r.truncated) truncated = true;
      }
      doneAt('podsDoneAt');
    } finally {
      eventNamespaces?.close();
    }
  })();

  // Pull failures, sandbox failures and missing-secret notices are all Warning events; Normal
  // ones (Pulling, BackOff "Back-off pulling image") carry no cause. Only events with a reason
  // that can carry a pull error are kept (normalised, a few hundred bytes each), by pod uid: the
  // 50,000 events of a big cluster are aggregated as they stream in, never held.
  const byUid = new Map<string, PodEvent[]>();
  let eventsScanned = 0;
  let eventsKept = 0;
  let eventsUnavailable: string | undefined;
  // Hoisted; first called from a list callback, after every counter above exists.
  function listing(): void {
    opts.onProgress?.({ phase: 'listing', pods: podsScanned, events: eventsScanned, nodes: nodeType.size });
  }
  const onEvent = (e: CoreEvent) => {
    eventsScanned++;
    listing();
    const uid = e.involvedObject?.uid;
    if (!uid || !e.reason || !EVENT_REASONS.has(e.reason)) return;
    let list = byUid.get(uid);
    if (!list) byUid.set(uid, (list = []));
    list.push(normalizeEvent(e));
    eventsKept++;
  };
  // Field selectors on events: kind and type only. One request per pull-failure `reason` (field
  // selectors have no set form) would read the namespace's events from etcd once per reason.
  const eventSelector = opts.pod ? `involvedObject.kind=Pod,involvedObject.name=${opts.pod},type=Warning` : 'involvedObject.kind=Pod,type=Warning';
  const listEventsIn = async (ns: string | undefined): Promise<void> => {
    const path = ns === undefined ? '/api/v1/events' : `/api/v1/namespaces/${encodeURIComponent(ns)}/events`;
    const r = await kube.listEach<CoreEvent>(path, onEvent, { fieldSelector: eventSelector, limit, fromCache: true, protobuf: eventItem, what: ns === undefined ? 'list pod events' : `list pod events in ${ns}`, ...(signal ? { signal } : {}) });
    if (r.truncated) truncated = true;
  };
  const listEvents = (async () => {
    let stop = false;
    const worker = async () => {
      try {
        for (let ns = await eventNamespaces!.next(); ns !== undefined && !stop; ns = await eventNamespaces!.next()) await listEventsIn(ns);
      } catch (err) {
        stop = true;
        throw err;
      }
    };
    try {
      if (eventNamespaces) await Promise.all(Array.from({ length: EVENT_LISTS }, worker));
      else await listEventsIn(namespace);
      doneAt('eventsDoneAt');
    } catch (err) {
      if (err instanceof KubeApiError && err.kind === 'forbidden') eventsUnavailable = 'forbidden';
      else throw err;
    }
  })();
  const settled = await Promise.allSettled([listPods, listNodes, listEvents]);
  for (const s of settled) if (s.status === 'rejected') await wrap(() => Promise.reject(s.reason));
  const wanted = byUid;

  phase('lists');
  // Set once pass 1 has named the symptoms (the correlation may depend on them).
  let priorsRaw: Finding[] = [];
  let priors: PriorFacts[] = [];
  let withTarget = false;
  let verifiedHosts = new Set<string>();
  opts.onProgress?.({ phase: 'analysing', pods: failing.length + pending.length });
  const classifyMemo = new Map<string, Classification>();
  const classify = (text: string): Classification => {
    let c = classifyMemo.get(text);
    if (!c) {
      c = classifyPullError(text);
      classifyMemo.set(text, c);
    }
    return c;
  };
  const redactMemo = new Map<string, string>();
  const red = (text: string): string => {
    let r = redactMemo.get(text);
    if (r === undefined) {
      r = redactor.text(text.length > 4000 ? `${text.slice(0, 4000)}…` : text);
      redactMemo.set(text, r);
    }
    return r;
  };

  const symptomParamsMemo = new Map<Classification, FindingParams>();
  const isoMemo = new Map<number, string>();
  const isoOf = (ms: number): string => {
    let t = isoMemo.get(ms);
    if (t === undefined) isoMemo.set(ms, (t = new Date(ms).toISOString()));
    return t;
  };

  const diagnosed: DiagnosedPod[] = [];
  /** Params of each pod's finding: its pull error's, or those of the finding it was correlated with. */
  const paramsOf = new Map<DiagnosedPod, FindingParams>();
  /** Pass 1: the pull error's symptom (what the kubelet saw), before any correlation. */
  const symptomOf = (pod: Pod, containers: DiagnosedContainer[], sandboxOnly: boolean) => {
    const ns = pod.metadata.namespace ?? namespace ?? 'default';
    const events = (pod.metadata.uid ? wanted.get(pod.metadata.uid) : undefined) ?? [];
    events.sort((a, b) => b.last - a.last);
    const secrets = podSecrets(pod);
    const podPriors: PriorFacts[] = [];
    const cands: Candidate[] = [];
    for (const e of events) {
      if (e.reason === 'FailedToRetrieveImagePullSecret') {
        for (const s of missingSecretsFrom(e.message)) {
          podPriors.push({ cause: 'auth.pull-secret-missing', namespace: ns, secret: s, subject: `${ns}/secret/${s}`, check: 'event/FailedToRetrieveImagePullSecret', params: { namespace: ns, secretName: s, detail: 'the kubelet could not retrieve it (event FailedToRetrieveImagePullSecret)' } });
        }
        continue;
      }
      if (!e.message || BACKOFF_ONLY.test(e.message) || ERROR_ONLY.test(e.message)) continue;
      if (sandboxOnly && e.reason !== 'FailedCreatePodSandBox') continue;
      cands.push({ text: e.message, source: `event/${e.reason}`, c: classify(e.message), at: e.last });
    }
    if (!sandboxOnly) {
      for (const c of containers) {
        if (!c.message || BACKOFF_ONLY.test(c.message)) continue;
        cands.push({ text: c.message, source: `${c.init ? 'initContainer' : 'container'}/${c.name}/${c.reason}`, c: classify(c.message), at: Number.MAX_SAFE_INTEGER });
      }
    }
    if (sandboxOnly) {
      const best = cands.find((x) => x.c.cause === 'node.sandbox-image-unpullable');
      if (!best) return undefined;
      cands.length = 0;
      cands.push(best);
    }
    // Best candidate: specific over image.unknown, then confidence, then most recent.
    cands.sort((a, b) => Number(b.c.cause !== 'image.unknown') - Number(a.c.cause !== 'image.unknown') || RANK[b.c.confidence] - RANK[a.c.confidence] || b.at - a.at);
    const best = cands[0];
    const fallbackReason = containers[0]?.reason;
    const symptomC: Classification = best?.c ?? (fallbackReason === 'InvalidImageName' ? classify('InvalidImageName') : fallbackReason === 'ErrImageNeverPull' ? classify('ErrImageNeverPull') : { cause: 'image.unknown', confidence: 'low', rule: 'no-message', params: {} });
    return { pod, containers, ns, events, secrets, podPriors, best, symptomC };
  };
  type Pre = NonNullable<ReturnType<typeof symptomOf>>;

  /** Pass 2: correlation with the prior findings and the cluster's pull-secret evidence; one root cause. */
  const analyse = ({ pod, containers, ns, events, secrets, podPriors, best, symptomC }: Pre) => {
    const cluster = SECRET_SYMPTOMS.has(symptomC.cause) && containers.length ? secretFacts(pod, ns, containers) : undefined;
    if (cluster) {
      podPriors.push(...cluster.priors);
      for (const s of cluster.evidence.referenced) if (!secrets.includes(s)) secrets.push(s);
    }
    const hosts = [...new Set([...containers.map((c) => hostOf(c.image)), symptomC.params.host ? normalizeHost(symptomC.params.host) : undefined].filter((h): h is string => !!h))];
    const node = pod.spec?.nodeName;
    const corr = correlate(symptomC.cause, { namespace: ns, ...(node ? { node } : {}), hosts, secrets }, [...podPriors, ...priors], opts.rules);
    const evEvidence = events.slice(0, maxEvents).map((e) => ({ reason: e.reason, message: red(e.message), count: e.count, ...(e.last ? { last: isoOf(e.last) } : {}) }));
    // Served chain verified, node still says unknown authority: the node's trust, whatever the
    // classifier's generic advice ("install the CA, or fix the served chain") would suggest.
    const verified = corr.root === 'tls.untrusted-ca' ? hosts.find((h) => verifiedHosts.has(h)) : undefined;
    const reading = verified
      ? `the chain ${verified} serves verifies with the target's CA bundle (tls/trust passed), so the served chain is fine and this node's trust is what fails: its certs.d/${verified}/ca.crt is missing or holds another CA, or containerd does not read certs.d. ${opts.readOnly ? 'Read-only, the node cannot be looked at: re-run without --read-only with kubernetes.allowProbes (nodes/node-probe reads certs.d and the containerd config) to name which.' : 'nodes/node-probe names which when kubernetes.allowProbes is on.'}`
      : undefined;
    const nodeWarnings = node
      ? priorsRaw
          .filter((f) => f.severity === 'warning' && f.cause !== corr.root && (f.params?.node === node || f.subject === node || f.subject.startsWith(`${node}/`) || f.subject.startsWith(`${node}:`)))
          .map((f) => ({ cause: f.cause, subject: f.subject, message: red(f.message), ...(f.check ? { check: f.check } : {}) }))
      : [];
    diagnosed.push({
      namespace: ns,
      pod: pod.metadata.name,
      ...(node ? { node } : {}),
      nodeType: node ? (nodeType.get(node) ?? 'unknown') : 'unknown',
      containers: containers.map((c) => ({ ...c, message: red(c.message) })),
      cause: corr.root,
      confidence: corr.rule ? 'high' : symptomC.confidence,
      symptom: symptomC.cause,
      rule: symptomC.rule,
      ...(corr.rule && corr.prior ? { correlation: { rule: corr.rule.id, prior: corr.prior.cause, subject: corr.prior.subject, ...(corr.prior.check ? { check: corr.prior.check } : {}) } } : {}),
      evidence: { message: red(best?.text ?? containers[0]?.message ?? ''), source: best?.source ?? 'status', events: evEvidence, ...(cluster ? { pullSecrets: cluster.evidence } : {}), ...(withTarget ? {} : { targetWouldAdd: targetWouldAdd(corr.root) }) },
      ...(reading ? { reading } : {}),
      ...(!corr.rule && symptomC.alternatives?.length ? { alternatives: { causes: symptomC.alternatives, ...(symptomC.distinguish ? { distinguish: symptomC.distinguish } : {}) } } : {}),
      ...(nodeWarnings.length ? { nodeWarnings } : {}),
      remediation: { summary: '', steps: [], docs: [] },
    });
    const image = containers[0]?.image || symptomC.params.image;
    const host = (image ? registryOf(image) : undefined) ?? symptomC.params.host;
    // Redacted here (memoised per text), so each pod's remediation can be rendered without another pass.
    // Memoised per classification (itself memoised per text): pods sharing a message share these params.
    let symptomParams = symptomParamsMemo.get(symptomC);
    if (!symptomParams) {
      symptomParams = Object.fromEntries(Object.entries(symptomC.params).map(([k, v]) => [k, typeof v === 'string' ? (k === 'detail' ? red(v).slice(0, 500) : red(v)) : v]));
      symptomParamsMemo.set(symptomC, symptomParams);
    }
    paramsOf.set(
      diagnosed[diagnosed.length - 1]!,
      podFindingParams({ namespace: ns, pod: pod.metadata.name, ...(node ? { node } : {}), ...(image ? { image } : {}), ...(host ? { host } : {}) }, symptomParams, corr.rule ? corr.prior : undefined),
    );
  };
  const pres: Pre[] = [];
  for (const f of failing) {
    const pre = symptomOf(f.pod, f.containers, false);
    if (pre) pres.push(pre);
  }
  for (const p of pending) {
    const pre = symptomOf(p, [], true);
    if (pre) pres.push(pre);
  }
  phase('classify');
  // The correlation: a run already under way (awaited now, it overlapped the lists), or one
  // started for the symptoms pass 1 found (only the suites that can explain them run).
  const correlation = typeof opts.correlation === 'function' ? await opts.correlation([...new Set(pres.map((x) => x.symptomC.cause))]) : opts.correlation ? await opts.correlation : undefined;
  if (correlation) {
    phase('correlation');
    opts.onProgress?.({ phase: 'correlated' });
  }
  priorsRaw = correlation ? correlation.findings : typeof opts.priorFindings === 'function' ? opts.priorFindings() : (opts.priorFindings ?? []);
  priors = priorsRaw.map(priorFacts);
  withTarget = opts.withTarget ?? priorsRaw.length > 0;
  verifiedHosts = new Set([...(opts.verifiedHosts ?? []), ...(correlation?.verifiedHosts ?? [])].map(normalizeHost));
  // Pull-secret evidence needs no target: the namespaces of pods whose symptom a secret can
  // explain get one list of secrets and one of service accounts each (read-only, concurrent, bounded).
  const nsCluster = new Map<string, NamespaceSecrets>();
  const wantNs = [...new Set(pres.filter((x) => x.containers.length && SECRET_SYMPTOMS.has(x.symptomC.cause)).map((x) => x.ns))];
  let nextNs = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, wantNs.length) }, async () => {
      while (nextNs < wantNs.length) {
        const ns = wantNs[nextNs++]!;
        nsCluster.set(ns, await readNamespaceSecrets(kube, ns, limit, signal));
      }
    }),
  );
  phase('secrets');
  const secretFacts = (pod: Pod, ns: string, containers: DiagnosedContainer[]) => judgeSecrets(pod, ns, containers, nsCluster.get(ns));
  for (const pre of pres) analyse(pre);
  phase('analyse');
  diagnosed.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));

  // Groups and per-(cause, namespace) findings; each pod's remediation is its group's.
  const groups = new Map<CauseId, DiagnoseGroup>();
  const byNode: DiagnoseReport['byNode'] = {};
  const byNodeType: DiagnoseReport['byNodeType'] = { hybrid: {}, cloud: {}, unknown: {} };
  const byNamespace: DiagnoseReport['byNamespace'] = {};
  const inc = (m: Partial<Record<CauseId, number>>, c: CauseId) => {
    m[c] = (m[c] ?? 0) + 1;
  };
  const perNs = new Map<string, DiagnosedPod[]>();
  for (const d of diagnosed) {
    let g = groups.get(d.cause);
    if (!g) groups.set(d.cause, (g = { cause: d.cause, count: 0, pods: [], nodes: [], nodeTypes: [], namespaces: [] }));
    g.count++;
    g.pods.push(`${d.namespace}/${d.pod}`);
    if (d.node && !g.nodes.includes(d.node)) g.nodes.push(d.node);
    if (!g.nodeTypes.includes(d.nodeType)) g.nodeTypes.push(d.nodeType);
    if (!g.namespaces.includes(d.namespace)) g.namespaces.push(d.namespace);
    inc((byNode[d.node ?? '(unscheduled)'] ??= {}), d.cause);
    inc(byNodeType[d.nodeType], d.cause);
    inc((byNamespace[d.namespace] ??= {}), d.cause);
    const key = `${d.cause}\u0000${d.namespace}`;
    let l = perNs.get(key);
    if (!l) perNs.set(key, (l = []));
    l.push(d);
  }
  const findings: Finding[] = [];
  for (const list of perNs.values()) {
    const first = list[0]!;
    const f = finding(first.cause, {
      subject: list.length === 1 ? `${first.namespace}/${first.pod}` : `${first.namespace}/${first.pod} (+${list.length - 1} more)`,
      params: { ...paramsOf.get(first), count: list.length },
      evidence: {
        pods: list.slice(0, 50).map((d) => `${d.namespace}/${d.pod}`),
        nodes: [...new Set(list.map((d) => d.node).filter(Boolean))].slice(0, 50),
        symptom: first.symptom,
        rule: first.rule,
        ...(first.correlation ? { correlation: first.correlation } : {}),
        message: first.evidence.message,
        events: first.evidence.events,
        ...(first.evidence.pullSecrets ? { pullSecrets: first.evidence.pullSecrets } : {}),
        ...(first.evidence.targetWouldAdd ? { targetWouldAdd: first.evidence.targetWouldAdd } : {}),
      },
    });
    findings.push(f);
    // Each pod's steps name that pod (kubectl -n NS get pod POD), not the group's first one.
    // Params are redacted already: the pull error's in analyse(), a prior finding's when it was built.
    for (const d of list) d.remediation = d === first ? f.remediation : renderRemediation(d.cause, paramsOf.get(d) ?? {});
  }

  return {
    scope: { ...(namespace ? { namespace } : {}), ...(opts.pod ? { pod: opts.pod } : {}), allNamespaces: all },
    pods: diagnosed,
    groups: [...groups.values()].sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause)),
    byNode,
    byNodeType,
    byNamespace,
    findings,
    stats: { podsScanned, eventsScanned, eventsKept, ms: Math.round(performance.now() - started), truncated, ...(eventsUnavailable ? { eventsUnavailable } : {}), phasesMs: (phase('group'), phasesMs) },
  };
}

/** A namespace's secrets (referenced or of a pull-secret type, parsed) and service accounts' imagePullSecrets. */
interface NamespaceSecrets {
  /** name → parsed pull secret (any type: a wrong type is a problem of the parse). */
  secrets: Map<string, ParsedPullSecret>;
  /** service account name → its imagePullSecrets. */
  serviceAccounts: Map<string, string[]>;
  unavailable?: string;
}

/**
 * One list of the namespace's secrets and one of its service accounts (GETs only). Secret data is
 * parsed in memory, every value registered with the redactor (parsePullSecret); only names and
 * `auths` keys leave this function. A 403 (an identity that may not read secrets) is evidence
 * that is missing, not an error: the pod keeps its symptom.
 */
async function readNamespaceSecrets(kube: KubeClient, ns: string, limit: number, signal: AbortSignal | undefined): Promise<NamespaceSecrets> {
  const out: NamespaceSecrets = { secrets: new Map(), serviceAccounts: new Map() };
  const base = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
  try {
    await kube.listEach<Secret>(
      `${base}/secrets`,
      (s) => {
        // Other types are kept as a bare type: a reference to a TLS or Opaque secret is "malformed".
        const pull = (PULL_SECRET_TYPES as readonly string[]).includes(s.type ?? '');
        out.secrets.set(s.metadata.name, parsePullSecret(pull ? s : { metadata: s.metadata, ...(s.type ? { type: s.type } : {}) }));
      },
      { what: `list secrets in ${ns}`, limit, ...(signal ? { signal } : {}) },
    );
    await kube.listEach<ServiceAccount>(`${base}/serviceaccounts`, (sa) => out.serviceAccounts.set(sa.metadata.name, (sa.imagePullSecrets ?? []).map((r) => r.name ?? '').filter(Boolean)), { what: `list serviceaccounts in ${ns}`, limit, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (!(err instanceof KubeApiError) || (err.kind !== 'forbidden' && err.kind !== 'unauthorized')) throw err;
    out.unavailable = `${err.kind} (${err.kind === 'forbidden' ? 'the identity may not list secrets or service accounts' : 'not authenticated'} in ${ns})`;
  }
  return out;
}

/**
 * The kubelet's view of a pod's pull credentials, from the cluster alone: which secrets it
 * references (pod + service account), which exist, which `auths` key serves the image (kubelet
 * keyring rules, authKeyMatches). Returns the prior a target's pull-secret checks would have
 * produced, so the correlation table decides the same way in both modes:
 * none referenced → credentials-missing (or not-attached when a matching secret sits unused);
 * a referenced one absent (and none serves the image) → pull-secret-missing; wrong type /
 * undecodable → pull-secret-malformed; present but no key for the host → registry-mismatch;
 * a key that serves it with a mangled robot name → robot-name-mangled; otherwise nothing
 * (the credentials themselves are wrong: credentials-invalid stays).
 */
function judgeSecrets(pod: Pod, ns: string, containers: DiagnosedContainer[], nsData: NamespaceSecrets | undefined): { priors: PriorFacts[]; evidence: PullSecretEvidence } | undefined {
  const sa = pod.spec?.serviceAccountName || 'default';
  const own = podSecrets(pod);
  const referenced = [...new Set([...own, ...(nsData?.serviceAccounts.get(sa) ?? [])])];
  const evidence: PullSecretEvidence = { referenced, serviceAccount: sa, keys: {} };
  if (!nsData || nsData.unavailable) return { priors: [], evidence: { ...evidence, unavailable: nsData?.unavailable ?? 'not read' } };
  for (const n of referenced) evidence.keys[n] = nsData.secrets.has(n) ? nsData.secrets.get(n)!.entries.map((e) => e.key) : null;
  const refs = parseRef(containers[0]!.image);
  if (!refs.ok) return { priors: [], evidence };
  const host = refs.ref.domain;
  const repository = refs.ref.repository;
  const src = 'cluster/pull-secrets';
  const prior = (cause: CauseId, params: FindingParams, secret?: string): PriorFacts => ({ cause, namespace: ns, host: normalizeHost(host), ...(secret ? { secret } : {}), subject: secret ? `${ns}/secret/${secret}` : `${ns}/${pod.metadata.name}`, check: src, params });
  if (referenced.length === 0) {
    const unattached = [...nsData.secrets].filter(([, p]) => matchingEntry(p.entries, host, repository)).map(([n]) => n);
    if (unattached.length) return { priors: [prior('auth.pull-secret-not-attached', { namespace: ns, pod: pod.metadata.name, secretName: unattached[0]!, host })], evidence: { ...evidence, unattached } };
    return { priors: [prior('auth.credentials-missing', { host, image: containers[0]!.image, namespace: ns, pod: pod.metadata.name, detail: `no imagePullSecrets on pod ${ns}/${pod.metadata.name} or its service account ${sa}, and no pull secret for ${host} in the namespace` })], evidence };
  }
  // The kubelet uses every referenced secret it can read; one that serves the image decides.
  for (const n of referenced) {
    const e = matchingEntry(nsData.secrets.get(n)?.entries ?? [], host, repository);
    if (!e) continue;
    const expected = mangledRobot(e.username ?? '');
    return expected ? { priors: [prior('auth.robot-name-mangled', { robot: e.username ?? '', secretName: n, namespace: ns, host }, n)], evidence } : { priors: [], evidence };
  }
  const absent = referenced.find((n) => !nsData.secrets.has(n));
  if (absent) return { priors: [prior('auth.pull-secret-missing', { namespace: ns, pod: pod.metadata.name, secretName: absent, detail: own.includes(absent) ? 'referenced by the pod' : `referenced by service account ${sa}` }, absent)], evidence };
  const malformed = referenced.find((n) => nsData.secrets.get(n)!.entries.length === 0);
  if (malformed) {
    const pr = nsData.secrets.get(malformed)!.problems[0];
    return { priors: [prior('auth.pull-secret-malformed', { namespace: ns, secretName: malformed, ...(pr ? { field: pr.field, detail: pr.detail } : {}) }, malformed)], evidence };
  }
  const keys = referenced.flatMap((n) => nsData.secrets.get(n)!.entries.map((e) => e.key));
  return { priors: [prior('auth.pull-secret-registry-mismatch', { namespace: ns, pod: pod.metadata.name, secretName: referenced[0]!, host, expected: keys.join(', ') }, referenced[0])], evidence };
}
