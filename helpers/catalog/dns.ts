import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * DNS causes: how nodes (image pulls use the node's resolver) and pods (cluster DNS) find the registry.
 *
 * Params: `name` (the queried name), `resolver` (resolver address or "node"/"cluster DNS"),
 * `addresses` (answers, comma list), `expected` (expected address(es)), `seconds` (timeout),
 * `host` (registry host from a pull error), `path` (Corefile source, e.g. `kube-system/coredns`),
 * `detail` (resolver error text), `value` / `threshold` (latency and warning threshold, ms), `lost`
 * ("2 of 4": queries answered only on a retry).
 */
export const DNS_PARAMS: AreaParams<'dns'> = {
  'dns.nxdomain': ['name', 'host', 'resolver', 'detail'],
  'dns.timeout': ['name', 'host', 'resolver', 'seconds', 'detail'],
  'dns.servfail': ['name', 'host', 'resolver', 'detail'],
  'dns.wrong-address': ['name', 'resolver', 'addresses', 'expected'],
  'dns.split-view': ['name', 'node', 'addresses', 'detail'],
  'dns.coredns-hosts-missing': ['name', 'path'],
  'dns.coredns-hosts-no-fallthrough': ['path', 'detail'],
  'dns.slow': ['name', 'resolver', 'value', 'threshold', 'lost'],
};

export const dns: AreaCatalog<'dns'> = {
  'dns.nxdomain': {
    title: 'Registry name does not resolve',
    message: 'The registry name[[ {host}]] does not exist according to {resolver}[[ ({detail})]]',
    explanation:
      'Image pulls are done by containerd on the node, so they use the node\'s /etc/resolv.conf, not CoreDNS. A private Harbor name that exists only in a CoreDNS hosts block or in a zone the node\'s resolver cannot see gives "no such host" even though pods can resolve it.',
    remediation: {
      summary: 'Make the registry name resolvable by the node resolver (DNS record or /etc/hosts), and by CoreDNS for pods.',
      steps: [
        'On the node: `getent hosts {hostname|<registry name>}` and `resolvectl query {hostname|<registry name>}` (or `dig {hostname|<registry name>}`); check /etc/resolv.conf.',
        'Add an A record in the on-prem DNS, or an /etc/hosts entry on every node (`<harbor ip> {hostname|<registry name>}`).',
        'For pods, add the name to the CoreDNS hosts block (with `fallthrough`) as in the guide.',
        'Retry: `sudo crictl pull {host|<registry>}/library/busybox:1.36`.',
      ],
      docs: [DOCS.k8sDnsDebug, DOCS.corednsHosts, DOCS.eksHybridNetworking],
      guideStep: GUIDE.dns,
    },
  },
  'dns.timeout': {
    title: 'DNS resolver does not answer',
    message: 'DNS query for {host} timed out at {resolver}[[ ({detail})]]',
    explanation:
      'If the resolver in the node\'s resolv.conf is unreachable (firewall on UDP/TCP 53, a VPN down, a resolver only reachable from the VPC), every name lookup waits for the timeout and pulls fail with "i/o timeout" on port 53.',
    remediation: {
      summary: 'Make the configured resolver reachable from the node, or configure a reachable one.',
      steps: [
        'Test: `dig @<resolver> {hostname|<registry name>} +tries=1 +time=2` and `dig +tcp @<resolver> {hostname|<registry name>}`.',
        'Check firewalls/security groups for UDP and TCP 53 between the node and the resolver.',
        'Fix /etc/resolv.conf (or systemd-resolved / netplan DNS settings) to point at an on-prem resolver.',
      ],
      docs: [DOCS.k8sDnsDebug, DOCS.eksHybridNetworking],
      guideStep: GUIDE.dns,
    },
  },
  'dns.servfail': {
    title: 'DNS resolver fails',
    message: 'DNS lookup of {host} failed at {resolver}[[: {detail}]]',
    explanation:
      'SERVFAIL, REFUSED, "server misbehaving" and "Temporary failure in name resolution" mean the resolver could not produce an answer: its upstream is unreachable, DNSSEC validation failed, or it refuses recursion for this client.',
    remediation: {
      summary: 'Fix the resolver (or its forwarding) so it answers for the registry name.',
      steps: [
        'Query it directly: `dig @<resolver> {hostname|<registry name>}` and look at the status line (SERVFAIL/REFUSED).',
        'Check the resolver\'s upstream/forwarders and ACLs; for systemd-resolved see `resolvectl status`.',
        'If the name is private, make sure the resolver is authoritative for or forwards the zone to the on-prem DNS.',
      ],
      docs: [DOCS.k8sDnsDebug, DOCS.corednsForward],
      guideStep: GUIDE.dns,
    },
  },
  'dns.wrong-address': {
    title: 'Registry name resolves to the wrong address',
    message: '[[{name}||The registry name]] resolves to an unexpected address[[ ({addresses})]] at {resolver}[[; expected {expected}]]',
    explanation:
      'A stale record, a leftover /etc/hosts or CoreDNS hosts line, or split-horizon DNS can send pulls to an old Harbor, a load balancer without the right certificate, or nowhere. The symptoms are then TLS or connection errors that hide the DNS cause.',
    remediation: {
      summary: 'Correct the record (DNS, /etc/hosts or CoreDNS hosts) so [[{name}||the name]] points at [[{expected}||the registry address]].',
      steps: [
        'Compare answers: `dig {name}`, `getent hosts {name}` on the node, and `kubectl run -it --rm dnsprobe --image=<registry>/library/busybox:1.36 -- nslookup {name}` for pods.',
        'Fix the source of the wrong answer (zone record, /etc/hosts, CoreDNS hosts block) and flush caches (`resolvectl flush-caches`, CoreDNS `cache` TTL).',
      ],
      docs: [DOCS.k8sDnsDebug, DOCS.corednsHosts],
      guideStep: GUIDE.dns,
    },
  },
  'dns.split-view': {
    title: 'Node and cluster DNS disagree',
    message: 'Resolvers disagree about [[{name}||the registry name]][[ (seen from {node})]][[: {addresses}]][[ ({detail})]]',
    explanation:
      'Pods resolve through CoreDNS, but containerd pulls images through the node\'s resolver. The guide\'s CoreDNS hosts entry makes the registry resolvable for pods only; if the node resolver does not know the name, `kubectl run` tests from pods succeed while every image pull fails.',
    remediation: {
      summary: 'Make the node resolver return the same address CoreDNS returns for [[{name}||the registry name]].',
      steps: [
        'Node view: `getent hosts {name}`; cluster view: `kubectl -n kube-system get cm coredns -o yaml` and an nslookup from a pod.',
        'Add the registry name to the on-prem DNS (preferred) or to /etc/hosts on every hybrid node (e.g. via your OS image or nodeadm bootstrap).',
      ],
      docs: [DOCS.k8sDnsDebug, DOCS.corednsHosts, DOCS.eksHybridNetworking],
      guideStep: GUIDE.dns,
    },
  },
  'dns.coredns-hosts-missing': {
    title: 'CoreDNS has no hosts entry for the registry',
    message: 'The Corefile[[ in {path}]] has no hosts entry for [[{name}||the registry name]], which public DNS does not serve',
    explanation:
      'When the registry name exists only on-prem, pods (and anything resolving through CoreDNS, such as in-cluster tests and proxies) need a hosts entry or a forward to the on-prem DNS; without it they get NXDOMAIN from the upstream resolver.',
    remediation: {
      summary: 'Add the registry to a CoreDNS hosts block (with fallthrough) or forward its zone to the on-prem DNS.',
      steps: [
        '`kubectl -n kube-system edit configmap coredns` and add inside the server block a `hosts { ... }` block with the line `<harbor ip> {name}` and `fallthrough` as its last line.',
        'Wait for the `reload` plugin (or `kubectl -n kube-system rollout restart deployment coredns`) and test with nslookup from a pod.',
      ],
      docs: [DOCS.corednsHosts, DOCS.k8sDnsCustom],
      guideStep: GUIDE.dns,
    },
  },
  'dns.coredns-hosts-no-fallthrough': {
    title: 'CoreDNS hosts block without fallthrough',
    message: 'A hosts block in the Corefile[[ {path}]] has no `fallthrough`: names of its zones that it does not list get SERVFAIL instead of reaching the next plugin[[ ({detail})]]',
    explanation:
      'The hosts plugin answers for the zones it is given (every name when none is given). Without `fallthrough`, a name in those zones that it does not list never reaches the next plugin (`forward`, `kubernetes`): CoreDNS (1.12 included) answers SERVFAIL, not NXDOMAIN, because a hosts file has no SOA to send a negative answer with. Clients see "server misbehaving" or "Temporary failure in name resolution", and with a hosts block for the root zone that breaks every external lookup cluster-wide. A name that is listed but lacks the asked record type (AAAA for an A-only entry) gets an empty NOERROR answer instead.',
    remediation: {
      summary: 'Add `fallthrough` to the hosts block (or limit the block to the registry zone).',
      steps: [
        '`kubectl -n kube-system edit configmap coredns`: inside `hosts { ... }` add a line `fallthrough`.',
        'Verify: `kubectl run -it --rm dnsprobe --image=<registry>/library/busybox:1.36 -- nslookup kubernetes.io`.',
      ],
      docs: [DOCS.corednsHosts, DOCS.k8sDnsCustom],
      guideStep: GUIDE.dns,
    },
  },
  'dns.slow': {
    title: 'DNS resolver is slow',
    message: '[[{resolver}||The resolver]] answered [[{name}||a lookup]] slowly[[ ({value} ms)]][[, above the {threshold} ms warning threshold]][[; {lost} queries were lost and answered only on a retry]]',
    explanation:
      'Every image pull on a node starts with a lookup through the node resolver, and every pod lookup goes through CoreDNS and its upstream. A resolver that answers slowly (an overloaded or distant server, a first resolver in resolv.conf that times out before the second answers, CoreDNS forwarding across the on-prem / cloud boundary) adds that delay to every pull and can push lookups past client timeouts under load.',
    remediation: {
      summary: 'Point nodes and CoreDNS at a resolver close to them and check it is healthy.',
      steps: [
        'Measure: `dig @<resolver> {name}` a few times and look at "Query time"; compare with the other resolvers in /etc/resolv.conf.',
        'Remove unreachable or slow nameservers from the node resolv.conf (the first one is always tried first), and keep the on-prem resolver on the on-prem side.',
        'For CoreDNS, keep the `cache` plugin enabled and check the latency of the `forward` upstream (CoreDNS metrics `coredns_forward_request_duration_seconds`).',
        'Lost queries answered on the retry (about 5 s each): look for UDP drops between the node and the resolver (`conntrack -S` insert_failed, a NodePort or Service in the path); `options single-request-reopen` in resolv.conf or NodeLocal DNSCache avoid the conntrack race.',
      ],
      docs: [DOCS.k8sDnsDebug, DOCS.corednsHosts],
      guideStep: GUIDE.dns,
    },
  },
};
