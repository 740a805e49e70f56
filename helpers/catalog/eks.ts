import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS } from './links.ts';

/**
 * EKS cluster configuration causes for hybrid nodes.
 *
 * Params: `node`, `address` (node InternalIP or pod IP), `addresses` (the configured CIDRs,
 * comma list), `value` (the offending CIDR), `detail`, `version` (kubelet/nodeadm version),
 * `expected` (cluster version / allowed range), `name` (cluster name); for insights `insight` (its
 * name), `id`, `status` (ERROR / WARNING), `detail` (AWS's reason) and `recommendation` (AWS's text).
 */
export const EKS_PARAMS: AreaParams<'eks'> = {
  'eks.remote-node-network-mismatch': ['node', 'address', 'addresses'],
  'eks.remote-pod-network-mismatch': ['node', 'address', 'addresses'],
  'eks.remote-network-invalid': ['value', 'detail'],
  'eks.endpoint-public-and-private': ['name'],
  'eks.version-skew': ['node', 'version', 'expected'],
  'eks.insight-failing': ['name', 'insight', 'id', 'status', 'detail', 'recommendation'],
};

const describe = 'Show the configuration: `aws eks describe-cluster --name CLUSTER --query "cluster.remoteNetworkConfig"`.';

export const eks: AreaCatalog<'eks'> = {
  'eks.remote-node-network-mismatch': {
    title: 'Hybrid node outside remoteNodeNetworks',
    message: '[[Node {node}||A hybrid node]] has an InternalIP[[ ({address})]] outside remoteNodeNetworks[[ {addresses}]]',
    explanation: 'The EKS control plane routes to hybrid nodes (kubelet port 10250 for logs/exec, webhooks) only inside remoteNodeNetworks; a node outside them registers but logs, exec and port-forward fail, and the cluster security group does not allow it.',
    remediation: {
      summary: 'Add the node CIDR to remoteNodeNetworks or fix the node IP the kubelet reports.',
      steps: [describe, '`aws eks update-cluster-config --name CLUSTER --remote-network-config \'{"remoteNodeNetworks":[{"cidrs":["10.80.0.0/16"]}]}\'`.', 'If the node picked the wrong interface, set kubelet `--node-ip` via NodeConfig kubelet flags.'],
      docs: [DOCS.eksHybridNetworking, DOCS.eksRemoteNetworkApi],
    },
  },
  'eks.remote-pod-network-mismatch': {
    title: 'Hybrid pods outside remotePodNetworks',
    message: '[[Pod IP or CIDR {address}||A pod IP or CIDR]][[ on node {node}]] is outside remotePodNetworks[[ {addresses}]]',
    explanation: 'Webhooks and services reached from the control plane or the VPC need the on-prem pod CIDR declared in remotePodNetworks and routed; otherwise admission webhooks on hybrid nodes time out and cross-boundary traffic fails.',
    remediation: {
      summary: 'Declare the CNI pod CIDR in remotePodNetworks and route it from the VPC.',
      steps: [describe, 'Compare with the CNI pool (`kubectl get ciliumnodes -o wide` / Calico IPPools).', 'Update with `aws eks update-cluster-config --remote-network-config ...` including remotePodNetworks.'],
      docs: [DOCS.eksHybridNetworking, DOCS.eksHybridWebhooks, DOCS.eksHybridCni],
    },
  },
  'eks.remote-network-invalid': {
    title: 'Remote network CIDR invalid',
    message: '[[Remote network {value}||A remote network]] is not acceptable[[: {detail}]]',
    explanation: 'Remote node/pod networks must be IPv4 RFC 1918 ranges between /8 and /32, must not overlap the VPC CIDRs or the service CIDR, and are limited in number; EKS rejects or misroutes invalid ones.',
    remediation: {
      summary: 'Use private, non-overlapping CIDRs for remote node and pod networks.',
      steps: [describe, 'Check overlap with `aws ec2 describe-vpcs --vpc-ids VPC --query "Vpcs[].CidrBlockAssociationSet"` and the service CIDR (`cluster.kubernetesNetworkConfig`).'],
      docs: [DOCS.eksRemoteNetworkApi, DOCS.eksHybridNetworking],
    },
  },
  'eks.endpoint-public-and-private': {
    title: 'Cluster endpoint both public and private',
    message: '[[Cluster {name}||The cluster]] has both public and private endpoint access enabled',
    explanation: 'With both enabled, the endpoint name resolves to public IPs outside the VPC; on-prem hybrid nodes then reach the API server over the internet instead of the VPN/Direct Connect unless they resolve through VPC DNS.',
    remediation: {
      summary: 'Use private-only endpoint access, or make on-prem DNS resolve the endpoint to its private IPs.',
      steps: ['`aws eks describe-cluster --name {name} --query "cluster.resourcesVpcConfig"`.', 'Forward the endpoint domain to a Route 53 Resolver inbound endpoint, or disable public access.'],
      docs: [DOCS.eksEndpoint, DOCS.eksHybridConceptsK8s],
    },
  },
  'eks.version-skew': {
    title: 'Kubelet / cluster version skew',
    message: '[[Node {node}||A node]] runs a version[[ ({version})]] outside the supported skew[[ for cluster {expected}]]',
    explanation: 'The kubelet may be up to three minor versions older than the API server and never newer; nodeadm installs the kubelet for the version given to `nodeadm install`.',
    remediation: {
      summary: 'Upgrade (or reinstall) the node components to a version supported by the cluster.',
      steps: ['`kubectl get nodes -o wide` and `aws eks describe-cluster --query cluster.version`.', '`sudo nodeadm upgrade <k8s version> --config-source file://nodeconfig.yaml`.'],
      docs: [DOCS.k8sSkew, DOCS.eksHybridNodeadm, DOCS.eksVersions],
    },
  },
  'eks.insight-failing': {
    title: 'EKS cluster insight failing',
    message: '[[EKS insight "{insight}"||An EKS cluster insight]] is {status|not passing}[[ for cluster {name}]][[: {detail}]]',
    explanation: 'EKS cluster insights are checks AWS runs on the cluster itself: configuration insights detect EKS Hybrid Nodes misconfigurations (ERROR: likely breaking the cluster, WARNING: not the documented setup), upgrade insights detect what blocks the next Kubernetes version. This finding repeats AWS\'s own reason and recommendation.',
    remediation: {
      summary: 'Follow AWS\'s recommendation for the insight, then refresh the insights.',
      steps: [
        'AWS recommends: {recommendation}',
        '`aws eks describe-insight --cluster-name {name|<cluster>} --id {id}` (affected resources, more information).',
        'After fixing: `aws eks start-insights-refresh --cluster-name {name|<cluster>}`, then `aws eks list-insights --cluster-name {name|<cluster>}`.',
      ],
      docs: [DOCS.eksClusterInsights, DOCS.eksDescribeInsightApi, DOCS.eksHybridTroubleshooting],
    },
  },
};
