import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';
import { netAws } from './net-aws.ts';

/**
 * Network causes between a client (node, pod, checker) and the registry or the other side.
 *
 * Params: `host` (host[:port] contacted), `address` (resolved IP:port when known), `seconds`
 * (timeout used), `url` (proxy or request URL), `status` (HTTP status), `node`, `pod`, `namespace`
 * (cross-boundary probes), `detail` (error text). The AWS-side entries (security groups, routes,
 * NACLs of the EKS cluster's VPC) are in net-aws.ts.
 */
export const NET_PARAMS: AreaParams<'net'> = {
  'net.connection-refused': ['host', 'address', 'detail'],
  'net.connection-timeout': ['host', 'address', 'detail'],
  'net.tls-handshake-failed': ['host', 'detail'],
  'net.plain-http': ['host', 'detail'],
  'net.proxy-error': ['host', 'url', 'status', 'detail'],
  'net.cross-boundary-unreachable': ['node', 'namespace', 'pod', 'address', 'detail'],
  'net.sg-ingress-missing': ['group', 'cidr', 'port', 'network'],
  'net.sg-egress-missing': ['group', 'cidr', 'port', 'network'],
  'net.route-missing': ['routeTable', 'subnets', 'cidr', 'network'],
  'net.route-wrong-target': ['routeTable', 'subnets', 'cidr', 'network', 'target', 'destination'],
  'net.route-blackhole': ['routeTable', 'subnets', 'cidr', 'network', 'target', 'destination'],
  'net.nacl-denied': ['networkAcl', 'subnets', 'cidr', 'port', 'direction', 'rule', 'detail'],
};

