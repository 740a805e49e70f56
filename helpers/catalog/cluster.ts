import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Cluster-level causes.
 *
 * Params: `node`, `name` (webhook configuration / component name), `namespace`, `url`
 * (webhook service/URL), `status` (node condition status), `detail`.
 */
export const CLUSTER_PARAMS: AreaParams<'cluster'> = {
  'cluster.coredns-one-side': ['node', 'detail'],
  'cluster.webhook-unreachable': ['name', 'url', 'detail'],
  'cluster.node-not-ready': ['node', 'status', 'detail'],
  'cluster.api-unreachable': ['url', 'name', 'status', 'detail'],
  'cluster.api-access-denied': ['url', 'name', 'status', 'detail'],
  // live mode: our own probe namespace (helpers/kube/probe-namespace.ts)
  'cluster.probe-cleanup-failed': ['namespace', 'name', 'detail'],
  'cluster.probe-objects-cleanup-failed': ['namespace', 'name', 'detail'],
};

export const cluster: AreaCatalog<'cluster'> = {
  'cluster.coredns-one-side': {
    title: 'CoreDNS runs on one side only',
    message: 'All CoreDNS replicas run on one side of the boundary[[ ({detail})]][[, e.g. on {node}]]',
    explanation: 'If every CoreDNS pod is in the cloud (or on-prem), the other side\'s DNS depends on the VPN/Direct Connect link; a link outage then also breaks name resolution, and latency doubles for every lookup.',
    remediation: {
      summary: 'Spread CoreDNS replicas across hybrid and cloud nodes.',
      steps: ['`kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide`.', 'Add a topologySpreadConstraint on `eks.amazonaws.com/compute-type` to the CoreDNS deployment and raise replicas.'],
      docs: [DOCS.k8sTopologySpread, DOCS.eksHybridConceptsK8s],
      guideStep: GUIDE.dns,
    },
  },
  'cluster.webhook-unreachable': {
    title: 'Admission webhook unreachable from the control plane',
    message: '[[Webhook {name}||A webhook]][[ at {url}]] cannot be reached by the control plane[[ ({detail})]]',
    explanation: 'The EKS control plane calls webhooks over the pod network; webhook pods on hybrid nodes are reachable only when the on-prem pod CIDR is routable and declared in remotePodNetworks. Otherwise API requests hang until the webhook timeout or are rejected (failurePolicy Fail).',
    remediation: {
      summary: 'Run the webhook on cloud nodes, or make hybrid pod CIDRs routable and declared.',
      steps: ['`kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations`; find the backing pods with `kubectl get endpoints -n NS SERVICE -o wide`.', 'Pin webhook pods to cloud nodes (nodeAffinity on `eks.amazonaws.com/compute-type NotIn [hybrid]`) or configure remotePodNetworks + routing.'],
      docs: [DOCS.eksHybridWebhooks, DOCS.k8sWebhooks],
    },
  },
  'cluster.node-not-ready': {
    title: 'Node NotReady',
    message: '[[Node {node}||A node]] is NotReady[[ ({status})]][[: {detail}]]',
    explanation: 'A NotReady node takes no new pods and its pods are evicted after the toleration period; for hybrid nodes the usual causes are a lost link to the control plane, kubelet credentials (SSM/IAM Roles Anywhere) expiring, CNI not running, or containerd down.',
    remediation: {
      summary: 'Read the node conditions and kubelet/containerd logs, then fix the failing component.',
      steps: ['`kubectl describe node {node|<node>}` (Conditions, events).', 'On the node: `journalctl -u kubelet -u containerd --since "30 min ago"` and `sudo nodeadm debug -c file://nodeconfig.yaml`.'],
      docs: [DOCS.k8sNodes, DOCS.eksHybridTroubleshooting],
      guideStep: GUIDE.troubleshooting,
    },
  },
  'cluster.api-unreachable': {
    title: 'Kubernetes API unreachable',
    message: 'The Kubernetes API[[ {url}]][[ (context {name})]] does not answer[[ (HTTP {status})]][[: {detail}]]',
    explanation: 'Cluster-side checks read nodes, pods, events and secrets through the API server of the kubeconfig context in the target. When it cannot be reached, none of them can say anything about the cluster.',
    remediation: {
      summary: 'Point the target at a reachable API server (kubernetes.kubeconfig / kubernetes.context).',
      steps: ['`kubectl[[ --context {name}]] get --raw /readyz` from the same host.', 'Check the endpoint access mode (public/private) and that this host can route to [[{url}||the API server]].'],
      docs: [DOCS.k8sNodes],
      guideStep: GUIDE.troubleshooting,
    },
  },
  'cluster.api-access-denied': {
    title: 'Kubernetes API denies access',
    message: 'The Kubernetes API[[ {url}]][[ (context {name})]] refused access[[: HTTP {status}]][[ ({detail})]]',
    explanation: '401 means the kubeconfig credentials were rejected (expired token, wrong user); 403 means the identity is known but RBAC does not allow a read the checks need (get/list on nodes, pods, events, secrets, serviceaccounts, configmaps).',
    remediation: {
      summary: 'Refresh the kubeconfig credentials or grant read access to the identity hybrid-doctor uses.',
      steps: ['`kubectl --context {name} auth whoami` and `kubectl auth can-i list pods -A`.', 'For EKS, `aws eks update-kubeconfig` and an access entry with a read-only policy.'],
      docs: [DOCS.k8sNodes],
      guideStep: GUIDE.troubleshooting,
    },
  },
  // live mode: our own probe namespace (helpers/kube/probe-namespace.ts)
  'cluster.probe-cleanup-failed': {
    title: 'Probe namespace left behind',
    message: 'hybrid-doctor could not delete its probe namespace[[ {namespace}]][[ in context {name}]][[ ({detail})]]',
    explanation: 'With kubernetes.allowProbes, each probe set runs in a namespace of its own (generateName `<probeNamespace>-probe-`, labelled app.kubernetes.io/managed-by=hybrid-doctor and hybrid-doctor.io/run) that is deleted as soon as the probes are read. This one could not be deleted, so its probe pods and the probe pull secret (the robot credentials) may still be in the cluster. A later run deletes such namespaces once they are 15 minutes old and their run is gone.',
    remediation: {
      summary: 'Delete the probe namespace by hand.',
      steps: ['`kubectl --context {name} delete namespace {namespace}` (add `--kubeconfig FILE` when the target names one).', '`kubectl[[ --context {name}]] get namespaces -l app.kubernetes.io/managed-by=hybrid-doctor` lists every probe namespace still there.'],
      docs: [{ title: 'Kubernetes: Namespaces (deleting a namespace)', url: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/' }],
    },
  },
  'cluster.probe-objects-cleanup-failed': {
    title: 'Probe pods or pull secret left behind',
    message: 'hybrid-doctor could not delete its probe pods or probe pull secret[[ in namespace {namespace}]][[ in context {name}]][[ ({detail})]]',
    explanation: 'With kubernetes.probeNamespaceMode `existing` (in cluster, under a namespaced Role), probe pods and the probe pull secret are created in one existing namespace, labelled app.kubernetes.io/managed-by=hybrid-doctor, hybrid-doctor.io/run and hybrid-doctor.io/instance, and deleted as soon as the probes are read. Some could not be deleted, so probe pods and the probe pull secret (the robot credentials) may still be there. A later run deletes such objects once they are 15 minutes old and their run is gone. The namespace itself is not hybrid-doctor\'s and is never deleted.',
    remediation: {
      summary: 'Delete the probe pods and secret by hand; never the namespace.',
      steps: ['Run the command in this finding\'s evidence (`kubectl … --namespace {namespace} delete pods,secrets -l hybrid-doctor.io/instance=…`).', '`kubectl[[ --context {name}]] get pods,secrets --all-namespaces -l app.kubernetes.io/managed-by=hybrid-doctor -L hybrid-doctor.io/run` lists every probe object still there.'],
      docs: [{ title: 'Kubernetes: Labels and selectors', url: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/' }],
    },
  },
};
