/**
 * Root-cause ids: the public contract of ../shared/design/causes.md (never renamed or reused).
 * Generated once from that table; ids the project adds are listed after the contract ids and
 * documented in docs/causes.md. A finding with an id not in this list does not compile.
 */
export const CONTRACT_CAUSES = {
  'tls.untrusted-ca': { severity: 'error', meaning: 'the served chain does not verify against the trust bundle the client or node uses (unknown authority)' },
  'tls.chain-incomplete': { severity: 'error', meaning: 'the server omits an intermediate; the chain verifies only if the intermediate is supplied separately' },
  'tls.chain-misordered': { severity: 'warning', meaning: 'the served certificates are not in leaf-to-root issuer order' },
  'tls.hostname-mismatch': { severity: 'error', meaning: "the DNS name used to reach the registry is not among the certificate's SANs" },
  'tls.ip-san-missing': { severity: 'error', meaning: 'the registry is addressed by an IP address that is not among the IP SANs' },
  'tls.cn-only': { severity: 'error', meaning: 'the certificate has no SAN extension; current clients ignore the Common Name' },
  'tls.expired': { severity: 'error', meaning: 'a certificate in the chain is past notAfter' },
  'tls.not-yet-valid': { severity: 'error', meaning: "a certificate's notBefore is in the future (often clock skew)" },
  'tls.expiring-soon': { severity: 'warning', meaning: 'a certificate in the chain expires within the warning window (default 30 days)' },
  'tls.eku-missing': { severity: 'error', meaning: 'the server certificate lacks the serverAuth extended key usage' },
  'tls.ca-constraints': { severity: 'error', meaning: 'a CA lacks CA:TRUE / keyCertSign, or the server certificate is itself marked CA:TRUE' },
  'tls.weak-crypto': { severity: 'warning', meaning: 'RSA below 2048 bits, SHA-1 signatures, or similar' },
  'dns.nxdomain': { severity: 'error', meaning: 'the resolver says the name does not exist' },
  'dns.timeout': { severity: 'error', meaning: 'the resolver does not answer in time' },
  'dns.servfail': { severity: 'error', meaning: 'the resolver fails (SERVFAIL, REFUSED, "server misbehaving", temporary failure)' },
  'dns.wrong-address': { severity: 'error', meaning: 'the name resolves, but not to an address that serves the registry / the expected address' },
  'dns.split-view': { severity: 'error', meaning: "resolvers that must agree disagree, e.g. cluster DNS resolves the registry but the node's resolver (which image pulls use) does not" },
  'dns.coredns-hosts-missing': { severity: 'error', meaning: 'the CoreDNS Corefile has no hosts entry for a registry name that public DNS does not serve' },
  'dns.coredns-hosts-no-fallthrough': { severity: 'warning', meaning: 'a CoreDNS hosts block without `fallthrough` shadows every other name in its zones' },
  'net.connection-refused': { severity: 'error', meaning: 'TCP connection refused' },
  'net.connection-timeout': { severity: 'error', meaning: 'TCP connect times out, no route to host, network unreachable' },
  'net.tls-handshake-failed': { severity: 'error', meaning: 'the TLS handshake times out, is reset, or ends in EOF' },
  'net.plain-http': { severity: 'error', meaning: 'an HTTPS client met a plain-HTTP server, or the reverse' },
  'net.proxy-error': { severity: 'error', meaning: 'an HTTP(S) proxy on the path refused, failed or demanded authentication' },
  'net.cross-boundary-unreachable': { severity: 'error', meaning: 'a pod on one side (on-prem hybrid / cloud) cannot reach a pod or service on the other' },
  'auth.credentials-missing': { severity: 'error', meaning: 'no credentials were presented and the repository requires them' },
  'auth.credentials-invalid': { severity: 'error', meaning: 'credentials were presented and rejected (wrong secret, unknown user)' },
  'auth.robot-disabled': { severity: 'error', meaning: 'the Harbor robot account is disabled' },
  'auth.robot-expired': { severity: 'error', meaning: 'the Harbor robot account has expired' },
  'auth.robot-expiring-soon': { severity: 'warning', meaning: 'the robot account expires within the warning window' },
  'auth.robot-name-mangled': { severity: 'error', meaning: "the username is not the robot's full name (e.g. `robot$name` lost its `$name` to shell expansion)" },
  'auth.insufficient-scope': { severity: 'error', meaning: 'the credentials are valid but do not grant pull on the repository' },
  'auth.pull-secret-missing': { severity: 'error', meaning: 'a pod or service account references an image pull secret that does not exist in its namespace' },
  'auth.pull-secret-malformed': { severity: 'error', meaning: 'the pull secret has the wrong type, invalid JSON/base64, or an auth field that is not base64(user:password)' },
  'auth.pull-secret-registry-mismatch': { severity: 'error', meaning: "no `auths` entry in the pull secret matches the image's registry host[:port]" },
  'auth.pull-secret-not-attached': { severity: 'error', meaning: 'a matching secret exists in the namespace but neither the pod nor its service account references it' },
  'auth.token-realm-unreachable': { severity: 'error', meaning: "the registry's Bearer realm points to a URL the client cannot reach or the wrong external URL" },
  'image.not-found': { severity: 'error', meaning: 'the project, repository, tag or digest does not exist' },
  'image.platform-missing': { severity: 'error', meaning: "the image has no manifest for the node's OS/architecture" },
  'image.invalid-reference': { severity: 'error', meaning: 'the image reference cannot be parsed' },
  'image.policy-vulnerability': { severity: 'error', meaning: 'Harbor\'s "prevent vulnerable images" policy blocked the pull (including unscanned images)' },
  'image.policy-unsigned': { severity: 'error', meaning: 'a signature policy (cosign / notation / runtime signature verification) blocked the pull' },
  'image.rate-limited': { severity: 'error', meaning: 'the registry or the kubelet throttled pulls (429, pull QPS exceeded)' },
  'image.pull-never': { severity: 'error', meaning: 'imagePullPolicy Never and the image is not on the node' },
  'image.pull-timeout': { severity: 'error', meaning: 'the pull timed out or made no progress (deadline exceeded, canceled)' },
  'image.pull-interrupted': { severity: 'error', meaning: 'the transfer broke (unexpected EOF, reset mid-blob, digest mismatch)' },
  'image.unknown': { severity: 'error', meaning: 'the pull failed and the evidence allows no more specific cause' },
  'node.disk-full': { severity: 'error', meaning: 'no space left for images, or image garbage collection cannot free enough' },
  'node.ca-not-installed': { severity: 'error', meaning: "the registry CA is not where the node's runtime looks (certs.d/<host>/ca.crt or hosts.toml `ca`)" },
  'node.ca-mismatch': { severity: 'error', meaning: "the node trusts a CA that does not sign the registry's current chain (e.g. after CA rotation)" },
  'node.containerd-config-conflict': { severity: 'error', meaning: 'containerd `config_path` is set together with `registry.mirrors` or `registry.configs.*.tls`' },
  'node.containerd-dropin-replaces-cri': { severity: 'error', meaning: "on containerd 1.x, a drop-in's CRI plugin section replaces the base config's (config_path, SystemdCgroup, sandbox image are lost)" },
  'node.hosts-toml-invalid': { severity: 'error', meaning: 'a hosts.toml does not parse, has an invalid host tree, or points to a missing CA file' },
  'node.insecure-skip-verify': { severity: 'warning', meaning: 'TLS verification is disabled for the registry' },
  'node.plaintext-registry-credentials': { severity: 'warning', meaning: 'registry credentials are stored in the containerd configuration' },
  'node.clock-skew': { severity: 'error', meaning: 'the node clock differs from the API server / registry beyond tolerance' },
  'node.nodeconfig-invalid': { severity: 'error', meaning: 'the nodeadm NodeConfig fails its schema (unknown fields, missing cluster name or region, both ssm and iamRolesAnywhere)' },
  'node.sandbox-image-unpullable': { severity: 'error', meaning: 'the pause (sandbox) image cannot be pulled, so no pod can start on the node' },
  'node.hybrid-label-missing': { severity: 'warning', meaning: 'a node meant to be hybrid lacks `eks.amazonaws.com/compute-type=hybrid`' },
  'harbor.unreachable': { severity: 'error', meaning: 'the Harbor API does not answer' },
  'harbor.unhealthy': { severity: 'error', meaning: '`/api/v2.0/health` reports an unhealthy component' },
  'harbor.external-url-mismatch': { severity: 'error', meaning: "Harbor's external URL (token realm, systeminfo) differs from the URL nodes use" },
  'harbor.prevent-vul-off': { severity: 'info', meaning: 'the project does not block vulnerable images' },
  'harbor.auto-scan-off': { severity: 'info', meaning: 'the project does not scan images on push' },
  'harbor.vulnerability-policy-unenforced': { severity: 'warning', meaning: 'the project has prevent_vul on but no scanner, so Harbor does not enforce it' },
  // Retired (kept for the shared contract): no check reports it. Harbor 2.13 enforces
  // enable_content_trust as Notation (building.md, difference 3); harbor.content-trust-enforced says so.
  'harbor.notary-removed': { severity: 'info', meaning: 'retired: Harbor 2.13 has no Notary, and its enable_content_trust is Notation (see harbor.content-trust-enforced); not reported' },
  'harbor.content-trust-enforced': { severity: 'info', meaning: 'the project only serves images signed by notation (enable_content_trust) and/or cosign' },
  'metrics.unreachable': { severity: 'error', meaning: 'the metrics endpoint does not serve Prometheus text (disabled, wrong port or path)' },
  'metrics.families-missing': { severity: 'warning', meaning: 'expected Harbor / registry metric families are absent' },
  'metrics.auth-failures-high': { severity: 'warning', meaning: 'the share of 401 responses is above the threshold' },
  'metrics.errors-high': { severity: 'warning', meaning: 'the share of 5xx responses is above the threshold' },
  'metrics.latency-high': { severity: 'warning', meaning: 'request latency quantiles are above the threshold' },
  'metrics.storage-near-quota': { severity: 'warning', meaning: 'project quota usage is above the threshold' },
  'metrics.scrape-config-invalid': { severity: 'warning', meaning: 'a Prometheus scrape config does not target the Harbor metrics endpoint correctly' },
  'eks.remote-node-network-mismatch': { severity: 'error', meaning: "a hybrid node's InternalIP is outside the cluster's remoteNodeNetworks" },
  'eks.remote-pod-network-mismatch': { severity: 'error', meaning: 'hybrid pod IPs or pod CIDRs are outside remotePodNetworks' },
  'eks.remote-network-invalid': { severity: 'error', meaning: 'a remote network is not RFC 1918, overlaps the VPC or service CIDR, or has too many blocks' },
  'eks.endpoint-public-and-private': { severity: 'warning', meaning: 'both public and private endpoint access are on (on-prem nodes may resolve the endpoint to public IPs)' },
  'eks.version-skew': { severity: 'error', meaning: 'kubelet / nodeadm version and the cluster version are outside the supported skew' },
  'cluster.coredns-one-side': { severity: 'warning', meaning: 'all CoreDNS replicas run on one side of the on-prem / cloud boundary' },
  'cluster.webhook-unreachable': { severity: 'error', meaning: 'an admission webhook is served by pods the control plane cannot reach' },
  'cluster.node-not-ready': { severity: 'error', meaning: 'a node is NotReady' },
} as const;

