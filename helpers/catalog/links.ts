/**
 * Doc links shared by several catalog areas (one place to fix a moved page). Harbor links are
 * pinned to the 2.13 docs the product targets; containerd links point at the maintained docs.
 */
export type DocLink = { title: string; url: string };

const harbor = (path: string, title: string): DocLink => ({ title, url: `https://goharbor.io/docs/2.13.0/${path}` });
const eks = (page: string, title: string): DocLink => ({ title, url: `https://docs.aws.amazon.com/eks/latest/userguide/${page}.html` });

export const DOCS = {
  harborHttps: harbor('install-config/configure-https/', 'Harbor: Configure HTTPS access to Harbor'),
  harborYml: harbor('install-config/configure-yml-file/', 'Harbor: Configure the Harbor YML file'),
  harborRobotSystem: harbor('administration/robot-accounts/', 'Harbor: Create system robot accounts'),
  harborRobotProject: harbor('working-with-projects/project-configuration/create-robot-accounts/', 'Harbor: Create project robot accounts'),
  harborProjectConfig: harbor('working-with-projects/project-configuration/', 'Harbor: Project configuration (deployment security, vulnerability prevention)'),
  harborScanning: harbor('administration/vulnerability-scanning/', 'Harbor: Vulnerability scanning'),
  harborSign: harbor('working-with-projects/working-with-images/sign-images/', 'Harbor: Sign artifacts with Cosign or Notation'),
  harborContentTrust: harbor('working-with-projects/project-configuration/implementing-content-trust/', 'Harbor: Implementing content trust'),
  harborPullPush: harbor('working-with-projects/working-with-images/pulling-pushing-images/', 'Harbor: Pulling and pushing images'),
  harborMetrics: harbor('administration/metrics/', 'Harbor: Access metrics'),
  harborQuotas: harbor('administration/configure-project-quotas/', 'Harbor: Configure project quotas'),
  harborTroubleshoot: harbor('install-config/troubleshoot-installation/', 'Harbor: Troubleshooting Harbor installation'),
  harborNotaryRemoved: { title: 'Harbor v2.9.0 release notes (Notary removed)', url: 'https://github.com/goharbor/harbor/releases/tag/v2.9.0' },
  harborLdap: harbor('administration/configure-authentication/ldap-auth/', 'Harbor: Configure LDAP/Active Directory authentication'),
  harborConfigApi: harbor('install-config/configure-system-settings-cli/', 'Harbor: Configure Harbor system settings through the API'),
  openldapTls: { title: 'OpenLDAP Admin Guide: Using TLS', url: 'https://www.openldap.org/doc/admin25/tls.html' },
  harborApi: { title: 'Harbor REST API (swagger)', url: 'https://github.com/goharbor/harbor/blob/main/api/v2.0/swagger.yaml' },

  containerdHosts: { title: 'containerd: Registry configuration (hosts.toml)', url: 'https://github.com/containerd/containerd/blob/main/docs/hosts.md' },
  containerdCriRegistry: { title: 'containerd CRI: Configure image registry', url: 'https://github.com/containerd/containerd/blob/main/docs/cri/registry.md' },
  containerdCriConfig: { title: 'containerd CRI plugin config guide', url: 'https://github.com/containerd/containerd/blob/main/docs/cri/config.md' },
  containerdCrictl: { title: 'containerd: Debugging with crictl', url: 'https://github.com/containerd/containerd/blob/main/docs/cri/crictl.md' },
  containerdImportsIssue: { title: 'containerd issue #5837: imports replace whole plugin sections', url: 'https://github.com/containerd/containerd/issues/5837' },
  containerdMergePr: { title: 'containerd PR #9982: merge plugin sections from drop-ins (2.0)', url: 'https://github.com/containerd/containerd/pull/9982' },
  containerdMirrorsIssue: { title: 'containerd issue #5306: `mirrors` cannot be set when `config_path` is provided', url: 'https://github.com/containerd/containerd/issues/5306' },

  k8sPrivateRegistry: { title: 'Kubernetes: Pull an image from a private registry', url: 'https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/' },
  k8sImages: { title: 'Kubernetes: Images (pull policy, ImagePullBackOff)', url: 'https://kubernetes.io/docs/concepts/containers/images/' },
  k8sDockerConfigSecret: { title: 'Kubernetes: Docker config Secrets', url: 'https://kubernetes.io/docs/concepts/configuration/secret/#docker-config-secrets' },
  k8sServiceAccountPullSecret: { title: 'Kubernetes: Add ImagePullSecrets to a service account', url: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#add-imagepullsecrets-to-a-service-account' },
  k8sDnsDebug: { title: 'Kubernetes: Debugging DNS resolution', url: 'https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/' },
  k8sDnsCustom: { title: 'Kubernetes: Customizing DNS service', url: 'https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/' },
  k8sGarbageCollection: { title: 'Kubernetes: Garbage collection of unused containers and images', url: 'https://kubernetes.io/docs/concepts/architecture/garbage-collection/#containers-images' },
  k8sNodePressure: { title: 'Kubernetes: Node-pressure eviction', url: 'https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/' },
  k8sKubeletConfig: { title: 'Kubernetes: Kubelet configuration (v1beta1)', url: 'https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/' },
  k8sDebugPods: { title: 'Kubernetes: Debug pods', url: 'https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/' },
  k8sNodes: { title: 'Kubernetes: Nodes (conditions)', url: 'https://kubernetes.io/docs/concepts/architecture/nodes/' },
  k8sSkew: { title: 'Kubernetes: Version skew policy', url: 'https://kubernetes.io/releases/version-skew-policy/' },
  k8sWebhooks: { title: 'Kubernetes: Dynamic admission control', url: 'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/' },
  k8sTopologySpread: { title: 'Kubernetes: Pod topology spread constraints', url: 'https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/' },

  eksHybridOverview: eks('hybrid-nodes-overview', 'Amazon EKS Hybrid Nodes overview'),
  eksHybridNetworking: eks('hybrid-nodes-networking', 'EKS: Prepare networking for hybrid nodes'),
  eksHybridNodeadm: eks('hybrid-nodes-nodeadm', 'EKS: Hybrid nodes nodeadm reference'),
  eksHybridTroubleshooting: eks('hybrid-nodes-troubleshooting', 'EKS: Troubleshooting hybrid nodes'),
  eksHybridWebhooks: eks('hybrid-nodes-webhooks', 'EKS: Configure webhooks for hybrid nodes'),
  eksHybridProxy: eks('hybrid-nodes-proxy', 'EKS: Configure proxy for hybrid nodes'),
  eksHybridClusterCreate: eks('hybrid-nodes-cluster-create', 'EKS: Create a cluster with hybrid nodes'),
  eksHybridConceptsK8s: eks('hybrid-nodes-concepts-kubernetes', 'EKS: Kubernetes concepts for hybrid nodes'),
  eksHybridJoin: eks('hybrid-nodes-join', 'EKS: Connect hybrid nodes'),
  eksHybridCni: eks('hybrid-nodes-cni', 'EKS: Configure CNI for hybrid nodes'),
  eksEndpoint: eks('cluster-endpoint', 'EKS: Cluster API server endpoint'),
  eksVersions: eks('kubernetes-versions', 'EKS: Kubernetes versions'),
  eksRemoteNetworkApi: { title: 'EKS API: RemoteNetworkConfigRequest', url: 'https://docs.aws.amazon.com/eks/latest/APIReference/API_RemoteNetworkConfigRequest.html' },

  corednsHosts: { title: 'CoreDNS hosts plugin', url: 'https://coredns.io/plugins/hosts/' },
  corednsForward: { title: 'CoreDNS forward plugin', url: 'https://coredns.io/plugins/forward/' },
  goX509: { title: 'Go crypto/x509 (verification errors)', url: 'https://pkg.go.dev/crypto/x509' },
  goCommonName: { title: 'Go 1.15 release notes: X.509 CommonName deprecation', url: 'https://go.dev/doc/go1.15#commonname' },
  opensslSClient: { title: 'OpenSSL s_client manual', url: 'https://docs.openssl.org/3.0/man1/openssl-s_client/' },
  opensslVerify: { title: 'OpenSSL verify manual', url: 'https://docs.openssl.org/3.0/man1/openssl-verify/' },
  dockerCerts: { title: 'Docker: Verify repository client with certificates (certs.d layout)', url: 'https://docs.docker.com/engine/security/certificates/' },
  prometheusScrape: { title: 'Prometheus: scrape_config', url: 'https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config' },
  chrony: { title: 'chrony documentation', url: 'https://chrony-project.org/documentation.html' },
} as const satisfies Record<string, DocLink>;

/** Guide steps (../shared/guide/eks-hybrid-harbor-guide.md), named once. */
export const GUIDE = {
  tls: 'Step 2: SSL/TLS certificates',
  harborYml: 'Step 3: harbor.yml configuration',
  robot: 'Step 5: robot account',
  ldap: 'Step 5: LDAP authentication (optional)',
  nodeConfig: 'Step 7: NodeConfig',
  caOnNodes: 'Step 8: CA on nodes',
  nodeInit: 'Step 9: node initialisation (nodeadm init)',
  network: 'Step 10: network (security groups)',
  dns: 'Step 10: DNS (CoreDNS hosts)',
  pullSecret: 'Step 11: pull secret',
  tests: 'Step 12: tests and verification',
  troubleshooting: 'Step 13: troubleshooting',
  security: 'Step 14: security policies',
  monitoring: 'Step 16: monitoring',
} as const;
