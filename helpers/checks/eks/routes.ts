import type { Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { clusterNetwork, routeTables, subnets } from './vpc-facts.ts';
import { routeFor, routeTarget, subnetRouteTable } from './vpc-rules.ts';

/**
 * The route tables of the cluster's subnets (where the control plane's ENIs live) send every
 * remote node and pod network to the on-prem side: a transit gateway, a virtual private gateway,
 * a peering connection or an appliance — by the most specific route containing the whole CIDR,
 * in state active. One finding per route table and CIDR, naming the subnets that use the table.
 * Only the default route matching, and leading elsewhere, counts as missing.
 */
export const eksRoutesCheck: Check = {
  id: 'eks-routes',
  suite: 'eks',
  title: 'The cluster subnets route the remote networks to the on-prem gateway',
  applies: (t) => (t.aws ? true : 'no aws block in the target'),
  run: async (ctx) => {
    const net = await clusterNetwork(ctx);
    if ('notChecked' in net) return net.notChecked;
    const sn = await subnets(ctx, net.subnetIds);
    if ('notChecked' in sn) return sn.notChecked;
    const vpcIds = [...new Set(sn.items.map((s) => s.VpcId!).filter(Boolean))];
    const rt = await routeTables(ctx, vpcIds);
    if ('notChecked' in rt) return rt.notChecked;
    const bySubnet = new Map<string, string[]>();
    const tables = new Map<string, NonNullable<ReturnType<typeof subnetRouteTable>>>();
    for (const s of sn.items) {
      const table = subnetRouteTable(rt.items, s.SubnetId!, s.VpcId);
      if (!table) continue;
      tables.set(table.RouteTableId!, table);
      bySubnet.set(table.RouteTableId!, [...(bySubnet.get(table.RouteTableId!) ?? []), s.SubnetId!]);
    }
    const findings: Finding[] = [];
    for (const [id, table] of tables) {
      const subnetList = bySubnet.get(id)!.join(', ');
      for (const [cidr, network] of [...net.remoteNodeCidrs.map((c) => [c, 'remote node network'] as const), ...net.remotePodCidrs.map((c) => [c, 'remote pod network'] as const)]) {
        const route = routeFor(table, cidr);
        const evidence = { cluster: net.name, routeTable: id, subnets: bySubnet.get(id), cidr, network, route: route ?? null };
        const base = { routeTable: id, subnets: subnetList, cidr, network };
        // The default route (0.0.0.0/0, usually to an internet or NAT gateway) catching a remote
        // network means no route was made for it: a missing route, not a wrong one.
        if (!route || (route.DestinationCidrBlock === '0.0.0.0/0' && !routeTarget(route).onPrem)) {
          findings.push(finding('net.route-missing', { subject: `route-table/${id}`, params: base, evidence }));
          continue;
        }
        const { target, onPrem } = routeTarget(route);
        if (route.State === 'blackhole') findings.push(finding('net.route-blackhole', { subject: `route-table/${id}`, params: { ...base, target, destination: route.DestinationCidrBlock! }, evidence }));
        else if (!onPrem) findings.push(finding('net.route-wrong-target', { subject: `route-table/${id}`, params: { ...base, target, destination: route.DestinationCidrBlock! }, evidence }));
      }
    }
    return { findings, evidence: { cluster: net.name, subnets: net.subnetIds, routeTables: [...tables.values()].map((t) => ({ id: t.RouteTableId, routes: t.Routes, subnets: bySubnet.get(t.RouteTableId!) })) } };
  },
};
