import type { Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { clusterNetwork, networkAcls } from './vpc-facts.ts';
import { aclVerdict, portText, subnetAcl, type Flow } from './vpc-rules.ts';

/**
 * Network ACLs are stateless, so both directions of each connection must pass the ACL of every
 * cluster subnet: in tcp/443 from the remote node and pod networks and the replies out to their
 * ephemeral ports; out tcp/10250 to the remote node networks and the replies back in.
 */
export function requiredAclFlows(nodeCidrs: string[], podCidrs: string[]): (Flow & { network: string; purpose: string })[] {
  const remote = [...nodeCidrs.map((c) => [c, 'remote node network'] as const), ...podCidrs.map((c) => [c, 'remote pod network'] as const)];
  return [
    ...remote.map(([cidr, network]) => ({ cidr, network, from: 443, to: 443, egress: false, purpose: 'calls to the API server' })),
    ...remote.map(([cidr, network]) => ({ cidr, network, from: 1024, to: 65535, egress: true, purpose: 'API server replies' })),
    ...nodeCidrs.map((cidr) => ({ cidr, network: 'remote node network', from: 10250, to: 10250, egress: true, purpose: 'calls to the kubelet' })),
    ...nodeCidrs.map((cidr) => ({ cidr, network: 'remote node network', from: 1024, to: 65535, egress: false, purpose: 'kubelet replies' })),
  ];
}

export const eksNetworkAclsCheck: Check = {
  id: 'eks-network-acls',
  suite: 'eks',
  title: 'The network ACLs of the cluster subnets pass the remote networks both ways',
  applies: (t) => (t.aws ? true : 'no aws block in the target'),
  run: async (ctx) => {
    const net = await clusterNetwork(ctx);
    if ('notChecked' in net) return net.notChecked;
    const listed = await networkAcls(ctx, net.subnetIds);
    if ('notChecked' in listed) return listed.notChecked;
    const bySubnet = new Map<string, string[]>();
    for (const s of net.subnetIds) {
      const acl = subnetAcl(listed.items, s);
      if (acl) bySubnet.set(acl.NetworkAclId!, [...(bySubnet.get(acl.NetworkAclId!) ?? []), s]);
    }
    const findings: Finding[] = [];
    for (const [id, subnetIds] of bySubnet) {
      const acl = listed.items.find((a) => a.NetworkAclId === id)!;
      for (const f of requiredAclFlows(net.remoteNodeCidrs, net.remotePodCidrs)) {
        const v = aclVerdict(acl, f);
        if (v.allowed) continue;
        findings.push(finding('net.nacl-denied', {
          subject: `network-acl/${id}`,
          params: { networkAcl: id, subnets: subnetIds.join(', '), cidr: f.cidr, port: portText(f), direction: f.egress ? 'outbound' : 'inbound', rule: String(v.rule), detail: f.purpose },
          evidence: { cluster: net.name, networkAcl: id, subnets: subnetIds, flow: { ...f, protocol: 'tcp' }, decidingRule: v.rule, entries: acl.Entries },
        }));
      }
    }
    return { findings, evidence: { cluster: net.name, networkAcls: [...bySubnet].map(([id, s]) => ({ id, subnets: s })) } };
  },
};