/**
 * Ids this project adds (same `area.kebab-name` form). Each is documented in docs/causes.md.
 * `internal.check-error` is not a target fault: it marks a check that could not run because of
 * the checker itself (Popeye's 666) and is reported apart from findings.
 */
export const PROJECT_CAUSES = {
  'internal.check-error': { severity: 'error', meaning: 'the check itself failed; this is a hybrid-doctor bug or an unexpected environment, not a finding about the target' },
  'auth.pull-secret-copied-everywhere': { severity: 'warning', meaning: "copies of the registry pull secret sit in namespaces that do not pull from the registry (kube-system, kube-public, ...) or carry another namespace's last-applied configuration: leftovers of the guide's copy-to-all-namespaces loop" },
  'auth.realm-untrusted': { severity: 'error', meaning: "credentials were not sent: the Bearer token realm (or the Harbor API) is not https on the Harbor URL's origin and not listed in harbor.trustedRealms" },
  'cluster.api-unreachable': { severity: 'error', meaning: 'the Kubernetes API server named by the kubeconfig context does not answer (connection refused, timeout, TLS failure)' },
  'cluster.api-access-denied': { severity: 'error', meaning: 'the Kubernetes API rejects the credentials (401) or RBAC forbids a read hybrid-doctor needs (403)' },
  // live mode (helpers/kube/probe-namespace.ts)
  'cluster.probe-cleanup-failed': { severity: 'warning', meaning: "hybrid-doctor could not delete its own probe namespace (probe pods, the probe pull secret) at the end of a probe; it stays until deleted by hand or by a later run's garbage collection" },
  'cluster.probe-objects-cleanup-failed': { severity: 'warning', meaning: "hybrid-doctor could not delete its own probe pods or probe pull secret in the existing probe namespace (probeNamespaceMode: existing) at the end of a probe; they stay until deleted by hand or by a later run's garbage collection" },
  'dns.slow': { severity: 'warning', meaning: 'a resolver answers, but slower than the latency warning threshold (every pull and every pod lookup waits for it)' },
  // harbor.yml lint (helpers/harbor-config/): the installation's own configuration file
  'harbor.config-invalid': { severity: 'error', meaning: "harbor.yml does not parse, or breaks Harbor v2.13's harbor.yml.tmpl schema or a rule Harbor's `prepare` enforces (wrong type, missing key, placeholder hostname)" },
  'harbor.config-unknown-key': { severity: 'warning', meaning: 'harbor.yml has a key Harbor v2.13 does not read (often a typo such as `hostnmae`): the setting silently does nothing' },
  'harbor.config-http-only': { severity: 'warning', meaning: 'harbor.yml has no https section: Harbor serves plain HTTP and nodes must treat it as an insecure registry' },
  'harbor.config-certificate': { severity: 'error', meaning: "harbor.yml's https certificate or private key is missing, unreadable, mismatched, expired, or does not cover the hostname" },
  'harbor.config-default-password': { severity: 'error', meaning: "harbor.yml keeps a default password published in Harbor's template (harbor_admin_password or database.password)" },
  'harbor.config-metrics': { severity: 'warning', meaning: "harbor.yml disables metrics, or serves them on a port or path other than the one the target's metrics URL scrapes" },
  'harbor.config-trivy-off': { severity: 'warning', meaning: 'projects are expected to block vulnerable images, but harbor.yml leaves Trivy without vulnerability database updates' },
  'harbor.config-retention': { severity: 'warning', meaning: 'harbor.yml keeps registry data on a temporary path, or rotates logs away so fast that the evidence of a failed pull is gone' },
  // AWS side of the hybrid network (helpers/checks/eks/: EC2 security groups, routes, NACLs; EKS insights)
  'net.sg-ingress-missing': { severity: 'error', meaning: "the EKS control plane's security groups do not let a remote node or pod network in on tcp/443 (the API server)" },
  'net.sg-egress-missing': { severity: 'error', meaning: "the EKS control plane's security groups do not let it out to the remote node network on tcp/10250 (kubelet: logs, exec, port-forward)" },
  'net.route-missing': { severity: 'error', meaning: "a route table of the cluster's subnets has no route for a remote node or pod network" },
  'net.route-wrong-target': { severity: 'error', meaning: "the route for a remote network leads somewhere that is not the on-prem side (internet or NAT gateway, local) instead of a transit gateway, virtual private gateway or peering" },
  'net.route-blackhole': { severity: 'error', meaning: 'the route for a remote network is a blackhole: its target (transit gateway attachment, VPN gateway, interface) is gone' },
  'net.nacl-denied': { severity: 'error', meaning: "a network ACL of the cluster's subnets drops traffic to or from a remote network (a deny rule first, or no allow before the final * deny; NACLs are stateless)" },
  'eks.insight-failing': { severity: 'error', meaning: "an EKS cluster insight (configuration or upgrade readiness) reports ERROR or WARNING; the finding carries AWS's own reason and recommendation" },
  // LDAP authentication (helpers/checks/harbor-ldap/): Harbor in auth_mode ldap_auth
  'harbor.ldap-unreachable': { severity: 'error', meaning: "Harbor's LDAP server (ldap_url) does not accept connections: refused, timed out, or Harbor core cannot reach it" },
  'harbor.ldap-untrusted-cert': { severity: 'error', meaning: "the LDAP server's ldaps certificate does not verify (unknown CA, wrong name, expired) while Harbor verifies it (ldap_verify_cert: true)" },
  'harbor.ldap-bind-failed': { severity: 'error', meaning: 'the LDAP server refuses Harbor\'s search DN bind (ldap_search_dn / ldap_search_password wrong or empty): no LDAP user can log in' },
  'harbor.ldap-base-dn-wrong': { severity: 'error', meaning: 'Harbor binds to LDAP but its user (or group) search finds nothing or fails: the base DN, filter or scope does not match the directory' },
  'harbor.ldap-verify-cert-disabled': { severity: 'warning', meaning: "Harbor connects to ldaps:// with ldap_verify_cert: false: any server can pose as the directory and collect users' passwords" },
  'harbor.ldap-plaintext': { severity: 'warning', meaning: 'Harbor talks to LDAP over ldap:// without TLS: the search DN password and every login password cross the network in clear' },
} as const;

export const CAUSES = { ...CONTRACT_CAUSES, ...PROJECT_CAUSES } as const;

/** Every cause id a finding may name. */
export type CauseId = keyof typeof CAUSES;
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function isCauseId(value: string): value is CauseId {
  return Object.hasOwn(CAUSES, value);
}
