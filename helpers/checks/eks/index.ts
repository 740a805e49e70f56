import type { Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { withKube } from '../../kube/context.ts';
import { runNodes } from '../../kube/probe-runner.ts';
import { internalIP, matchesSelector, type Pod } from '../../kube/types.ts';
import { kubeletSkew } from '../nodes/node-facts.ts';
import { cidrContains, cidrsOverlap, cidrWithin, isRfc1918, parseCidr, type Cidr } from './cidr.ts';
import { cidrList, describeCluster } from './describe-cluster.ts';
import { eksInsightsCheck } from './insights.ts';
import { eksNetworkAclsCheck } from './nacls.ts';
import { eksRoutesCheck } from './routes.ts';
import { eksSecurityGroupsCheck } from './security-groups.ts';

/**
 * EKS control-plane view of the hybrid setup (DescribeCluster): remote node/pod networks against
 * what the cluster really has, their validity, endpoint access mode, version skew.
 * Credentials: the SDK's default provider chain (env, shared config/SSO, IMDS...), region from
 * the target; `aws.endpoint` overrides the API endpoint (tests use moto's server mode).
 */

/** DescribeCluster limit per list (EKS API reference: RemoteNodeNetwork / RemotePodNetwork). */
const MAX_CIDRS = 15;

/** Validity of the remote networks alone (RFC 1918, size, overlap with service CIDR / each other). */
export function remoteNetworkProblems(nodeCidrs: string[], podCidrs: string[], serviceCidr?: string, vpcCidrs: string[] = []): { value: string; detail: string }[] {
  const out: { value: string; detail: string }[] = [];
  const svc = serviceCidr ? parseCidr(serviceCidr) : undefined;
  const vpcs = vpcCidrs.map(parseCidr).filter((c): c is Cidr => !!c);
  const parsed: { kind: string; c: Cidr }[] = [];
  for (const [kind, list] of [['remoteNodeNetworks', nodeCidrs], ['remotePodNetworks', podCidrs]] as const) {
    if (list.length > MAX_CIDRS) out.push({ value: list.join(', '), detail: `${kind} has ${list.length} CIDR blocks (at most ${MAX_CIDRS})` });
    for (const text of list) {
      const c = parseCidr(text);
      if (!c) {
        out.push({ value: text, detail: `${kind}: not an IPv4 CIDR` });
        continue;
      }
      if (!isRfc1918(c)) out.push({ value: text, detail: `${kind}: not within RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)` });
      if (c.prefix < 8) out.push({ value: text, detail: `${kind}: larger than /8` });
      if (svc && cidrsOverlap(c, svc)) out.push({ value: text, detail: `${kind}: overlaps the service CIDR ${serviceCidr}` });
      for (const v of vpcs) if (cidrsOverlap(c, v)) out.push({ value: text, detail: `${kind}: overlaps the VPC CIDR ${v.text}` });
      for (const p of parsed) if (cidrsOverlap(c, p.c)) out.push({ value: text, detail: `${kind}: overlaps ${p.kind} ${p.c.text}` });
      parsed.push({ kind, c });
    }
  }
  return out;
}

export const eksClusterCheck: Check = {
  id: 'eks-cluster',
  suite: 'eks',
  title: 'EKS remote networks, endpoint access and version match the hybrid nodes',
  applies: (t) => (t.aws ? (t.kubernetes ? true : 'aws is set but no kubernetes block (nodes cannot be compared)') : 'no aws block in the target'),
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const described = await describeCluster(ctx);
      if ('notChecked' in described) return described.notChecked;
      const { cluster } = described;
      const name = cluster.name ?? ctx.target.aws!.clusterName;
      const findings: Finding[] = [];
      const rn = cluster.remoteNetworkConfig;
      const nodeCidrs = cidrList(rn?.remoteNodeNetworks);
      const podCidrs = cidrList(rn?.remotePodNetworks);
      const serviceCidr = cluster.kubernetesNetworkConfig?.serviceIpv4Cidr;
      for (const p of remoteNetworkProblems(nodeCidrs, podCidrs, serviceCidr)) findings.push(finding('eks.remote-network-invalid', { subject: `eks/${name}`, params: { value: p.value, detail: p.detail }, evidence: { cluster: name, ...p } }));
      const vpc = cluster.resourcesVpcConfig;
      if (vpc?.endpointPublicAccess && vpc.endpointPrivateAccess) findings.push(finding('eks.endpoint-public-and-private', { subject: `eks/${name}`, params: { name }, evidence: { cluster: name, publicAccessCidrs: vpc.publicAccessCidrs ?? [] } }));

      const selector = ctx.target.kubernetes!.hybridSelector;
      const hybrid = (await runNodes(ctx, kube)).filter((n) => matchesSelector(n.metadata.labels, selector));
      const nodeNets = nodeCidrs.map(parseCidr).filter((c): c is Cidr => !!c);
      const podNets = podCidrs.map(parseCidr).filter((c): c is Cidr => !!c);
      const hybridNames = new Set(hybrid.map((n) => n.metadata.name));
      for (const n of hybrid) {
        const node = n.metadata.name;
        const ip = internalIP(n);
        if (ip && !nodeNets.some((c) => cidrContains(c, ip))) findings.push(finding('eks.remote-node-network-mismatch', { subject: `node/${node}`, params: { node, address: ip, addresses: nodeCidrs.join(', ') || '(none configured)' }, evidence: { node, internalIP: ip, remoteNodeNetworks: nodeCidrs } }));
        for (const pc of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) {
          const c = parseCidr(pc);
          if (c && !podNets.some((p) => cidrWithin(c, p))) findings.push(finding('eks.remote-pod-network-mismatch', { subject: `node/${node}`, params: { node, address: pc, addresses: podCidrs.join(', ') || '(none configured)' }, evidence: { node, podCIDR: pc, remotePodNetworks: podCidrs } }));
        }
        const skew = kubeletSkew(n.status?.nodeInfo?.kubeletVersion, cluster.version ? `v${cluster.version}` : undefined);
        if (skew) findings.push(finding('eks.version-skew', { subject: `node/${node}`, params: { node, version: n.status?.nodeInfo?.kubeletVersion ?? '?', expected: `kubelet ≤ ${cluster.version}, at most 3 minors older` }, evidence: { node, cluster: cluster.version, detail: skew } }));
      }
      // Pod IPs on hybrid nodes (hostNetwork pods carry the node IP and are skipped).
      const bad = new Map<string, string[]>();
      if (hybrid.length) {
        const pods = (await kube.listAll<Pod & { spec?: { hostNetwork?: boolean } }>('/api/v1/pods', { fieldSelector: 'status.phase=Running', what: 'list running pods', signal: ctx.signal })).items;
        for (const p of pods) {
          const node = p.spec?.nodeName;
          const ip = p.status?.podIP;
          if (!node || !hybridNames.has(node) || !ip || p.spec?.hostNetwork) continue;
          if (!podNets.some((c) => cidrContains(c, ip))) bad.set(node, [...(bad.get(node) ?? []), `${p.metadata.namespace}/${p.metadata.name}=${ip}`]);
        }
      }
      for (const [node, list] of bad) {
        if (findings.some((f) => f.cause === 'eks.remote-pod-network-mismatch' && f.params.node === node)) continue;
        findings.push(finding('eks.remote-pod-network-mismatch', { subject: `node/${node}`, params: { node, address: list[0]!.split('=')[1]!, addresses: podCidrs.join(', ') || '(none configured)' }, evidence: { node, pods: list.slice(0, 20), remotePodNetworks: podCidrs } }));
      }
      return { findings, evidence: { cluster: name, version: cluster.version, remoteNodeNetworks: nodeCidrs, remotePodNetworks: podCidrs, serviceIpv4Cidr: serviceCidr, endpointPublicAccess: vpc?.endpointPublicAccess, endpointPrivateAccess: vpc?.endpointPrivateAccess, hybridNodes: hybrid.length } };
    }),
};

export const eksChecks: Check[] = [eksClusterCheck, eksSecurityGroupsCheck, eksRoutesCheck, eksNetworkAclsCheck, eksInsightsCheck];
