import type { AreaCatalog } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Network causes on the AWS side of the hybrid network: what the EKS cluster's VPC (security
 * groups, route tables, network ACLs) lets through to and from the remote node and pod networks.
 * Producers: helpers/checks/eks/{security-groups,routes,nacls}.ts.
 *
 * Params: `group` (security group ids, comma list), `cidr` (the remote CIDR), `network` (remote
 * node network / remote pod network), `port`, `routeTable`, `subnets` (the cluster subnets using
 * the table or ACL), `target` (route target, with its kind), `destination` (the matching route's
 * CIDR), `networkAcl`, `direction` (inbound / outbound), `rule` (the deciding NACL rule number, or
 * `*`), `detail` (what the flow is for).
 */
type AwsNetIds = 'net.sg-ingress-missing' | 'net.sg-egress-missing' | 'net.route-missing' | 'net.route-wrong-target' | 'net.route-blackhole' | 'net.nacl-denied';

export const netAws: Pick<AreaCatalog<'net'>, AwsNetIds> = {
  'net.sg-ingress-missing': {
    title: 'Control plane security groups block a remote network on 443',
    message: 'No security group of the EKS control plane[[ ({group})]] allows tcp/{port|443} in from the {network|remote network}[[ {cidr}]]',
    explanation:
      'Hybrid nodes (kubelet, kube-proxy, the CNI agents) and pods on them call the EKS API server on tcp/443 through the cluster\'s ENIs, which carry the cluster security group and any additional groups. Security groups only allow: without a rule covering the remote node network the nodes never register or go NotReady; without the remote pod network, pods that talk to the API server (operators, CNI, webhooks\' clients) fail.',
    remediation: {
      summary: 'Allow tcp/443 from {cidr|the remote network} in the cluster security group (or an additional group of the control plane).',
      steps: [
        'Show the groups and their rules: `aws eks describe-cluster --name <cluster> --query "cluster.resourcesVpcConfig.[clusterSecurityGroupId,securityGroupIds]"` and `aws ec2 describe-security-groups --group-ids <group id>`.',
        '`aws ec2 authorize-security-group-ingress --group-id <cluster security group id> --ip-permissions \'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp={cidr|<remote CIDR>},Description="EKS hybrid nodes"}]\'`.',
        'Do this for every remoteNodeNetworks and remotePodNetworks CIDR of the cluster.',
      ],
      docs: [DOCS.eksHybridNetworking, DOCS.eksSecurityGroups, DOCS.vpcSecurityGroupRules],
      guideStep: GUIDE.network,
    },
  },
  'net.sg-egress-missing': {
    title: 'Control plane security groups block the kubelet port',
    message: 'No security group of the EKS control plane[[ ({group})]] allows tcp/{port|10250} out to the {network|remote node network}[[ {cidr}]]',
    explanation:
      'The API server reaches each hybrid node\'s kubelet on tcp/10250 for `kubectl logs`, `exec`, `port-forward` and metrics. EKS\'s cluster security group allows all outbound traffic by default; when its outbound rules were narrowed, these calls time out although the nodes are Ready.',
    remediation: {
      summary: 'Allow tcp/10250 out from the control plane security group to {cidr|the remote node network}.',
      steps: [
        'Show the outbound rules: `aws ec2 describe-security-groups --group-ids <group id> --query "SecurityGroups[].IpPermissionsEgress"`.',
        '`aws ec2 authorize-security-group-egress --group-id <cluster security group id> --ip-permissions \'IpProtocol=tcp,FromPort=10250,ToPort=10250,IpRanges=[{CidrIp={cidr|<remote node CIDR>},Description="EKS to hybrid kubelets"}]\'`.',
        'Webhooks served by pods on hybrid nodes need their ports open to the remote pod network as well.',
      ],
      docs: [DOCS.eksHybridNetworking, DOCS.eksSecurityGroups, DOCS.vpcSecurityGroupRules],
      guideStep: GUIDE.network,
    },
  },
  'net.route-missing': {
    title: 'No route to a remote network',
    message: 'Route table {routeTable|of the cluster subnets}[[ (subnets {subnets})]] has no route for the {network|remote network}[[ {cidr}]]',
    explanation:
      'The EKS control plane\'s ENIs sit in the cluster subnets and answer through their route table. Without a route for the remote CIDR, replies to hybrid nodes and calls to kubelets and webhooks go nowhere (or to the default route to the internet): nodes fail to join, logs/exec and webhooks time out.',
    remediation: {
      summary: 'Route {cidr|the remote CIDR} to the on-prem gateway (transit gateway or virtual private gateway) in {routeTable|the route table}.',
      steps: [
        '`aws ec2 describe-route-tables --route-table-ids {routeTable|<route table id>} --query "RouteTables[].Routes"`.',
        'Through a transit gateway: `aws ec2 create-route --route-table-id {routeTable|<route table id>} --destination-cidr-block {cidr|<remote CIDR>} --transit-gateway-id <tgw id>`.',
        'Through a virtual private gateway: `aws ec2 create-route --route-table-id {routeTable|<route table id>} --destination-cidr-block {cidr|<remote CIDR>} --gateway-id <vgw id>` (or enable route propagation: `aws ec2 enable-vgw-route-propagation`).',
        'Check the return path on-prem too: the router must send the VPC CIDR back through the same VPN / Direct Connect.',
      ],
      docs: [DOCS.eksHybridNetworking, DOCS.vpcRouteTables, DOCS.tgwRouting],
      guideStep: GUIDE.network,
    },
  },
  'net.route-wrong-target': {
    title: 'Remote network routed to the wrong target',
    message: 'Route table {routeTable|of the cluster subnets}[[ (subnets {subnets})]] sends the {network|remote network}[[ {cidr}]] to {target|a target that does not reach on-prem}[[ (route {destination})]]',
    explanation:
      'Remote node and pod networks are private on-prem ranges: only a transit gateway, a virtual private gateway (Site-to-Site VPN, Direct Connect), a peering connection or a routing appliance reaches them. Sent to an internet or NAT gateway — often the 0.0.0.0/0 default route catching them — the traffic leaves for the internet and is dropped.',
    remediation: {
      summary: 'Add a more specific route for {cidr|the remote CIDR} to the transit gateway or virtual private gateway.',
      steps: [
        '`aws ec2 describe-route-tables --route-table-ids {routeTable|<route table id>} --query "RouteTables[].Routes"`.',
        'If the route exists with the wrong target: `aws ec2 replace-route --route-table-id {routeTable|<route table id>} --destination-cidr-block {cidr|<remote CIDR>} --transit-gateway-id <tgw id>`.',
        'If only a broader route matches: `aws ec2 create-route --route-table-id {routeTable|<route table id>} --destination-cidr-block {cidr|<remote CIDR>} --transit-gateway-id <tgw id>` (or `--gateway-id <vgw id>`).',
      ],
      docs: [DOCS.eksHybridNetworking, DOCS.vpcRouteTables, DOCS.tgwRouting],
      guideStep: GUIDE.network,
    },
  },
  'net.route-blackhole': {
    title: 'Route to a remote network is a blackhole',
    message: 'The route for the {network|remote network}[[ {cidr}]] in {routeTable|the cluster route table}[[ (subnets {subnets})]] is a blackhole[[ (target {target})]]',
    explanation:
      'EC2 marks a route `blackhole` when its target no longer exists or is detached: a deleted transit gateway attachment, a detached virtual private gateway, a terminated appliance. Traffic to the remote network is silently dropped.',
    remediation: {
      summary: 'Point the route for {cidr|the remote CIDR} at a live gateway, or restore the attachment.',
      steps: [
        '`aws ec2 describe-route-tables --route-table-ids {routeTable|<route table id>} --query "RouteTables[].Routes[?State==\'blackhole\']"`.',
        'Check the attachment: `aws ec2 describe-transit-gateway-vpc-attachments --filters Name=vpc-id,Values=<vpc id>` or `aws ec2 describe-vpn-gateways`.',
        '`aws ec2 replace-route --route-table-id {routeTable|<route table id>} --destination-cidr-block {destination|<remote CIDR>} --transit-gateway-id <tgw id>`.',
      ],
      docs: [DOCS.vpcRouteTables, DOCS.tgwRouting, DOCS.eksHybridNetworking],
      guideStep: GUIDE.network,
    },
  },
  'net.nacl-denied': {
    title: 'Network ACL drops traffic of a remote network',
    message: 'Network ACL {networkAcl|of the cluster subnets}[[ (subnets {subnets})]] drops {direction|the} [[tcp/{port} ]]traffic [[for {detail} ]]with {cidr|a remote network}[[ (rule {rule})]]',
    explanation:
      'Network ACLs are stateless and ordered: rules are read by ascending number and the first match decides; what no rule allows is dropped by the final `*` rule. Both directions must pass — the call and its reply on an ephemeral port (1024-65535). A deny placed before the allow, or a missing reply rule, breaks node registration, API calls or kubelet access from the control plane.',
    remediation: {
      summary: 'Allow {direction|the} [[tcp/{port} ]]traffic with {cidr|the remote CIDR} before any deny in {networkAcl|the network ACL}.',
      steps: [
        '`aws ec2 describe-network-acls --network-acl-ids {networkAcl|<acl id>} --query "NetworkAcls[].Entries"` (rules apply lowest number first).',
        'Remove or renumber the denying rule: `aws ec2 delete-network-acl-entry --network-acl-id {networkAcl|<acl id>} --rule-number {rule|<rule>}` (add `--egress` for an outbound rule) if it is not needed.',
        'Or add an allow with a lower number: `aws ec2 create-network-acl-entry --network-acl-id {networkAcl|<acl id>} --rule-number <lower number> --protocol tcp --port-range From=<from>,To=<to> --cidr-block {cidr|<remote CIDR>} --rule-action allow` (add `--egress` for outbound)[[; port {port}]].',
      ],
      docs: [DOCS.vpcNetworkAcls, DOCS.eksHybridNetworking],
      guideStep: GUIDE.network,
    },
  },
};
