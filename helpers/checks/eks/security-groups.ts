import type { Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { clusterNetwork, securityGroups } from './vpc-facts.ts';
import { groupsAllow, portText, type Flow } from './vpc-rules.ts';

/**
 * The control plane's security groups (the EKS cluster security group and the additional groups
 * of resourcesVpcConfig) against the EKS Hybrid Nodes networking requirements
 * (https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-networking.html):
 * in tcp/443 from the remote node and pod networks (kubelets and pods call the API server), out
 * tcp/10250 to the remote node networks (logs, exec, port-forward through the kubelet).
 * Webhook ports to the pod networks depend on the webhooks installed and are not judged here.
 */
export function requiredGroupFlows(nodeCidrs: string[], podCidrs: string[]): (Flow & { network: string })[] {
  return [
    ...nodeCidrs.map((cidr) => ({ cidr, from: 443, to: 443, egress: false, network: 'remote node network' })),
    ...podCidrs.map((cidr) => ({ cidr, from: 443, to: 443, egress: false, network: 'remote pod network' })),
    ...nodeCidrs.map((cidr) => ({ cidr, from: 10250, to: 10250, egress: true, network: 'remote node network' })),
  ];
}

export const eksSecurityGroupsCheck: Check = {
  id: 'eks-security-groups',
  suite: 'eks',
  title: 'The control plane security groups allow the remote node and pod networks',
  applies: (t) => (t.aws ? true : 'no aws block in the target'),
  run: async (ctx) => {
    const net = await clusterNetwork(ctx);
    if ('notChecked' in net) return net.notChecked;
    const listed = await securityGroups(ctx, net.securityGroupIds);
    if ('notChecked' in listed) return listed.notChecked;
    const groups = listed.items;
    const names = groups.map((g) => g.GroupId!).join(', ');
    const findings: Finding[] = [];
    for (const f of requiredGroupFlows(net.remoteNodeCidrs, net.remotePodCidrs)) {
      if (groupsAllow(groups, f)) continue;
      const params = { group: names, cidr: f.cidr, port: portText(f), network: f.network };
      const evidence = { cluster: net.name, securityGroups: net.securityGroupIds, flow: { ...f, protocol: 'tcp' } };
      findings.push(f.egress ? finding('net.sg-egress-missing', { subject: `eks/${net.name}`, params, evidence }) : finding('net.sg-ingress-missing', { subject: `eks/${net.name}`, params, evidence }));
    }
    return {
      findings,
      evidence: {
        cluster: net.name,
        securityGroups: groups.map((g) => ({ id: g.GroupId, name: g.GroupName, ingress: g.IpPermissions, egress: g.IpPermissionsEgress })),
        remoteNodeNetworks: net.remoteNodeCidrs,
        remotePodNetworks: net.remotePodCidrs,
      },
    };
  },
};
