/**
 * Kubelet parts of a NodeConfig: `spec.kubelet.flags` and `spec.kubelet.config`.
 * Problems come back as `{ field, detail }`; the caller turns them into node.nodeconfig-invalid.
 */
export interface Problem { field: string; detail: string }

/**
 * Labels a kubelet may set on its own Node (k8s.io/kubelet/pkg/apis IsKubeletLabel): anything
 * outside kubernetes.io / k8s.io, these well-known labels, and the kubelet.kubernetes.io and
 * node.kubernetes.io namespaces. Any other kubernetes.io / k8s.io label (node-role.kubernetes.io/*
 * included) makes kubelet refuse to start ("unknown 'kubernetes.io' or 'k8s.io' labels specified
 * with --node-labels"), and NodeRestriction would reject it anyway.
 */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'kubernetes.io/arch', 'kubernetes.io/os', 'beta.kubernetes.io/arch', 'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region', 'topology.kubernetes.io/zone',
]);
const KUBELET_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function restricted(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return false;
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const ns = key.slice(0, slash);
  const k8sNs = ns === 'kubernetes.io' || ns.endsWith('.kubernetes.io') || ns === 'k8s.io' || ns.endsWith('.k8s.io');
  if (!k8sNs) return false;
  return !KUBELET_NAMESPACES.some((n) => ns === n || ns.endsWith(`.${n}`));
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Flags as nodeadm passes them: `--name=value` (also `--name value` pairs). */
export function parseFlags(flags: string[]): { name: string; value: string; index: number }[] {
  const out: { name: string; value: string; index: number }[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!.trim();
    const m = /^--?([A-Za-z0-9-]+)(?:=(.*))?$/.exec(f);
    if (!m) { out.push({ name: '', value: f, index: i }); continue; }
    out.push({ name: m[1]!, value: m[2] ?? '', index: i });
  }
  return out;
}

/**
 * Lints kubelet flags. The hybrid label `eks.amazonaws.com/compute-type=hybrid` is not required
 * here: hybrid nodeadm always adds `--node-labels=eks.amazonaws.com/compute-type=hybrid`
 * (aws/eks-hybrid internal/kubelet/config.go withHybridNodeLabels) and kubelet merges repeated
 * --node-labels flags, so user labels add to it.
 */
export function lintKubeletFlags(flags: string[], hybrid: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const f of parseFlags(flags)) {
    const field = `spec.kubelet.flags[${f.index}]`;
    if (!f.name) { problems.push({ field, detail: `"${f.value}" is not a --flag=value argument` }); continue; }
    if (hybrid && f.name === 'hostname-override') {
      // aws/eks-hybrid internal/node/hybrid/validator.go refuses it; the node name comes from the credential provider.
      problems.push({ field, detail: 'hostname-override kubelet flag is not supported for hybrid nodes (nodeadm sets the node name itself)' });
    }
    if (f.name !== 'node-labels') continue;
    if (f.value.trim() === '') { problems.push({ field, detail: '--node-labels without labels' }); continue; }
    for (const pair of f.value.split(',')) {
      const [key = '', ...rest] = pair.split('=');
      const value = rest.join('=');
      const k = key.trim();
      const slash = k.lastIndexOf('/');
      const prefix = slash >= 0 ? k.slice(0, slash) : '';
      const name = slash >= 0 ? k.slice(slash + 1) : k;
      if (!NAME.test(name) || (prefix && (!PREFIX.test(prefix) || prefix.length > 253))) problems.push({ field, detail: `label key "${k}" is not a valid qualified name` });
      else if (value.length > 63 || !VALUE.test(value)) problems.push({ field, detail: `label ${k} has an invalid value "${value}"` });
      else if (restricted(k)) problems.push({ field, detail: `label ${k} is in a kubernetes.io/k8s.io namespace kubelet may not set on itself (kubelet refuses to start; NodeRestriction forbids it); set node-role labels from the control plane instead` });
    }
  }
  return problems;
}

type Kind = 'int' | 'bool' | 'duration' | 'string' | 'object' | 'array' | 'number' | 'quantityMap';
/**
 * KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields and the JSON type each must have.
 * nodeadm merges `spec.kubelet.config` into its generated KubeletConfiguration; a misspelt field
 * is dropped by kubelet's lenient decoding or fails strict decoding, either way not what was meant.
 */
