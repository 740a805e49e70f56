import type { NetworkAcl, RouteTable } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { aclVerdict, routeFor, routeTarget } from './vpc-rules.ts';

/**
 * EC2's decision rules on DescribeRouteTables / DescribeNetworkAcls shapes (EC2 API reference).
 * moto always reports routes as `active`, so the blackhole state — which EC2 sets when a route's
 * target is deleted or detached — is covered here on a route as DescribeRouteTables returns it.
 */
const table: RouteTable = {
  RouteTableId: 'rtb-0a1b2c3d4e5f60006',
  Routes: [
    { DestinationCidrBlock: '172.29.20.0/24', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
    { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0a1b2c3d4e5f60007', State: 'active', Origin: 'CreateRoute' },
    { DestinationCidrBlock: '172.16.0.0/12', TransitGatewayId: 'tgw-0a1b2c3d4e5f60009', State: 'active', Origin: 'CreateRoute' },
    { DestinationCidrBlock: '172.29.10.0/24', TransitGatewayId: 'tgw-0a1b2c3d4e5f6000a', State: 'blackhole', Origin: 'CreateRoute' },
    { DestinationCidrBlock: '10.244.0.0/16', NatGatewayId: 'nat-0a1b2c3d4e5f6000b', State: 'active', Origin: 'CreateRoute' },
    { DestinationCidrBlock: '192.168.0.0/16', GatewayId: 'vgw-0a1b2c3d4e5f6000c', State: 'active', Origin: 'EnableVgwRoutePropagation' },
  ],
};

describe('routes: longest prefix, state, target kind', () => {
  it.each([
    ['172.29.10.0/24', '172.29.10.0/24', 'blackhole', true],
    ['172.30.0.0/16', '172.16.0.0/12', 'active', true],
    ['10.244.0.0/16', '10.244.0.0/16', 'active', false],
    ['192.168.4.0/22', '192.168.0.0/16', 'active', true],
    ['10.80.0.0/16', '0.0.0.0/0', 'active', false],
  ])('%s → route %s (%s), reaches on-prem: %s', (cidr, destination, state, onPrem) => {
    const r = routeFor(table, cidr)!;
    expect([r.DestinationCidrBlock, r.State, routeTarget(r).onPrem]).toEqual([destination, state, onPrem]);
  });
});

const acl = (entries: NetworkAcl['Entries']): NetworkAcl => ({ NetworkAclId: 'acl-0a1b2c3d4e5f60008', Entries: entries });
const allow = (n: number, cidr: string, from?: number, to?: number, egress = false) => ({ RuleNumber: n, Protocol: from === undefined ? '-1' : '6', RuleAction: 'allow' as const, Egress: egress, CidrBlock: cidr, ...(from === undefined ? {} : { PortRange: { From: from, To: to ?? from } }) });
const deny = (n: number, cidr: string, from?: number, to?: number, egress = false) => ({ ...allow(n, cidr, from, to, egress), RuleAction: 'deny' as const });
const in443 = { cidr: '172.29.10.0/24', from: 443, to: 443, egress: false };

describe('network ACLs: first match by rule number, stateless, * denies', () => {
  it.each([
    ['allow covering CIDR and port', [allow(100, '172.29.10.0/24', 443)], true, 100],
    ['deny numbered before the allow', [allow(100, '172.29.10.0/24', 443), deny(50, '172.29.10.0/24', 443)], false, 50],
    ['deny numbered after the allow', [allow(100, '172.29.10.0/24', 443), deny(200, '172.29.10.0/24', 443)], true, 100],
    ['deny of a part of the CIDR first', [deny(90, '172.29.10.128/25', 443), allow(100, '0.0.0.0/0')], false, 90],
    ['allow of a part only, then the * rule', [allow(100, '172.29.10.0/25', 443)], false, '*'],
    ['allow of a part, then an allow of the rest', [allow(100, '172.29.10.0/25', 443), allow(110, '172.16.0.0/12', 443)], true, 110],
    ['deny for other ports does not apply', [deny(50, '172.29.10.0/24', 22), allow(100, '172.29.10.0/24', 443)], true, 100],
    ['outbound rules do not decide inbound', [allow(100, '0.0.0.0/0', undefined, undefined, true)], false, '*'],
    ['no entries: the * rule', [], false, '*'],
  ])('%s', (_, entries, allowed, rule) => {
    expect(aclVerdict(acl(entries), in443)).toEqual({ allowed, rule });
  });

  it('ephemeral reply ports must be covered whole', () => {
    const replies = { cidr: '172.29.10.0/24', from: 1024, to: 65535, egress: true };
    expect(aclVerdict(acl([allow(100, '172.29.10.0/24', 32768, 65535, true)]), replies)).toEqual({ allowed: false, rule: '*' });
    expect(aclVerdict(acl([allow(100, '172.29.10.0/24', 1024, 65535, true)]), replies)).toEqual({ allowed: true, rule: 100 });
  });
});
