import type { SuiteId } from '../../helpers/checks/check.ts';
import type { CauseId } from '../../helpers/findings/cause-ids.ts';

/**
 * The cluster-side fault matrix (issue 4, "Fault matrix"): each scenario breaks ONE thing, a
 * fresh pod hits it through the real kubelet + containerd, the suites run, and
 * - `pod`: the root cause named for that pod (imagepullbackoff suite), or null when the fault has
 *   no pod-visible pull symptom in this topology (said why in `note`);
 * - `owner` must name `ownerCause` (default: `pod`);
 * - no error/warning finding outside {pod, ownerCause, symptom, ...allowed} anywhere ("the rest green").
 * The fault itself is applied by cluster-faults.test.ts (keyed by `id`).
 */
export interface ClusterScenario {
  id: ClusterScenarioId;
  pod: CauseId | null;
  owner: SuiteId;
  ownerCause?: CauseId;
  /** What the kubelet's pull error itself says (classifier), when correlation names another root cause. */
  symptom?: CauseId;
  /** Other causes the same single fault legitimately produces elsewhere (probe pods on the broken node, …). */
  allowed?: CauseId[];
  note?: string;
}

export type ClusterScenarioId =
  | 'node-ca-removed'
  | 'san-missing-name'
  | 'expired-cert'
  | 'wrong-robot-secret'
  | 'pull-secret-missing'
  | 'tag-missing'
  | 'platform-missing'
  | 'coredns-hosts-removed'
  | 'dns-split-view'
  | 'guide-nodeconfig'
  | 'prevent-vul'
  | 'invalid-reference';

export const CLUSTER_SCENARIOS: ClusterScenario[] = [
  { id: 'node-ca-removed', pod: 'node.ca-not-installed', owner: 'nodes', symptom: 'tls.untrusted-ca' },
  { id: 'san-missing-name', pod: 'tls.hostname-mismatch', owner: 'tls' },
  { id: 'expired-cert', pod: 'tls.expired', owner: 'tls' },
  { id: 'wrong-robot-secret', pod: 'auth.credentials-invalid', owner: 'pull-secrets' },
  { id: 'pull-secret-missing', pod: 'auth.pull-secret-missing', owner: 'pull-secrets' },
  { id: 'tag-missing', pod: 'image.not-found', owner: 'imagepullbackoff' },
  { id: 'platform-missing', pod: 'image.platform-missing', owner: 'imagepullbackoff' },
  {
    id: 'coredns-hosts-removed',
    pod: null,
    owner: 'cluster-dns',
    ownerCause: 'dns.coredns-hosts-missing',
    // the same fault: without its hosts entry CoreDNS answers the name by forwarding, measurably slower
    allowed: ['dns.slow'],
    note: 'kubelet pulls resolve through the node resolver (on-prem DNS), and CoreDNS forwards to it, so no pull fails here; the live Corefile lint is the proof',
  },
  // The node resolver (image pulls) no longer resolves the registry while cluster DNS does.
  { id: 'dns-split-view', pod: 'dns.split-view', owner: 'cluster-dns', allowed: ['dns.servfail', 'dns.timeout', 'dns.nxdomain'] },
  {
    id: 'guide-nodeconfig',
    pod: null,
    owner: 'nodeconfig',
    ownerCause: 'node.containerd-config-conflict',
    // the lint of the guide's NodeConfig itself (one file, the fault) and the node it took down
    allowed: ['cluster.node-not-ready', 'node.nodeconfig-invalid', 'node.containerd-dropin-replaces-cri', 'node.plaintext-registry-credentials'],
    note: 'containerd 1.6.20 refuses `mirrors` next to `config_path`: the CRI plugin does not load, kubelet cannot start, the node goes NotReady and the pod is never pulled',
  },
  { id: 'prevent-vul', pod: 'image.policy-vulnerability', owner: 'imagepullbackoff' },
  { id: 'invalid-reference', pod: 'image.invalid-reference', owner: 'imagepullbackoff' },
];