export const net: AreaCatalog<'net'> = {
  'net.connection-refused': {
    title: 'Connection refused',
    message: 'TCP connection to {host} was refused[[ ({detail})]]',
    explanation:
      'Something answered at the address but nothing listens on the port: Harbor (nginx) down, a wrong port in the image reference or hosts.toml `server`, or the name resolving to the wrong machine. Refused means the path works, the service does not.',
    remediation: {
      summary: 'Make Harbor listen on the address and port the node uses, or fix the port/name used.',
      steps: [
        'From the node: `nc -vz <harbor ip> 443` and `curl -v https://{host|<registry>}/v2/` (expect 401 with a Www-Authenticate header).',
        'On the Harbor host: `docker compose ps` (nginx, core, registry healthy) and `ss -ltnp | grep 443`.',
        'Check that the port in the image reference, hosts.toml `server` and the pull secret server match Harbor\'s https port.',
      ],
      docs: [DOCS.harborTroubleshoot, DOCS.containerdHosts],
      guideStep: GUIDE.network,
    },
  },
  'net.connection-timeout': {
    title: 'Registry unreachable (timeout / no route)',
    message: 'No TCP connection to {host}: timed out or no route[[ ({detail})]]',
    explanation:
      'Packets to the registry are dropped or not routed: a firewall or security group blocks 443, the node has no route to the registry network, or the address belongs to a network only reachable from the VPC. Each pull waits for the dial timeout before failing.',
    remediation: {
      summary: 'Open and route TCP to the registry port from the hybrid nodes.',
      steps: [
        'From the node: `ip route get <harbor ip>`, `nc -vz -w 5 <harbor ip> 443`, `traceroute -T -p 443 <harbor ip>`.',
        'Allow the node CIDR to Harbor on 443 (security group / firewall) as in the guide; check on-prem firewalls and VPN/Direct Connect routes.',
      ],
      docs: [DOCS.eksHybridNetworking, DOCS.harborTroubleshoot],
      guideStep: GUIDE.network,
    },
  },
  'net.tls-handshake-failed': {
    title: 'TLS handshake failed',
    message: 'The TLS handshake with {host} timed out, was reset or ended early[[ ({detail})]]',
    explanation:
      'The TCP connection opens but TLS does not complete: a middlebox (firewall, IPS, proxy) resets or blackholes it, MTU problems drop the large certificate packets, the server has no certificate for the SNI name, or client and server share no protocol/cipher.',
    remediation: {
      summary: 'Find what breaks the handshake between the node and {host}: middlebox, MTU or server TLS config.',
      steps: [
        'From the node: `openssl s_client -connect {hostport|<registry>:443}[[ -servername {sni}]] -showcerts </dev/null` and `curl -v https://{host|<registry>}/v2/`.',
        'Test MTU: `ping -M do -s 1372 <harbor ip>` (lower until it passes) — VPN/Direct Connect paths often need a smaller MTU.',
        'Check nginx/ingress logs on the Harbor side for handshake errors and the TLS protocols/ciphers enabled.',
      ],
      docs: [DOCS.opensslSClient, DOCS.eksHybridNetworking, DOCS.harborHttps],
      guideStep: GUIDE.network,
    },
  },
  'net.plain-http': {
    title: 'HTTP/HTTPS mismatch',
    message: 'HTTPS client and plain-HTTP server (or the reverse) at {host}[[ ({detail})]]',
    explanation:
      'containerd talks HTTPS by default; Harbor behind plain HTTP answers "server gave HTTP response to HTTPS client". The reverse (containerd speaking HTTP to the TLS port) yields "400 Bad Request: The plain HTTP request was sent to HTTPS port" — on containerd 1.6 this happens when a hosts.toml without a [host] table is ignored and loopback/IP hosts fall back to HTTP.',
    remediation: {
      summary: 'Serve Harbor over HTTPS and make containerd use https:// for it (hosts.toml `server` and `[host."https://..."]`).',
      steps: [
        'Check what the endpoint speaks: `curl -v http://{host|<registry>}/v2/` vs `curl -v https://{host|<registry>}/v2/`.',
        'Write /etc/containerd/certs.d/{host|<registry>}/hosts.toml as: `server = "https://{host|<registry>}"` and `[host."https://{host|<registry>}"]` with `capabilities = ["pull", "resolve"]` and `ca = "/etc/containerd/certs.d/{host|<registry>}/ca.crt"`.',
        'Do not switch to `http://` or `skip_verify = true` to make the error go away; enable HTTPS in harbor.yml instead.',
      ],
      docs: [DOCS.containerdHosts, DOCS.harborHttps],
      guideStep: GUIDE.caOnNodes,
    },
  },
  'net.proxy-error': {
    title: 'HTTP(S) proxy on the path failed',
    message: '[[The proxy {url}||A proxy]] failed the request to {host}[[ (HTTP {status})]][[: {detail}]]',
    explanation:
      'containerd honours HTTP_PROXY/HTTPS_PROXY/NO_PROXY from its systemd environment. If the on-prem registry is not in NO_PROXY, pulls go to the proxy, which refuses, requires authentication (407) or cannot reach Harbor.',
    remediation: {
      summary: 'Exclude the registry from the proxy (NO_PROXY) or fix the proxy settings for containerd and kubelet.',
      steps: [
        'Show containerd\'s environment: `systemctl show containerd --property=Environment` and `cat /etc/systemd/system/containerd.service.d/*.conf`.',
        'Add the registry name, its IP and the cluster/pod/service CIDRs to NO_PROXY, then `sudo systemctl daemon-reload && sudo systemctl restart containerd`.',
        'If a proxy is required, set credentials/URL correctly and test with `curl -x $HTTPS_PROXY -v https://{host|<registry>}/v2/`.',
      ],
      docs: [DOCS.eksHybridProxy, DOCS.containerdCriRegistry],
      guideStep: GUIDE.network,
    },
  },
  'net.cross-boundary-unreachable': {
    title: 'No connectivity across the on-prem / cloud boundary',
    message: '[[Pod {namespace}/{pod}||A probe pod]][[ on {node}]] cannot reach[[ {address} on]] the other side of the boundary[[ ({detail})]]',
    explanation:
      'Hybrid clusters need routable pod networks in both directions: cloud nodes and the control plane must reach on-prem pod CIDRs (remotePodNetworks, BGP or static routes), and on-prem pods must reach VPC addresses. Without it, services spanning both sides, webhooks and CoreDNS on the other side fail.',
    remediation: {
      summary: 'Route the on-prem pod CIDR to the VPC and back, and allow it in security groups and firewalls.',
      steps: [
        'Check the cluster: `aws eks describe-cluster --name <cluster> --query cluster.remoteNetworkConfig`.',
        'Advertise pod CIDRs (Cilium/Calico BGP) or add static routes on the on-prem router; add VPC route table entries to the on-prem gateway (TGW/VGW).',
        'Allow the pod CIDRs in the cluster security group and on-prem firewalls; re-test with a probe pod on each side.',
      ],
      docs: [DOCS.eksHybridNetworking, DOCS.eksHybridCni, DOCS.eksHybridWebhooks],
      guideStep: GUIDE.network,
    },
  },
  ...netAws,
};
