import type { CauseId } from '../findings/cause-ids.ts';
import type { Finding } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import { redactor } from '../redact.ts';

/**
 * Maps image-pull error texts (kubelet events and waiting messages, containerd 1.x/2.x, CRI-O,
 * Docker, crictl, ctr, skopeo) to a cause id. This is the one place in the project that parses
 * free text (style.md §4): every rule below has real messages as test vectors in
 * ../../../shared/vectors/pull-error-messages.json and ./vectors/extra-pull-errors.json.
 *
 * Rules match the structure of the messages (status codes, Go x509/net error phrases, runtime
 * wrappers), not exact strings, and run from most to least specific; the first match wins.
 */

export type Confidence = 'high' | 'medium' | 'low';

/** Values extracted from the text; the catalog templates of the classified cause use them. */
export interface ClassificationParams {
  /** Image reference from `Failed to pull image "X"` and similar wrappers. */
  image?: string;
  /** Registry (or realm / proxy / DNS name) host[:port] the failing request went to. */
  host?: string;
  /** Tag or digest of `image`. */
  reference?: string;
  /** HTTP status code (e.g. "401") when the text carries one. */
  status?: string;
  /** The innermost error text, wrappers removed (the raw text for unknown messages). */
  detail?: string;
}

export interface Classification {
  cause: CauseId;
  confidence: Confidence;
  /** Id of the rule that matched (stable; tests and evidence refer to it). */
  rule: string;
  params: ClassificationParams;
  /** Other causes the same text is compatible with, most likely first. */
  alternatives?: CauseId[];
}

interface Rule {
  id: string;
  cause: CauseId;
  confidence: Confidence;
  alternatives?: CauseId[];
  /** Matches against the bounded, whitespace-collapsed text. */
  test: (t: string) => boolean;
}

/** Texts longer than this are classified on their head and tail (kubelet messages are < 4 KB). */
const HEAD = 12_288;
const TAIL = 4_096;

const re = (source: RegExp) => (t: string) => source.test(t);
const all = (...sources: RegExp[]) => (t: string) => sources.every((s) => s.test(t));

const NET_FAILURE =
  /connection refused|no such host|i\/o timeout|no route to host|network is unreachable|connection timed out|server misbehaving|temporary failure in name resolution|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH/i;
const TOKEN_FETCH = /failed to fetch (?:anonymous|oauth) token|failed to authorize|fetching token|get(?:ting)? (?:bearer )?token/i;
const HTTP_401 = /\b401\b|\bunauthorized\b/i;
const BLOB_URL = /\/blobs\/(?:sha256|sha512):/i;

/**
 * Ordered most to least specific. Comments say why an order matters where it is not obvious.
 */
