import { DescribeClusterCommand, EKSClient, type Cluster } from '@aws-sdk/client-eks';
import { notConfigured, type CheckContext, type CheckOutput } from '../check.ts';
import { awsClientConfig, awsNotChecked, awsSignal } from './aws.ts';

/**
 * DescribeCluster once per run, shared by the eks checks. What the target or the environment does
 * not provide — no AWS credentials, a cluster name that does not exist in the region, an identity
 * without eks:DescribeCluster — is a not-checked (not-configured) outcome saying what is missing:
 * the checks cannot judge the cluster, and hybrid-doctor did not fail.
 */
export function describeCluster(ctx: CheckContext): Promise<{ cluster: Cluster } | { notChecked: CheckOutput }> {
  return ctx.once('eks:describe-cluster', async () => {
    const aws = ctx.target.aws!;
    const client = new EKSClient(awsClientConfig(ctx));
    try {
      const out = await client.send(new DescribeClusterCommand({ name: aws.clusterName }), { abortSignal: awsSignal(ctx) });
      if (!out.cluster) return { notChecked: notConfigured(`aws: DescribeCluster ${aws.clusterName} in ${aws.region} returned no cluster`) };
      return { cluster: out.cluster };
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return { notChecked: notConfigured(`aws.clusterName: no EKS cluster ${aws.clusterName} in ${aws.region}`) };
      const nc = awsNotChecked(err, 'DescribeCluster', `eks:DescribeCluster on ${aws.clusterName}`);
      if (nc) return { notChecked: nc };
      throw err;
    } finally {
      client.destroy();
    }
  });
}

/** The CIDRs of a remoteNetworkConfig list (remoteNodeNetworks / remotePodNetworks). */
export function cidrList(nets: { cidrs?: string[] | undefined }[] | undefined): string[] {
  return (nets ?? []).flatMap((n) => n.cidrs ?? []);
}
