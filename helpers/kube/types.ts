/**
 * The subset of Kubernetes objects hybrid-doctor reads, as the API server sends them (raw JSON:
 * timestamps are RFC 3339 strings). Kept minimal on purpose: the raw list path
 * (KubeClient.listAll) hands these back without client-side deserialization.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  resourceVersion?: string;
  ownerReferences?: { kind: string; name: string; uid: string }[];
}

export interface LocalRef {
  name?: string;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  imagePullPolicy?: string;
}

export interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number };
  };
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: {
    nodeName?: string;
    serviceAccountName?: string;
    imagePullSecrets?: LocalRef[];
    containers?: ContainerSpec[];
    initContainers?: ContainerSpec[];
    ephemeralContainers?: ContainerSpec[];
    nodeSelector?: Record<string, string>;
  };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    hostIP?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface Node {
  metadata: ObjectMeta;
  spec?: { podCIDR?: string; podCIDRs?: string[]; unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: {
    addresses?: { type: string; address: string }[];
    conditions?: { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string }[];
    nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string; architecture?: string; operatingSystem?: string; osImage?: string; kernelVersion?: string };
  };
}

/** core/v1 Event (events.k8s.io/v1 objects are normalised into this shape by normalizeEvent). */
export interface CoreEvent {
  metadata: ObjectMeta;
  involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

/** events.k8s.io/v1 Event: `regarding` / `note` / `deprecatedCount`. */
export interface EventsV1Event {
  metadata: ObjectMeta;
  regarding?: { kind?: string; namespace?: string; name?: string; uid?: string; fieldPath?: string };
  reason?: string;
  note?: string;
  type?: string;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  deprecatedCount?: number;
  deprecatedFirstTimestamp?: string | null;
  deprecatedLastTimestamp?: string | null;
  reportingController?: string;
  reportingInstance?: string;
}

export interface Secret {
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
}

export interface ServiceAccount {
  metadata: ObjectMeta;
  imagePullSecrets?: LocalRef[];
}

export interface ConfigMap {
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

/** One event as diagnose uses it, whichever API it came from. */
/**
 * Container waiting reasons that mean the image pull failed (kubelet, CRI). Shared by diagnose,
 * the boundary check and the probe runner; lives here, below all of them.
 */
export const PULL_WAITING_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'ImageInspectError', 'RegistryUnavailable', 'SignatureValidationFailed']);

export interface PodEvent {
  uid?: string;
  namespace?: string;
  name?: string;
  reason: string;
  message: string;
  type: string;
  /** Occurrences (core `count`, `series.count`, or `deprecatedCount`); at least 1. */
  count: number;
  /** Latest time seen (lastTimestamp / series.lastObservedTime / eventTime), epoch ms (0 unknown). */
  last: number;
  fieldPath?: string;
}

function ms(...ts: (string | null | undefined)[]): number {
  for (const t of ts) {
    if (t) {
      const v = Date.parse(t);
      if (!Number.isNaN(v)) return v;
    }
  }
  return 0;
}

/** Normalises a core/v1 or events.k8s.io/v1 event (aggregated `count` and `series` included). */
export function normalizeEvent(e: CoreEvent | EventsV1Event): PodEvent {
  if ('regarding' in e || 'note' in e || 'deprecatedCount' in e) {
    const v = e as EventsV1Event;
    return {
      uid: v.regarding?.uid,
      namespace: v.regarding?.namespace ?? v.metadata.namespace,
      name: v.regarding?.name,
      reason: v.reason ?? '',
      message: v.note ?? '',
      type: v.type ?? '',
      count: Math.max(1, v.series?.count ?? v.deprecatedCount ?? 1),
      last: ms(v.series?.lastObservedTime, v.deprecatedLastTimestamp, v.eventTime, v.metadata.creationTimestamp),
      ...(v.regarding?.fieldPath ? { fieldPath: v.regarding.fieldPath } : {}),
    };
  }
  const c = e as CoreEvent;
  return {
    uid: c.involvedObject?.uid,
    namespace: c.involvedObject?.namespace ?? c.metadata.namespace,
    name: c.involvedObject?.name,
    reason: c.reason ?? '',
    message: c.message ?? '',
    type: c.type ?? '',
    count: Math.max(1, c.series?.count ?? c.count ?? 1),
    last: ms(c.series?.lastObservedTime, c.lastTimestamp, c.eventTime, c.firstTimestamp, c.metadata.creationTimestamp),
    ...(c.involvedObject?.fieldPath ? { fieldPath: c.involvedObject.fieldPath } : {}),
  };
}

/** `key=value` or `key` (exists) or `key!=value` selector test against labels. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const ne = term.split('!=');
      if (ne.length === 2) return l[ne[0]!.trim()] !== ne[1]!.trim();
      const eq = term.split(/==?/);
      if (eq.length === 2) return l[eq[0]!.trim()] === eq[1]!.trim();
      if (term.startsWith('!')) return !(term.slice(1) in l);
      return term in l;
    });
}

export function internalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

export function nodeReady(node: Node): { ready: boolean; reason?: string; message?: string } {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return { ready: false, reason: 'NoReadyCondition' };
  return { ready: c.status === 'True', ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
}