const RULES: Rule[] = [
  // --- kubelet / runtime states that name themselves -------------------------------------
  { id: 'pull-never', cause: 'image.pull-never', confidence: 'high', test: re(/ErrImageNeverPull|is not present with pull policy of Never/i) },
  {
    id: 'invalid-reference',
    cause: 'image.invalid-reference',
    confidence: 'high',
    test: re(/InvalidImageName|couldn't parse image (?:reference|name)|invalid reference format|failed to parse image (?:reference|name)|Failed to apply default image tag|repository name must be lowercase|invalid repository name|invalid tag format/i),
  },
  { id: 'pull-secret-missing', cause: 'auth.pull-secret-missing', confidence: 'high', test: re(/Unable to retrieve (?:some )?image pull secrets?/i) },
  {
    id: 'pull-secret-malformed',
    cause: 'auth.pull-secret-malformed',
    confidence: 'high',
    test: re(/unable to parse auth field|must be formatted as base64\(username:password\)|illegal base64 data at input|invalid (?:docker ?config|\.dockerconfigjson)|error (?:parsing|unmarshal+ing) (?:\.?docker ?config|dockercfg)/i),
  },
  // containerd's own configuration, pasted from `journalctl -u containerd`.
  {
    id: 'containerd-config-conflict',
    cause: 'node.containerd-config-conflict',
    confidence: 'high',
    test: re(/`?(?:mirrors|configs(?:\.tls)?|tls)`? cannot be set when `?config_path`? is provided/i),
  },
  {
    id: 'cri-service-missing',
    cause: 'node.containerd-config-conflict',
    confidence: 'low',
    alternatives: ['node.containerd-dropin-replaces-cri'],
    test: re(/unknown service runtime\.v1(?:alpha2)?\.(?:Image|Runtime)Service/i),
  },
  {
    id: 'hosts-toml-invalid',
    cause: 'node.hosts-toml-invalid',
    confidence: 'high',
    test: re(/failed to (?:decode|load|parse) hosts\.toml|invalid host tree|hosts\.toml[^\n]{0,200}?(?:toml:|parse error|no such file)|certs\.d\/[^\s]{1,200}\.(?:crt|pem)[^\n]{0,40}?no such file or directory/i),
  },

  // --- Harbor / runtime policy ------------------------------------------------------------
  {
    id: 'harbor-vulnerability-policy',
    cause: 'image.policy-vulnerability',
    confidence: 'high',
    test: re(/cannot be pulled due to configured policy|Prevent images with vulnerability severity|without vulnerability scanning cannot be pulled|status of vulnerability scanning/i),
  },
  {
    id: 'signature-policy',
    cause: 'image.policy-unsigned',
    confidence: 'high',
    test: re(/image is not signed|not signed (?:in|by) (?:cosign|notation|notary)|SignatureValidationFailed|signature validation failed|A signature was required|no signature exists|Source image rejected|signature verification failed|rejected by policy/i),
  },
  // Harbor answers 412 for both policies; containerd drops the body. Harbor 2.13 enforces content
  // trust (Notation, cosign) as often as prevent_vul (which needs a scanner), so a bare 412 is
  // only a medium-confidence guess with the signature policy as its alternative; the image-pull
  // checks read the 412 text itself (helpers/registry/registry-errors.ts) and never guess.
  // Real texts: building.md, differences 2-4.
  {
    id: 'precondition-failed',
    cause: 'image.policy-vulnerability',
    confidence: 'medium',
    alternatives: ['image.policy-unsigned'],
    test: re(/\b412 Precondition Failed|PROJECTPOLICYVIOLATION|status code 412\b/i),
  },

  // --- throttling, disk --------------------------------------------------------------------
  {
    id: 'rate-limited',
    cause: 'image.rate-limited',
    confidence: 'high',
    test: re(/toomanyrequests|\b429 Too Many Requests|status code 429\b|pull QPS exceeded|rate limit exceeded|reached your pull rate limit|TOOMANYREQUESTS/i),
  },
  {
    id: 'disk-full',
    cause: 'node.disk-full',
    confidence: 'high',
    test: re(/no space left on device|Failed to garbage collect required amount of images|disk quota exceeded|ENOSPC|DiskPressure/i),
  },

  // --- proxy (before connection errors: `proxyconnect tcp: ... connection refused`) --------
  {
    id: 'proxy',
    cause: 'net.proxy-error',
    confidence: 'high',
    test: re(/proxyconnect tcp|Proxy Authentication Required|\b407\b[^\n]{0,40}proxy|proxy[^\n]{0,40}\b407\b|proxy error|error from proxy|bad response from proxy/i),
  },

  // --- token realm: a network/DNS failure while fetching the Bearer token -------------------
  {
    id: 'token-realm-network',
    cause: 'auth.token-realm-unreachable',
    confidence: 'medium',
    alternatives: ['harbor.external-url-mismatch'],
    test: (t) => /failed to fetch (?:anonymous|oauth) token|failed to authorize/i.test(t) && NET_FAILURE.test(afterFirst(t, /failed to fetch (?:anonymous|oauth) token|failed to authorize/i)),
  },
  {
    id: 'token-realm-404',
    cause: 'auth.token-realm-unreachable',
    confidence: 'medium',
    alternatives: ['harbor.external-url-mismatch'],
    test: all(/failed to fetch (?:anonymous|oauth) token/i, /\b404\b/),
  },

  // --- TLS (Go crypto/x509 and crypto/tls, before and after Go 1.20; Node/OpenSSL codes) ----
  {
    id: 'x509-not-yet-valid',
    cause: 'tls.not-yet-valid',
    confidence: 'high',
    alternatives: ['node.clock-skew'],
    test: re(/has expired or is not yet valid: current time \S{1,64} is before|certificate is not yet valid|CERT_NOT_YET_VALID/i),
  },
  {
    id: 'x509-expired',
    cause: 'tls.expired',
    confidence: 'high',
    alternatives: ['node.clock-skew'],
    test: re(/has expired or is not yet valid: current time \S{1,64} is after|certificate has expired(?! or)|CERT_HAS_EXPIRED/i),
  },
  {
    id: 'x509-expired-or-not-yet-valid',
    cause: 'tls.expired',
    confidence: 'medium',
    alternatives: ['tls.not-yet-valid', 'node.clock-skew'],
    test: re(/has expired or is not yet valid/i),
  },
  {
    id: 'x509-ip-san-missing',
    cause: 'tls.ip-san-missing',
    confidence: 'high',
    test: re(/because it doesn't contain any IP SANs|IP: [0-9a-f.:]{2,64} is not in the cert's list|certificate is valid for [^\n]{1,400}?, not (?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[?[0-9a-f]{0,4}:[0-9a-f:]{1,40}\]?)(?:$|[\s"'),;])/i),
  },
  { id: 'x509-cn-only', cause: 'tls.cn-only', confidence: 'high', test: re(/relies on legacy Common Name field/i) },
  {
    id: 'x509-no-names',
    cause: 'tls.cn-only',
    confidence: 'medium',
    alternatives: ['tls.hostname-mismatch'],
    test: re(/certificate is not valid for any names/i),
  },
  {
    id: 'x509-hostname-mismatch',
    cause: 'tls.hostname-mismatch',
    confidence: 'high',
    test: re(/certificate is valid for [^\n]{1,400}?, not \S|Hostname\/IP does(?: not|n't) match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID|no alternative certificate subject name matches/i),
  },
  {
    id: 'x509-eku',
    cause: 'tls.eku-missing',
    confidence: 'high',
    test: re(/certificate specifies an incompatible key usage|unsupported certificate purpose|INVALID_PURPOSE/i),
  },
  {
    id: 'x509-ca-constraints',
    cause: 'tls.ca-constraints',
    confidence: 'high',
    test: re(/parent certificate cannot sign this kind of certificate|not authorized to sign other certificates|invalid CA certificate|INVALID_CA/i),
  },
  {
    id: 'x509-weak',
    cause: 'tls.weak-crypto',
    confidence: 'high',
    test: re(/insecure algorithm (?:SHA1|MD5)|x509sha1|ca md too weak|ee key too small|key too small/i),
  },
  {
    id: 'x509-chain-incomplete',
    cause: 'tls.chain-incomplete',
    confidence: 'medium',
    alternatives: ['tls.untrusted-ca'],
    test: re(/unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to get issuer certificate/i),
  },
  // A trusted CA with the same name but another key: typical after a CA rotation.
  {
    id: 'x509-unknown-authority-candidate',
    cause: 'tls.untrusted-ca',
    confidence: 'high',
    alternatives: ['node.ca-mismatch', 'node.ca-not-installed'],
    test: re(/signed by unknown authority \(possibly because of [^\n]{0,300}?candidate authority/i),
  },
  {
    id: 'x509-unknown-authority',
    cause: 'tls.untrusted-ca',
    confidence: 'high',
    alternatives: ['node.ca-not-installed', 'node.ca-mismatch', 'tls.chain-incomplete'],
    test: re(/certificate signed by unknown authority|unable to get local issuer certificate|self[- ]signed certificate|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|certificate verify failed/i),
  },

  // --- plain HTTP (before handshake errors: `first record does not look like a TLS handshake`)
  {
    id: 'plain-http',
    cause: 'net.plain-http',
    confidence: 'high',
    test: re(/server gave HTTP response to HTTPS client|http: server gave HTTP response|does not look like a TLS handshake|plain HTTP request was sent to HTTPS port|wrong version number|ERR_SSL_WRONG_VERSION_NUMBER|EPROTO[^\n]{0,80}?(?:wrong version|packet length too long)/i),
  },
  {
    id: 'tls-handshake',
    cause: 'net.tls-handshake-failed',
    confidence: 'high',
    test: re(/TLS handshake timeout|tls: handshake failure|remote error: tls:|tls: [^\n]{0,60}?(?:EOF|reset|timeout)|handshake[^\n]{0,40}?(?:EOF|reset by peer)|ECONNRESET[^\n]{0,80}?TLS|before secure TLS connection was established|SSL_ERROR_SYSCALL|alert handshake failure/i),
  },

  // --- DNS (before generic timeouts: `lookup H on R:53: ... i/o timeout`) -----------------
  {
    id: 'dns-nxdomain',
    cause: 'dns.nxdomain',
    confidence: 'high',
    alternatives: ['dns.split-view'],
    test: re(/lookup [^\s]{1,300}?(?: on [^\s]{1,80})?: no such host|getaddrinfo ENOTFOUND|NXDOMAIN|Name or service not known|nodename nor servname provided/i),
  },
  {
    id: 'dns-timeout',
    cause: 'dns.timeout',
    confidence: 'high',
    test: re(/lookup [^\s]{1,300}?(?: on [^\s]{1,80})?: [^\n]{0,120}?(?:i\/o timeout|timed out)|:53: i\/o timeout|getaddrinfo ETIMEOUT|DNS (?:query|lookup) timed out/i),
  },
  {
    id: 'dns-servfail',
    cause: 'dns.servfail',
    confidence: 'high',
    alternatives: ['dns.nxdomain', 'dns.timeout'],
    test: re(/server misbehaving|Temporary failure in name resolution|SERVFAIL|getaddrinfo EAI_AGAIN|lookup [^\s]{1,300}?(?: on [^\s]{1,80})?: [^\n]{0,80}?(?:refused|no answer)/i),
  },

  // --- TCP ------------------------------------------------------------------------------------
  { id: 'connection-refused', cause: 'net.connection-refused', confidence: 'high', test: re(/connection refused|ECONNREFUSED/i) },
  {
    id: 'connection-timeout',
    cause: 'net.connection-timeout',
    confidence: 'high',
    test: re(/dial tcp [^\s]{1,100}: (?:connect: )?(?:i\/o timeout|no route to host|network is unreachable|connection timed out|operation timed out)|no route to host|network is unreachable|EHOSTUNREACH|ENETUNREACH|connect ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/i),
  },

  // --- authentication / authorisation ---------------------------------------------------------
  { id: 'no-basic-auth-credentials', cause: 'auth.credentials-missing', confidence: 'high', test: re(/no basic auth credentials/i) },
  // containerd: anonymous token = no credentials configured for the host; oauth = sent and rejected.
  { id: 'anonymous-token-401', cause: 'auth.credentials-missing', confidence: 'high', alternatives: ['auth.pull-secret-registry-mismatch'], test: all(/failed to fetch anonymous token/i, HTTP_401) },
  {
    id: 'oauth-token-401',
    cause: 'auth.credentials-invalid',
    confidence: 'high',
    alternatives: ['auth.robot-name-mangled', 'auth.robot-disabled', 'auth.robot-expired'],
    test: all(/failed to fetch oauth token|failed to fetch basic token|oauth2\/token[^\n]{0,200}?401|POST[^\n]{0,200}?token[^\n]{0,200}?401/i, HTTP_401),
  },
  { id: 'anonymous-token-403', cause: 'auth.insufficient-scope', confidence: 'medium', alternatives: ['auth.credentials-missing'], test: all(/failed to fetch anonymous token/i, /\b403\b|forbidden/i) },
  {
    id: 'insufficient-scope',
    cause: 'auth.insufficient-scope',
    confidence: 'high',
    alternatives: ['image.not-found', 'auth.credentials-missing'],
    test: re(/insufficient_scope|pull access denied|requested access to the resource is denied|authorization failed|\b403 Forbidden|status code 403\b|: 403\b|DENIED:/i),
  },
  {
    id: 'harbor-unauthorized-repository',
    cause: 'auth.insufficient-scope',
    confidence: 'medium',
    alternatives: ['auth.credentials-invalid', 'auth.credentials-missing'],
    test: re(/unauthorized to access repository/i),
  },
  {
    id: 'authentication-required',
    cause: 'auth.credentials-missing',
    confidence: 'medium',
    alternatives: ['auth.credentials-invalid'],
    test: re(/authentication required|no credentials (?:provided|found|were provided)|missing (?:credentials|authorization)/i),
  },
  // containerd `pulling from host H failed with status code [manifests X]: 401 Unauthorized` and
  // `unexpected status from HEAD request to URL: 401`: the same text whether credentials were
  // missing or wrong (environment.md); wrong credentials is the more frequent case in practice.
  {
    id: 'registry-401',
    cause: 'auth.credentials-invalid',
    confidence: 'medium',
    alternatives: ['auth.credentials-missing', 'auth.pull-secret-registry-mismatch', 'auth.robot-disabled', 'auth.robot-expired'],
    test: re(/\b401 Unauthorized|status code 401\b|: 401\b|UNAUTHORIZED|\bunauthorized\b/i),
  },

  // --- what was asked for does not exist ------------------------------------------------------
  {
    id: 'platform-missing',
    cause: 'image.platform-missing',
    confidence: 'high',
    test: re(/no match for platform in manifest|no matching manifest for [^\s]{1,80} in the manifest list|does not match the specified platform|no image found in manifest list for architecture|no child with platform|image platform[^\n]{0,80}does not match|exec format error/i),
  },
  // A 404 on a blob: the manifest exists, the registry storage lacks a layer it references.
  {
    id: 'blob-not-found',
    cause: 'image.unknown',
    confidence: 'medium',
    alternatives: ['image.pull-interrupted', 'image.not-found'],
    test: (t) => BLOB_URL.test(t) && /not found|\b404\b|BLOB_UNKNOWN|blob unknown/i.test(t) && !/manifest unknown|MANIFEST_UNKNOWN/i.test(t),
  },
  {
    id: 'not-found',
    cause: 'image.not-found',
    confidence: 'high',
    test: re(/manifest unknown|MANIFEST_UNKNOWN|NAME_UNKNOWN|name unknown|repository name not known to registry|manifest for [^\s]{1,400} not found|Tag [^\s]{1,200} not found in repository|(?:^|: )not found(?:$|[:;,\s\]\)"])|\b404 Not Found|status code 404\b|code = NotFound|repository does not exist|artifact [^\s]{1,300} not found|ErrImageNotFound|image not known/i),
  },

  // --- transfer problems ----------------------------------------------------------------------
  {
    id: 'pull-timeout',
    cause: 'image.pull-timeout',
    confidence: 'high',
    test: re(/context deadline exceeded|context canceled|code = Canceled|code = DeadlineExceeded|Client\.Timeout exceeded|request canceled|(?:stopped|cancel+ing) (?:pulling )?image[^\n]{0,120}?no progress|image pull progress|\b504 Gateway Time-?out|i\/o timeout|timed out|deadline exceeded/i),
  },
  {
    id: 'pull-interrupted',
    cause: 'image.pull-interrupted',
    confidence: 'high',
    test: re(/unexpected EOF|failed commit on ref|unexpected commit digest|digest mismatch|unexpected (?:size|digest)|short read|broken pipe|http2: (?:stream closed|server sent GOAWAY|response body closed)|stream error|INTERNAL_ERROR|content size of zero|failed size validation|size mismatch/i),
  },
  // Reset/EOF while resolving (the /v2/ ping or the manifest HEAD moves almost no data): the
  // connection broke in or right after the handshake. On blob downloads it is a broken transfer.
  {
    id: 'reset-while-downloading',
    cause: 'image.pull-interrupted',
    confidence: 'medium',
    alternatives: ['net.tls-handshake-failed'],
    test: (t) => /connection reset by peer|ECONNRESET|(?:^|[:\s])EOF(?:$|[\s"\]])/i.test(t) && (BLOB_URL.test(t) || /failed to copy|httpReadSeeker|failed to (?:extract|unpack) layer/i.test(t)),
  },
  {
    id: 'reset-while-resolving',
    cause: 'net.tls-handshake-failed',
    confidence: 'medium',
    alternatives: ['image.pull-interrupted'],
    test: re(/connection reset by peer|ECONNRESET|socket hang up|(?:^|[:\s])EOF(?:$|[\s"\]])/i),
  },

  // --- registry side errors -------------------------------------------------------------------
  {
    id: 'registry-5xx',
    cause: 'harbor.unhealthy',
    confidence: 'medium',
    alternatives: ['harbor.unreachable', 'image.unknown'],
    test: re(/\b50[0-3] (?:Internal Server Error|Bad Gateway|Service Unavailable|Not Implemented)|status code 50[0-3]\b/i),
  },
  // nginx answers 400 when containerd speaks plain HTTP to its HTTPS port (hosts.toml without a
  // [host] table makes containerd 1.6 fall back to HTTP for loopback hosts: environment.md).
  {
    id: 'bad-request',
    cause: 'net.plain-http',
    confidence: 'low',
    alternatives: ['node.hosts-toml-invalid', 'image.unknown'],
    test: re(/\b400 Bad Request|status code 400\b/i),
  },
];

/** Strips kubelet/runtime wrappers so `detail` shows the innermost error. */
function innermost(text: string): string {
  let t = text;
  const wrappers: RegExp[] = [
    /^\s*(?:Warning|Normal)\s+\w+\s+[^\n]{0,200}?\s{2,}/,
    /^spec\.(?:init)?[cC]ontainers\{[^}]{0,253}\}:\s*/,
    /^Error:\s*/,
    /^Back-off pulling image "[^"]{0,1000}":\s*(?:\w+:\s*)?/,
    /^Failed to pull image "[^"]{0,1000}":\s*/,
    /^\[?rpc error: code = \w+ desc = /,
    /^Error response from daemon:\s*/,
    /^failed to pull and unpack image "[^"]{0,1000}":\s*/,
    /^failed to resolve (?:reference|image) "[^"]{0,1000}":\s*/,
    /^failed to resolve image:\s*/,
    /^tls: failed to verify certificate:\s*/,
  ];
  for (let changed = true, n = 0; changed && n < 20; n++) {
    changed = false;
    for (const w of wrappers) {
      const next = t.replace(w, '');
      if (next !== t) {
        t = next;
        changed = true;
      }
    }
  }
  return t.trim();
}

function afterFirst(t: string, marker: RegExp): string {
  const m = marker.exec(t);
  return m ? t.slice(m.index + m[0].length) : '';
}

const IMAGE_PATTERNS: RegExp[] = [
  /(?:Failed to pull image|Back-off pulling image|[Pp]ulling image|failed to pull and unpack image|failed to get sandbox image|failed to resolve reference|Container image|Failed to apply default image tag|couldn't parse image reference) "([^"\s]{1,1000})"/,
  /(?:image pull failed for|pull access denied for|manifest for) ([^\s",]{1,1000}?)(?:,|\s| because|$)/,
];

function extractImage(t: string): string | undefined {
  for (const p of IMAGE_PATTERNS) {
    const g = new RegExp(p.source, 'g');
    for (let m = g.exec(t), n = 0; m && n < 50; m = g.exec(t), n++) {
      const v = m[1]?.replace(/[:.]+$/, '');
      if (v && !v.includes('...') && v !== 'None:None' && /[a-z0-9]/i.test(v)) return v;
    }
  }
  return undefined;
}

/** Docker reference rules: the first component is a registry when it has a dot, a port or is localhost. */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) return first;
  return 'docker.io';
}

export function referenceOf(image: string): string | undefined {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon >= 0 ? image.slice(colon + 1) : undefined;
}

const HOST_PATTERNS: RegExp[] = [
  /pulling from host ([^\s]{1,300}?) failed/,
  /(?:Head|Get|GET|HEAD|Post|POST|request to) "?https?:\/\/([^/\s"?]{1,300})/,
  /error pinging (?:docker|container) registry ([^\s:]{1,300}(?::\d{1,5})?):/,
  /pinging container registry ([^\s:]{1,300}(?::\d{1,5})?):/,
  /lookup ([^\s]{1,300}?)(?: on [^\s]{1,80})?: /,
  /https?:\/\/([^/\s"?]{1,300})/,
];

function extractHost(t: string, image: string | undefined): string | undefined {
  for (const p of HOST_PATTERNS) {
    const m = p.exec(t);
    // `https://user:password@host`: the host is after the userinfo (which is never a param).
    const h = m?.[1]?.slice(m[1].lastIndexOf('@') + 1);
    if (h && !h.includes('...')) return h.replace(/[:.]+$/, '');
  }
  return image ? registryOf(image) : undefined;
}

const STATUS_PATTERNS: RegExp[] = [
  /\b([1-5]\d\d) (?:Unauthorized|Forbidden|Not Found|Too Many Requests|Precondition Failed|Bad Request|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out|Proxy Authentication Required|Method Not Allowed|Conflict)\b/i,
  /status(?: code)?:? ([1-5]\d\d)\b/i,
];

function extractStatus(t: string): string | undefined {
  for (const p of STATUS_PATTERNS) {
    const m = p.exec(t);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

function bounded(text: string): string {
  const collapsed = text.length > HEAD + TAIL ? `${text.slice(0, HEAD)} … ${text.slice(-TAIL)}` : text;
  return collapsed.replace(/\s+/g, ' ').trim();
}

function clip(s: string, max = 600): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function params(t: string): ClassificationParams {
  const image = extractImage(t);
  const host = extractHost(t, image);
  const reference = image ? referenceOf(image) : undefined;
  const status = extractStatus(t);
  const out: ClassificationParams = {};
  if (image) out.image = image;
  if (host) out.host = host;
  if (reference) out.reference = reference;
  if (status) out.status = status;
  out.detail = clip(innermost(t));
  return out;
}

function runRules(t: string): Classification | undefined {
  for (const r of RULES) {
    if (r.test(t)) {
      return {
        cause: r.cause,
        confidence: r.confidence,
        rule: r.id,
        params: params(t),
        ...(r.alternatives ? { alternatives: [...r.alternatives] } : {}),
      };
    }
  }
  return undefined;
}

/** The pause image failing to pull: `failed to get sandbox image` / FailedCreatePodSandBox with a pull error. */
const SANDBOX = /failed to get sandbox image|(?:FailedCreatePodSandBox|Failed to create pod sandbox)[^\n]{0,400}?(?:failed to (?:pull|resolve|get)[^\n]{0,40}?image|pull(?:ing)? image|\bpause:)/i;

/** kubelet aggregates attempts (one per credential): `[rpc error: ..., failed to pull and unpack ...]`. */
const AGGREGATE_SPLIT = /, (?=(?:rpc error: code = |failed to pull and unpack image ))/;

/**
 * Classifies one pull-error text. Never throws; unknown texts give `image.unknown` with
 * confidence `low` and the text as `params.detail`.
 */
export function classifyPullError(text: string): Classification {
  const raw = typeof text === 'string' ? text : String(text ?? '');
  const t = bounded(raw);
  if (!t) return { cause: 'image.unknown', confidence: 'low', rule: 'empty', params: { detail: '' } };

  if (SANDBOX.test(t)) {
    const rest = afterFirst(t, /failed to get sandbox image "[^"]{0,1000}":?|failed to get sandbox image:?|Failed to create pod sandbox:?/i);
    const inner = rest ? classifyInner(rest) : undefined;
    const p = params(t);
    const m = /sandbox image "([^"\s]{1,1000})"/.exec(t);
    if (m?.[1]) {
      p.image = m[1];
      const ref = referenceOf(m[1]);
      if (ref) p.reference = ref;
      if (!/pulling from host|https?:\/\//.test(t)) p.host = registryOf(m[1]);
    }
    const alternatives = inner && inner.cause !== 'image.unknown' ? [inner.cause, ...(inner.alternatives ?? [])] : undefined;
    return {
      cause: 'node.sandbox-image-unpullable',
      confidence: 'high',
      rule: inner ? `sandbox-image+${inner.rule}` : 'sandbox-image',
      params: p,
      ...(alternatives ? { alternatives: [...new Set(alternatives)] } : {}),
    };
  }

  if (t.startsWith('[') || /\[rpc error/.test(t)) {
    const parts = t.split(AGGREGATE_SPLIT).filter((s) => s.trim());
    if (parts.length > 1) {
      const results = parts.map((p) => classifyInner(p));
      const first = results[0]!;
      const others = results.slice(1).map((r) => r.cause).filter((c) => c !== first.cause);
      const alternatives = [...new Set([...(first.alternatives ?? []), ...others])];
      return { ...first, rule: `aggregate:${first.rule}`, params: { ...params(t), detail: first.params.detail ?? '' }, ...(alternatives.length ? { alternatives } : {}) };
    }
  }
  return classifyInner(t);
}

function classifyInner(t: string): Classification {
  return (
    runRules(t) ?? {
      cause: 'image.unknown',
      confidence: 'low',
      rule: 'unknown',
      params: { ...params(t), detail: clip(t, 2000) },
    }
  );
}

/** What `hybrid-doctor explain` prints: the classification and the catalog-rendered finding. */
export interface Explanation {
  cause: CauseId;
  confidence: Confidence;
  rule: string;
  params: ClassificationParams;
  alternatives?: CauseId[];
  finding: Finding;
}

/** Classifies a pasted message and renders its finding (remediation, docs) from the catalog. */
export function explainText(text: string): Explanation {
  const c = classifyPullError(text);
  const f = finding(c.cause, {
    subject: c.params.image ?? c.params.host ?? 'pasted message',
    params: { ...c.params },
    evidence: { text: typeof text === 'string' ? clip(text, 20_000) : String(text), rule: c.rule, confidence: c.confidence, ...(c.alternatives ? { alternatives: c.alternatives } : {}) },
  });
  // The pasted text may hold credentials (an Authorization header, `user:password@host`): the
  // params are printed as they are by `explain --json`, so they pass the redactor like the finding.
  const params = redactor.value(c.params, { nameKeys: ['secret'] });
  return { cause: c.cause, confidence: c.confidence, rule: c.rule, params, ...(c.alternatives ? { alternatives: c.alternatives } : {}), finding: f };
}
