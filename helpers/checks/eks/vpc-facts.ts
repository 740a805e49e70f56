import {
  EC2Client,
  paginateDescribeNetworkAcls,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  type NetworkAcl,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
} from '@aws-sdk/client-ec2';
import type { Cluster } from '@aws-sdk/client-eks';
import { notApplicable, type CheckContext, type CheckOutput } from '../check.ts';
import { awsClientConfig, awsNotChecked } from './aws.ts';
import { cidrList, describeCluster } from './describe-cluster.ts';

/**
 * The cluster's VPC side as the EC2 API describes it, read once per run and per resource kind, so
 * a missing permission for one kind (say ec2:DescribeNetworkAcls) leaves only the check that needs
 * it not-checked. Read-only: Describe* calls only. Each call is bounded by the target's request
 * timeout (client settings) and the listing by MAX_PAGES.
 */
export interface ClusterNetwork {
  cluster: Cluster;
  name: string;
  remoteNodeCidrs: string[];
  remotePodCidrs: string[];
  subnetIds: string[];
  /** The cluster security group (EKS-created) first when DescribeCluster names it, then the additional ones. */
  securityGroupIds: string[];
}

/** DescribeCluster, reduced to what the VPC checks need; not-checked when there are no remote networks. */
export async function clusterNetwork(ctx: CheckContext): Promise<ClusterNetwork | { notChecked: CheckOutput }> {
  const described = await describeCluster(ctx);
  if ('notChecked' in described) return described;
  const { cluster } = described;
  const vpc = cluster.resourcesVpcConfig;
  const remoteNodeCidrs = cidrList(cluster.remoteNetworkConfig?.remoteNodeNetworks);
  const remotePodCidrs = cidrList(cluster.remoteNetworkConfig?.remotePodNetworks);
  const name = cluster.name ?? ctx.target.aws!.clusterName;
  if (!remoteNodeCidrs.length) return { notChecked: notApplicable(`cluster ${name} has no remoteNodeNetworks (not set up for hybrid nodes)`) };
  const securityGroupIds = [...new Set([...(vpc?.clusterSecurityGroupId ? [vpc.clusterSecurityGroupId] : []), ...(vpc?.securityGroupIds ?? [])])];
  return { cluster, name, remoteNodeCidrs, remotePodCidrs, subnetIds: vpc?.subnetIds ?? [], securityGroupIds };
}

type Listed<T> = { items: T[] } | { notChecked: CheckOutput };

async function ec2List<T>(ctx: CheckContext, key: string, operation: string, list: (client: EC2Client) => Promise<T[]>): Promise<Listed<T>> {
  return ctx.once(`eks:${key}`, async () => {
    const client = new EC2Client(awsClientConfig(ctx));
    try {
      return { items: await list(client) };
    } catch (err) {
      const nc = awsNotChecked(err, operation, `ec2:${operation}`);
      if (nc) return { notChecked: nc };
      throw err;
    } finally {
      client.destroy();
    }
  });
}

/** At most this many pages per listing (1,000 items each): a bound, not a limit any VPC reaches. */
const MAX_PAGES = 20;

async function collect<P, T>(pages: AsyncIterable<P>, pick: (p: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  let n = 0;
  for await (const p of pages) {
    out.push(...(pick(p) ?? []));
    if (++n >= MAX_PAGES) break;
  }
  return out;
}

export function securityGroups(ctx: CheckContext, ids: string[]): Promise<Listed<SecurityGroup>> {
  // No page size: EC2 refuses MaxResults together with GroupIds.
  return ec2List(ctx, 'security-groups', 'DescribeSecurityGroups', (client) => collect(paginateDescribeSecurityGroups({ client }, { GroupIds: ids }), (p) => p.SecurityGroups));
}

export function subnets(ctx: CheckContext, ids: string[]): Promise<Listed<Subnet>> {
  return ec2List(ctx, 'subnets', 'DescribeSubnets', (client) => collect(paginateDescribeSubnets({ client }, { SubnetIds: ids }), (p) => p.Subnets));
}

/** The route tables of the VPCs (main tables included: a subnet without association uses its VPC's). */
export function routeTables(ctx: CheckContext, vpcIds: string[]): Promise<Listed<RouteTable>> {
  return ec2List(ctx, 'route-tables', 'DescribeRouteTables', (client) =>
    collect(paginateDescribeRouteTables({ client, pageSize: 100 }, { Filters: [{ Name: 'vpc-id', Values: vpcIds }] }), (p) => p.RouteTables),
  );
}

export function networkAcls(ctx: CheckContext, subnetIds: string[]): Promise<Listed<NetworkAcl>> {
  return ec2List(ctx, 'network-acls', 'DescribeNetworkAcls', (client) =>
    collect(paginateDescribeNetworkAcls({ client, pageSize: 100 }, { Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] }), (p) => p.NetworkAcls),
  );
}
