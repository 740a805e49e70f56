import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * TLS causes: what the registry serves and how clients verify it.
 *
 * Params (all optional; see template.ts for what renders when one is missing):
 * - `host`: registry host[:port] as the client addressed it (e.g. `harbor.example.com:443`).
 * - `subjectCN`, `issuer`, `sans`: the certificate in question (sans as a comma list).
 * - `notAfter`, `notBefore`: ISO timestamps; `daysLeft`: whole days until notAfter.
 * - `expected`: what should have been there (a SAN, an issuer, an order).
 * - `detail`: the verifier's own words (Go x509 / OpenSSL / Node error text).
 * The classifier fills `host` and `detail` (and `image`) for the causes it can name.
 */
export const TLS_PARAMS: AreaParams<'tls'> = {
  'tls.untrusted-ca': ['host', 'detail'],
  'tls.chain-incomplete': ['host', 'subjectCN', 'issuer'],
  'tls.chain-misordered': ['host', 'detail'],
  'tls.hostname-mismatch': ['host', 'sans', 'detail'],
  'tls.ip-san-missing': ['host', 'sans', 'detail'],
  'tls.cn-only': ['host', 'subjectCN', 'detail'],
  'tls.expired': ['host', 'subjectCN', 'notAfter', 'detail'],
  'tls.not-yet-valid': ['host', 'subjectCN', 'notBefore', 'detail'],
  'tls.expiring-soon': ['host', 'subjectCN', 'notAfter', 'daysLeft'],
  'tls.eku-missing': ['host', 'subjectCN'],
  'tls.ca-constraints': ['host', 'subjectCN', 'detail'],
  'tls.weak-crypto': ['host', 'subjectCN', 'detail'],
};

const showcerts = 'Inspect what the registry serves: `openssl s_client -showcerts -connect {hostport|<registry>:443}[[ -servername {sni}]] </dev/null`, then `openssl x509 -noout -text` on each certificate.';

