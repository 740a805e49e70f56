import type { NetworkAcl, Route, RouteTable, SecurityGroup } from '@aws-sdk/client-ec2';
import { cidrsOverlap, cidrWithin, parseCidr, type Cidr } from './cidr.ts';

/**
 * How EC2 decides traffic, as pure functions over DescribeSecurityGroups / DescribeRouteTables /
 * DescribeNetworkAcls output (EC2 API reference shapes). IPv4 only, as hybrid remote networks are.
 */

/** A TCP flow between the VPC side and a remote CIDR: `ingress` = from the remote CIDR into the VPC. */
export interface Flow {
  cidr: string;
  from: number;
  to: number;
  egress: boolean;
}

export const portText = (f: { from: number; to: number }): string => (f.from === f.to ? String(f.from) : `${f.from}-${f.to}`);

/** TCP or all protocols ("-1"; NACLs also say "6" for TCP). */
const tcpLike = (p: string | undefined): boolean => p === '-1' || p === 'tcp' || p === '6';

function portsCover(from: number | undefined, to: number | undefined, f: Flow): boolean {
  if (from === undefined || to === undefined || from === -1) return true;
  return from <= f.from && to >= f.to;
}

function portsOverlap(from: number | undefined, to: number | undefined, f: Flow): boolean {
  if (from === undefined || to === undefined || from === -1) return true;
  return from <= f.to && to >= f.from;
}

/**
 * Security groups are allow-lists and stateful: a flow is allowed when one rule of one attached
 * group covers the whole remote CIDR and port range. Rules naming groups or prefix lists never
 * match on-prem addresses; they are ignored here.
 */
export function groupsAllow(groups: SecurityGroup[], f: Flow): boolean {
  const want = parseCidr(f.cidr);
  if (!want) return false;
  return groups.some((g) =>
    (f.egress ? g.IpPermissionsEgress : g.IpPermissions)?.some((p) => {
      if (!tcpLike(p.IpProtocol)) return false;
      if (p.IpProtocol !== '-1' && !portsCover(p.FromPort, p.ToPort, f)) return false;
      return (p.IpRanges ?? []).some((r) => {
        const c = r.CidrIp ? parseCidr(r.CidrIp) : undefined;
        return !!c && cidrWithin(want, c);
      });
    }),
  );
}

/** The route table of a subnet: its explicit association, else the VPC's main table. */
export function subnetRouteTable(tables: RouteTable[], subnetId: string, vpcId?: string): RouteTable | undefined {
  return (
    tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ??
    tables.find((t) => (!vpcId || t.VpcId === vpcId) && t.Associations?.some((a) => a.Main))
  );
}

/** The most specific IPv4 route whose destination contains the whole CIDR (longest prefix match). */
export function routeFor(table: RouteTable, cidr: string): Route | undefined {
  const want = parseCidr(cidr);
  if (!want) return undefined;
  let best: { r: Route; c: Cidr } | undefined;
  for (const r of table.Routes ?? []) {
    const c = r.DestinationCidrBlock ? parseCidr(r.DestinationCidrBlock) : undefined;
    if (c && cidrWithin(want, c) && (!best || c.prefix > best.c.prefix)) best = { r, c };
  }
  return best?.r;
}

/**
 * Where a route sends traffic, and whether that reaches an on-prem network: a transit gateway,
 * a virtual private gateway (Site-to-Site VPN / Direct Connect), a peering connection, a Cloud WAN
 * core network, or an instance / network interface (a VPN or firewall appliance). An internet
 * gateway, a NAT gateway, an egress-only gateway, a carrier gateway, a VPC endpoint or `local`
 * do not.
 */
export function routeTarget(r: Route): { target: string; onPrem: boolean } {
  if (r.TransitGatewayId) return { target: `${r.TransitGatewayId} (transit gateway)`, onPrem: true };
  if (r.GatewayId?.startsWith('vgw-')) return { target: `${r.GatewayId} (virtual private gateway)`, onPrem: true };
  if (r.VpcPeeringConnectionId) return { target: `${r.VpcPeeringConnectionId} (VPC peering)`, onPrem: true };
  if (r.CoreNetworkArn) return { target: `${r.CoreNetworkArn} (Cloud WAN core network)`, onPrem: true };
  if (r.NetworkInterfaceId) return { target: `${r.NetworkInterfaceId} (network interface)`, onPrem: true };
  if (r.InstanceId) return { target: `${r.InstanceId} (instance)`, onPrem: true };
  if (r.GatewayId === 'local') return { target: 'local (the VPC itself)', onPrem: false };
  if (r.GatewayId?.startsWith('igw-')) return { target: `${r.GatewayId} (internet gateway)`, onPrem: false };
  if (r.NatGatewayId) return { target: `${r.NatGatewayId} (NAT gateway)`, onPrem: false };
  if (r.EgressOnlyInternetGatewayId) return { target: `${r.EgressOnlyInternetGatewayId} (egress-only internet gateway)`, onPrem: false };
  if (r.CarrierGatewayId) return { target: `${r.CarrierGatewayId} (carrier gateway)`, onPrem: false };
  if (r.GatewayId) return { target: r.GatewayId, onPrem: false };
  return { target: '(no target)', onPrem: false };
}

/** The network ACL of a subnet (every subnet has exactly one association). */
export function subnetAcl(acls: NetworkAcl[], subnetId: string): NetworkAcl | undefined {
  return acls.find((a) => a.Associations?.some((x) => x.SubnetId === subnetId));
}

/**
 * NACL verdict for a flow. NACLs are stateless and ordered: entries of the flow's direction are
 * evaluated by ascending rule number and the first that matches decides; past the last, the `*`
 * rule denies. Per address range: an allow that covers only part of the CIDR (or ports) decides
 * only for that part, so evaluation goes on for the rest; a deny that touches any part of the
 * flow denies that part — reported as denied, naming the rule.
 */
export function aclVerdict(acl: NetworkAcl, f: Flow): { allowed: true; rule: number } | { allowed: false; rule: number | '*' } {
  const want = parseCidr(f.cidr);
  if (!want) return { allowed: false, rule: '*' };
  const entries = (acl.Entries ?? []).filter((e) => !!e.Egress === f.egress && e.RuleNumber !== undefined && e.RuleNumber < 32767).sort((a, b) => a.RuleNumber! - b.RuleNumber!);
  for (const e of entries) {
    if (!tcpLike(e.Protocol)) continue;
    const c = e.CidrBlock ? parseCidr(e.CidrBlock) : undefined;
    if (!c || !cidrsOverlap(c, want)) continue;
    const tcpOnly = e.Protocol !== '-1';
    if (tcpOnly && !portsOverlap(e.PortRange?.From, e.PortRange?.To, f)) continue;
    if (e.RuleAction === 'deny') return { allowed: false, rule: e.RuleNumber! };
    if (cidrWithin(want, c) && (!tcpOnly || portsCover(e.PortRange?.From, e.PortRange?.To, f))) return { allowed: true, rule: e.RuleNumber! };
  }
  return { allowed: false, rule: '*' };
}