export const KUBELET_FIELDS: Record<string, Kind> = {
  apiVersion: 'string', kind: 'string', enableServer: 'bool', staticPodPath: 'string', podLogsDir: 'string', syncFrequency: 'duration',
  fileCheckFrequency: 'duration', httpCheckFrequency: 'duration', staticPodURL: 'string', staticPodURLHeader: 'object', address: 'string',
  port: 'int', readOnlyPort: 'int', tlsCertFile: 'string', tlsPrivateKeyFile: 'string', tlsCipherSuites: 'array', tlsMinVersion: 'string',
  rotateCertificates: 'bool', serverTLSBootstrap: 'bool', authentication: 'object', authorization: 'object', registryPullQPS: 'int',
  registryBurst: 'int', imagePullCredentialsVerificationPolicy: 'string', preloadedImagesVerificationAllowlist: 'array',
  eventRecordQPS: 'int', eventBurst: 'int', enableDebuggingHandlers: 'bool', enableContentionProfiling: 'bool', healthzPort: 'int',
  healthzBindAddress: 'string', oomScoreAdj: 'int', clusterDomain: 'string', clusterDNS: 'array', streamingConnectionIdleTimeout: 'duration',
  nodeStatusUpdateFrequency: 'duration', nodeStatusReportFrequency: 'duration', nodeLeaseDurationSeconds: 'int', imageMinimumGCAge: 'duration',
  imageMaximumGCAge: 'duration', imageGCHighThresholdPercent: 'int', imageGCLowThresholdPercent: 'int', volumeStatsAggPeriod: 'duration',
  kubeletCgroups: 'string', systemCgroups: 'string', cgroupRoot: 'string', cgroupsPerQOS: 'bool', cgroupDriver: 'string',
  cpuManagerPolicy: 'string', singleProcessOOMKill: 'bool', cpuManagerPolicyOptions: 'object', cpuManagerReconcilePeriod: 'duration',
  memoryManagerPolicy: 'string', topologyManagerPolicy: 'string', topologyManagerScope: 'string', topologyManagerPolicyOptions: 'object',
  qosReserved: 'object', runtimeRequestTimeout: 'duration', hairpinMode: 'string', maxPods: 'int', podCIDR: 'string', podPidsLimit: 'int',
  resolvConf: 'string', runOnce: 'bool', cpuCFSQuota: 'bool', cpuCFSQuotaPeriod: 'duration', nodeStatusMaxImages: 'int', maxOpenFiles: 'int',
  contentType: 'string', kubeAPIQPS: 'int', kubeAPIBurst: 'int', serializeImagePulls: 'bool', maxParallelImagePulls: 'int',
  evictionHard: 'object', evictionSoft: 'object', evictionSoftGracePeriod: 'object', evictionPressureTransitionPeriod: 'duration',
  evictionMaxPodGracePeriod: 'int', evictionMinimumReclaim: 'object', mergeDefaultEvictionSettings: 'bool', podsPerCore: 'int',
  enableControllerAttachDetach: 'bool', protectKernelDefaults: 'bool', makeIPTablesUtilChains: 'bool', iptablesMasqueradeBit: 'int',
  iptablesDropBit: 'int', featureGates: 'object', failSwapOn: 'bool', memorySwap: 'object', containerLogMaxSize: 'string',
  containerLogMaxFiles: 'int', containerLogMaxWorkers: 'int', containerLogMonitorInterval: 'duration', configMapAndSecretChangeDetectionStrategy: 'string',
  systemReserved: 'quantityMap', kubeReserved: 'quantityMap', reservedSystemCPUs: 'string', showHiddenMetricsForVersion: 'string',
  systemReservedCgroup: 'string', kubeReservedCgroup: 'string', enforceNodeAllocatable: 'array', allowedUnsafeSysctls: 'array',
  volumePluginDir: 'string', providerID: 'string', kernelMemcgNotification: 'bool', logging: 'object', enableSystemLogHandler: 'bool',
  enableSystemLogQuery: 'bool', shutdownGracePeriod: 'duration', shutdownGracePeriodCriticalPods: 'duration',
  shutdownGracePeriodByPodPriority: 'array', crashLoopBackOff: 'object', reservedMemory: 'array', enableProfilingHandler: 'bool',
  enableDebugFlagsHandler: 'bool', seccompDefault: 'bool', memoryThrottlingFactor: 'number', registerWithTaints: 'array', registerNode: 'bool',
  tracing: 'object', localStorageCapacityIsolation: 'bool', containerRuntimeEndpoint: 'string', imageServiceEndpoint: 'string',
  failCgroupV1: 'bool', userNamespaces: 'object',
};

const DURATION = /^(0|[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+)$/;

export function lintKubeletConfig(config: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(config)) {
    const field = `spec.kubelet.config.${key}`;
    const kind = KUBELET_FIELDS[key];
    if (!kind) {
      const near = Object.keys(KUBELET_FIELDS).find((k) => k.toLowerCase() === key.toLowerCase());
      problems.push({ field, detail: `unknown KubeletConfiguration field${near ? ` (did you mean ${near}?)` : ''}` });
      continue;
    }
    const bad = (want: string) => problems.push({ field, detail: `must be ${want}, got ${JSON.stringify(value)}` });
    switch (kind) {
      case 'int': if (typeof value !== 'number' || !Number.isInteger(value)) bad('an integer'); else if (key === 'maxPods' && value < 1) bad('at least 1'); break;
      case 'number': if (typeof value !== 'number') bad('a number'); break;
      case 'bool': if (typeof value !== 'boolean') bad('true or false'); break;
      case 'duration': if (typeof value !== 'string' || !DURATION.test(value)) bad('a duration such as 30s or 1m30s'); break;
      case 'string': if (typeof value !== 'string') bad('a string'); break;
      case 'array': if (!Array.isArray(value)) bad('a list'); break;
      case 'object': if (!value || typeof value !== 'object' || Array.isArray(value)) bad('a mapping'); break;
      case 'quantityMap':
        if (!value || typeof value !== 'object' || Array.isArray(value)) bad('a mapping of resource to quantity');
        else for (const [r, q] of Object.entries(value)) if (typeof q !== 'string' || !/^[0-9.]+([eE][-+]?\d+|[numkMGTPE]i?|Ki)?$/.test(q)) problems.push({ field: `${field}.${r}`, detail: `"${String(q)}" is not a resource quantity` });
        break;
    }
  }
  const s = config.shutdownGracePeriod, c = config.shutdownGracePeriodCriticalPods;
  if (typeof c === 'string' && typeof s !== 'string' && DURATION.test(c)) problems.push({ field: 'spec.kubelet.config.shutdownGracePeriodCriticalPods', detail: 'set without shutdownGracePeriod' });
  return problems;
}