export const tls: AreaCatalog<'tls'> = {
  'tls.untrusted-ca': {
    title: 'Registry certificate not trusted',
    message: 'The certificate chain served by {host} does not verify against the trusted CAs[[ ({detail})]]',
    explanation:
      'containerd and the kubelet verify the registry chain against the system bundle plus any CA configured for the host in /etc/containerd/certs.d/<host>/ (hosts.toml `ca` or ca.crt). Harbor with a private CA is "signed by unknown authority" on every node that lacks that CA, so each pull fails before authentication even starts. The same text appears when the node has an older CA (after a rotation) or the server omits an intermediate.',
    remediation: {
      summary: 'Install the Harbor CA where containerd looks for {host}, or fix the served chain.',
      steps: [
        showcerts,
        'Verify the chain against the CA you distribute: `openssl verify -CAfile harbor-ca.crt -untrusted intermediate.crt server.crt`.',
        'On each node: `sudo mkdir -p /etc/containerd/certs.d/{host|<registry>} && sudo cp harbor-ca.crt /etc/containerd/certs.d/{host|<registry>}/ca.crt` (directory name = host[:port] exactly as in the image reference).',
        'Also add it to the OS trust store (`update-ca-certificates` / `update-ca-trust`) for tools like curl and skopeo; restart containerd only if you changed config.toml.',
        'Re-test from the node: `sudo crictl pull {host|<registry>}/library/busybox:1.36` or `sudo ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d {host|<registry>}/library/busybox:1.36`.',
      ],
      docs: [DOCS.containerdHosts, DOCS.harborHttps, DOCS.opensslSClient, DOCS.dockerCerts],
      guideStep: GUIDE.caOnNodes,
    },
  },
  'tls.chain-incomplete': {
    title: 'Intermediate certificate missing from the served chain',
    message: 'The chain served by {host} lacks the intermediate[[ {issuer}]] that issued its certificate[[ {subjectCN}]]',
    explanation:
      'Clients verify from the leaf up to a trusted root using only the certificates the server sends plus their trust store. Go (containerd, kubelet) does not fetch missing intermediates (no AIA chasing), so a server that sends only its leaf fails with "unknown authority" even though browsers that cache intermediates work.',
    remediation: {
      summary: 'Serve the full chain (leaf first, then intermediates) from the Harbor TLS endpoint.',
      steps: [
        showcerts,
        'Build the chain file: `cat server.crt intermediate.crt > fullchain.crt` (leaf first, no root needed).',
        'Point harbor.yml `https.certificate` (or the nginx/ingress in front of Harbor) at fullchain.crt and run `./prepare && docker compose up -d` (or re-deploy the ingress secret).',
        'Confirm `openssl s_client -showcerts` now prints the intermediate and `Verify return code: 0 (ok)` with `-CAfile harbor-ca.crt`.',
      ],
      docs: [DOCS.harborHttps, DOCS.opensslSClient, DOCS.goX509],
      guideStep: GUIDE.tls,
    },
  },
  'tls.chain-misordered': {
    title: 'Served chain is out of order',
    message: '[[{host}||The registry]] serves its certificates out of leaf-to-root order[[ ({detail})]]',
    explanation:
      'TLS 1.2 requires the leaf first and each following certificate to certify the one before it. Go tolerates many orderings, but stricter clients (OpenSSL-based tools, some proxies, Java) fail or build the wrong path, so the same registry works from one client and not another.',
    remediation: {
      summary: 'Reorder the certificate file: leaf, then intermediate(s) in issuer order.',
      steps: [
        showcerts,
        'Rebuild the file in order: `cat server.crt intermediate.crt > fullchain.crt` and reconfigure Harbor/nginx with it.',
        'Check with `openssl crl2pkcs7 -nocrl -certfile fullchain.crt | openssl pkcs7 -print_certs -noout` that each issuer equals the next subject.',
      ],
      docs: [DOCS.harborHttps, DOCS.opensslSClient],
      guideStep: GUIDE.tls,
    },
  },
  'tls.hostname-mismatch': {
    title: 'Registry name not in certificate SANs',
    message: 'The certificate served by {host} does not cover that name[[; it covers {sans}]][[ ({detail})]]',
    explanation:
      'Clients match the host part of the image reference against the DNS SANs of the server certificate. If nodes pull `harbor.example.com/...` but the certificate lists only `harbor.local` (or only the IP), every pull fails with "certificate is valid for X, not Y", even though the CA is trusted.',
    remediation: {
      summary: 'Reissue the certificate with the exact registry name as a DNS SAN, or pull with a name the certificate covers.',
      steps: [
        showcerts,
        'List the SANs: `openssl x509 -noout -ext subjectAltName -in server.crt`.',
        'Add the name to v3.ext (`subjectAltName = DNS:{hostname|<registry name>},DNS:<other names>,IP:<ip>`), re-sign with the Harbor CA, install in Harbor and reload.',
        'Make sure image references, hosts.toml `server`, the pull secret server and Harbor `hostname`/external URL all use the same name.',
      ],
      docs: [DOCS.harborHttps, DOCS.goX509],
      guideStep: GUIDE.tls,
    },
  },
  'tls.ip-san-missing': {
    title: 'Registry addressed by IP without an IP SAN',
    message: 'The certificate served by {host} has no IP SAN for that address[[; it covers {sans}]][[ ({detail})]]',
    explanation:
      'When an image reference or hosts.toml uses an IP address, Go only accepts an IP SAN of that exact address; DNS SANs and the Common Name do not count. The error reads "cannot validate certificate for <ip> because it doesn\'t contain any IP SANs" or "certificate is valid for <ip1>, not <ip2>".',
    remediation: {
      summary: 'Pull by DNS name (preferred) or add `IP:<address>` to the certificate SANs.',
      steps: [
        showcerts,
        'Preferred: give the registry a DNS name (CoreDNS hosts entry for pods, /etc/hosts or DNS for nodes) and use it in image references.',
        'Otherwise add `IP:<address>` to subjectAltName in v3.ext, re-sign, and redeploy the certificate to Harbor.',
      ],
      docs: [DOCS.harborHttps, DOCS.goX509],
      guideStep: GUIDE.tls,
    },
  },
  'tls.cn-only': {
    title: 'Certificate has no SAN extension',
    message: 'The certificate of {host}[[ ({subjectCN})]] names the host only in its Common Name[[ ({detail})]]',
    explanation:
      'Since Go 1.15 the Common Name is ignored for host verification; a certificate without a subjectAltName extension fails with "x509: certificate relies on legacy Common Name field, use SANs instead" in containerd, the kubelet and Docker, whatever the CN says.',
    remediation: {
      summary: 'Reissue the server certificate with a subjectAltName extension listing every registry name and IP.',
      steps: [
        'Confirm: `openssl x509 -noout -ext subjectAltName -in server.crt` prints nothing.',
        'Create v3.ext with `subjectAltName = DNS:{hostname|<registry name>},IP:<ip>` (as in the Harbor HTTPS guide) and sign with `openssl x509 -req ... -extfile v3.ext`.',
        'Install the new certificate in Harbor (harbor.yml `https.certificate`) and reload; nodes need no change if the CA is the same.',
      ],
      docs: [DOCS.goCommonName, DOCS.harborHttps],
      guideStep: GUIDE.tls,
    },
  },
  'tls.expired': {
    title: 'Certificate expired',
    message: 'A certificate served by {host}[[ ({subjectCN})]] has expired[[ (notAfter {notAfter})]][[: {detail}]]',
    explanation:
      'A certificate past its notAfter fails verification everywhere: every pull from the registry stops at once. If only some nodes report it, their clocks may be ahead (compare with `date -u`).',
    remediation: {
      summary: 'Renew the expired certificate (leaf or intermediate) and reload Harbor; check node clocks if the date looks wrong.',
      steps: [
        showcerts,
        'Check validity of each certificate: `openssl x509 -noout -subject -dates -in cert.pem`.',
        'Renew and install the certificate in Harbor (harbor.yml `https.certificate`, then `./prepare && docker compose up -d`), or renew the intermediate/CA and redistribute the CA to nodes.',
        'If the certificate is actually valid, fix the node clock: `timedatectl status`, `chronyc tracking`.',
      ],
      docs: [DOCS.harborHttps, DOCS.opensslSClient, DOCS.chrony],
      guideStep: GUIDE.tls,
    },
  },
  'tls.not-yet-valid': {
    title: 'Certificate not yet valid',
    message: 'A certificate served by {host}[[ ({subjectCN})]] is not valid yet[[ (notBefore {notBefore})]][[: {detail}]]',
    explanation:
      'A notBefore in the future means either the certificate was issued with a future start date or, far more often, the client clock is behind (a node without NTP after a power cycle). Pulls fail until the clock or certificate is corrected.',
    remediation: {
      summary: 'Fix the node clock (NTP) or reissue the certificate with a correct notBefore.',
      steps: [
        'Compare the node clock with a reference: `date -u`, `timedatectl status`, `chronyc tracking`.',
        'Enable time sync: `sudo systemctl enable --now chronyd` (or systemd-timesyncd) and point it at your on-prem NTP servers.',
        'If the clock is right, reissue the certificate (`openssl x509 -noout -dates -in server.crt` shows notBefore).',
      ],
      docs: [DOCS.chrony, DOCS.harborHttps],
      guideStep: GUIDE.tls,
    },
  },
  'tls.expiring-soon': {
    title: 'Certificate expires soon',
    message: 'A certificate served by {host}[[ ({subjectCN})]] expires soon[[ (notAfter {notAfter})]][[, in {daysLeft} days]]',
    explanation:
      'When it expires every node stops pulling from the registry at the same moment, including the pause image on new nodes. Renewing early avoids an outage; if the CA itself is expiring, nodes need the new CA before the switch.',
    remediation: {
      summary: 'Renew the certificate[[ before {notAfter}]] and roll it out to Harbor (and the CA to nodes if it changes).',
      steps: [
        showcerts,
        'Reissue with the same SANs and EKU (`openssl x509 -noout -text -in server.crt` to copy them) and install in Harbor.',
        'If the CA changes, distribute the new CA to /etc/containerd/certs.d/{host|<host[:port]>}/ca.crt on every node first (both CAs can coexist in one file).',
      ],
      docs: [DOCS.harborHttps, DOCS.containerdHosts],
      guideStep: GUIDE.tls,
    },
  },
  'tls.eku-missing': {
    title: 'Server certificate lacks serverAuth EKU',
    message: 'The certificate served by {host}[[ ({subjectCN})]] does not allow TLS server authentication',
    explanation:
      'When an extendedKeyUsage extension is present, Go requires serverAuth for TLS servers; otherwise it fails with "x509: certificate specifies an incompatible key usage". Certificates signed from a client or code-signing template hit this.',
    remediation: {
      summary: 'Reissue the server certificate with `extendedKeyUsage = serverAuth`.',
      steps: [
        'Check: `openssl x509 -noout -ext extendedKeyUsage -in server.crt`.',
        'Add `extendedKeyUsage = serverAuth` to v3.ext (as in the Harbor HTTPS guide), re-sign and install in Harbor.',
      ],
      docs: [DOCS.harborHttps, DOCS.goX509],
      guideStep: GUIDE.tls,
    },
  },
  'tls.ca-constraints': {
    title: 'CA basic constraints or key usage wrong',
    message: 'A certificate[[ ({subjectCN})]] in the chain of {host} has wrong CA constraints[[ ({detail})]]',
    explanation:
      'An issuing certificate must carry basicConstraints CA:TRUE and keyUsage keyCertSign; a server certificate must not be a CA. A CA created without the v3_ca extensions, or a leaf reused as a CA, makes verification fail ("parent certificate cannot sign this kind of certificate").',
    remediation: {
      summary: 'Recreate the CA/intermediate with CA:TRUE and keyCertSign, and the leaf with CA:FALSE.',
      steps: [
        'Inspect each certificate: `openssl x509 -noout -ext basicConstraints,keyUsage -in cert.pem`.',
        'Recreate the CA with `-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign` and re-sign the server certificate with `basicConstraints=CA:FALSE`.',
        'Redistribute the new CA to nodes and install the new chain in Harbor.',
      ],
      docs: [DOCS.harborHttps, DOCS.opensslVerify],
      guideStep: GUIDE.tls,
    },
  },
  'tls.weak-crypto': {
    title: 'Weak certificate cryptography',
    message: 'The chain of {host} uses weak cryptography[[ in {subjectCN}]][[ ({detail})]]',
    explanation:
      'RSA keys below 2048 bits and SHA-1 signatures are rejected by current Go (containerd, kubelet) and OpenSSL security levels; where still accepted they are a security risk and will break on the next runtime upgrade.',
    remediation: {
      summary: 'Reissue the affected certificate with RSA >= 2048 (or ECDSA P-256) and a SHA-256+ signature.',
      steps: [
        'Check: `openssl x509 -noout -text -in cert.pem | grep -E "Public-Key|Signature Algorithm"`.',
        'Regenerate keys with `openssl genrsa -out server.key 4096` and sign with `-sha512` as the Harbor HTTPS guide does.',
      ],
      docs: [DOCS.harborHttps, DOCS.goX509],
      guideStep: GUIDE.tls,
    },
  },
};
