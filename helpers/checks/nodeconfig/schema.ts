import { z } from 'zod';

/**
 * nodeadm's `node.eks.aws/v1alpha1` NodeConfig as the hybrid nodeadm reads it, strict (unknown
 * fields are errors, as a typo such as `activationcode` silently does nothing in nodeadm).
 * Sources: awslabs/amazon-eks-ami nodeadm/api/v1alpha1/nodeconfig_types.go (cluster,
 * containerd {config, baseRuntimeSpec}, instance.localStorage, kubelet {config, flags},
 * featureGates); aws/eks-hybrid internal/node/hybrid/validator.go (cluster.region,
 * hybrid.ssm.{activationCode,activationId}, hybrid.iamRolesAnywhere.{nodeName, roleArn,
 * profileArn, trustAnchorArn, certificatePath, privateKeyPath}) and its e2e NodeConfig
 * (hybrid.enableCredentialsFile, iamRolesAnywhere.awsConfigPath); hybrid.nodeName is read by
 * aws/eks-hybrid internal/kubelet/config.go. Semantic hybrid rules live in nodeconfig-rules.ts.
 */
const ssm = z.strictObject({
  activationCode: z.string().optional(),
  activationId: z.string().optional(),
});

const iamRolesAnywhere = z.strictObject({
  nodeName: z.string().optional(),
  trustAnchorArn: z.string().optional(),
  profileArn: z.string().optional(),
  roleArn: z.string().optional(),
  certificatePath: z.string().optional(),
  privateKeyPath: z.string().optional(),
  awsConfigPath: z.string().optional(),
});

export const nodeConfigSchema = z.strictObject({
  apiVersion: z.literal('node.eks.aws/v1alpha1', { error: 'apiVersion must be node.eks.aws/v1alpha1' }),
  kind: z.literal('NodeConfig', { error: 'kind must be NodeConfig' }),
  metadata: z.record(z.string(), z.unknown()).optional(),
  spec: z.strictObject({
    cluster: z.strictObject({
      name: z.string().optional(),
      region: z.string().optional(),
      apiServerEndpoint: z.url().optional(),
      certificateAuthority: z.string().regex(/^[A-Za-z0-9+/=\s]*$/, 'must be base64').optional(),
      cidr: z.string().optional(),
      enableOutpost: z.boolean().optional(),
      id: z.string().optional(),
    }).optional(),
    containerd: z.strictObject({
      config: z.string().optional(),
      baseRuntimeSpec: z.record(z.string(), z.unknown()).optional(),
    }).optional(),
    instance: z.strictObject({
      localStorage: z.strictObject({
        strategy: z.enum(['RAID0', 'RAID10', 'Mount']).optional(),
        mountPath: z.string().optional(),
        disabledMounts: z.array(z.enum(['Containerd', 'PodLogs'])).optional(),
      }).optional(),
    }).optional(),
    kubelet: z.strictObject({
      config: z.record(z.string(), z.unknown()).optional(),
      flags: z.array(z.string()).optional(),
    }).optional(),
    hybrid: z.strictObject({
      nodeName: z.string().optional(),
      enableCredentialsFile: z.boolean().optional(),
      ssm: ssm.optional(),
      iamRolesAnywhere: iamRolesAnywhere.optional(),
    }).optional(),
    featureGates: z.record(z.string(), z.boolean()).optional(),
  }),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
