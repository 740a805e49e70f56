import type { CauseId } from '../findings/cause-ids.ts';
import type { Finding } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import { redactor } from '../redact.ts';
import { peel, type Peeled, type PullStep, type RequestKind, type Runtime } from './layers.ts';

/**
 * Maps image-pull error texts (kubelet events and waiting messages, containerd 1.x/2.x, CRI-O,
 * Docker, crictl, ctr, nerdctl, podman, skopeo, kubeadm, admission webhooks) to a cause id. This is
 * the one place in the project that parses free text (style.md §4).
 *
 * A text is read the way the runtimes build it (./layers.ts): the wrapper layers are peeled to the
 * innermost error, noting which runtimes wrapped it, which pull step failed and which request
 * (ping, token, manifest, blob) was answered. The innermost error is then classified by its ORIGIN
 * (kubelet's own states, policy, Go's net/DNS/x509/tls/url errors, HTTP statuses, OCI distribution
 * codes, Harbor's codes, cloud registries' texts) with the step and request as context. Only when
 * the innermost error names nothing known are the same rules tried on the whole text.
 *
 * Every rule has real messages as test vectors: ../../../shared/vectors/pull-error-messages.json and
 * ./vectors/*.json (public texts carry their source URL).
 */

export type Confidence = 'high' | 'medium' | 'low';

/** Where the innermost error comes from (what produced the words the rule reads). */
export type Origin = 'kubelet' | 'runtime' | 'node' | 'policy' | 'net' | 'dns' | 'x509' | 'tls' | 'http' | 'oci' | 'harbor' | 'cloud';

export type { PullStep, Runtime } from './layers.ts';

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
  /** The runtime's error text with the kubelet/CRI wrappers removed (the raw text for unknown messages). */
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
  /** What would tell `cause` and `alternatives` apart (set when the text cannot decide). */
  distinguish?: string;
  /** The pull step that failed, when the wrappers or the failing request say. */
  step?: PullStep;
  /** Runtimes whose wrappers were peeled, outermost first (e.g. kubelet, cri, containerd); always set by the classifier. */
  layers?: Runtime[];
  /** Origin of the innermost error the rule read. */
  origin?: Origin;
  /** The innermost error (all wrappers peeled). */
  inner?: string;
}

/** What a rule sees besides the text: what the peeling learned. */
interface Context {
  step?: PullStep;
  request?: RequestKind;
  token?: Peeled['token'];
  layers: Runtime[];
}

interface Rule {
  id: string;
  cause: CauseId;
  confidence: Confidence;
  origin: Origin;
  alternatives?: CauseId[];
  /** Said with the answer when `alternatives` are set: the evidence that decides between them. */
  distinguish?: string;
  /** Matches against a whitespace-collapsed text: the innermost error first, then the whole text. */
  test: (t: string, c: Context) => boolean;
}

/** Texts longer than this are classified on their head and tail (kubelet messages are < 4 KB). */
const HEAD = 12_288;
const TAIL = 4_096;

const re = (source: RegExp) => (t: string) => source.test(t);

/** An HTTP status in any of the forms the clients print it. */
const STATUS = new Map<number, RegExp>();
const status = (code: number): RegExp => {
  let r = STATUS.get(code);
  if (!r) STATUS.set(code, (r = statusRe(code)));
  return r;
};
const statusRe = (code: number) =>
  new RegExp(`\\b${code} (?:[A-Z][a-z]|Request|Precondition)|status(?: ?code)?:? ${code}\\b|StatusCode:? ${code}\\b|\\bError ${code}\\b|\\bHTTP ${code}\\b|: ${code}\\b|\\(HAP${code}\\)`, 'i');

const NET_FAILURE =
  /connection refused|actively refused|no such host|i\/o timeout|no route to host|network is unreachable|connection timed out|server misbehaving|temporary failure in name resolution|connection reset|(?:^|[:\s])(?:unexpected )?EOF(?:$|[\s"\]])|TLS handshake timeout|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH/i;
const PULL_INTERRUPTED =
  /failed commit on ref|unexpected commit digest|digest mismatch|unexpected (?:size|digest)|short read|broken pipe|http2: (?:stream closed|server sent GOAWAY|response body closed)|stream error|INTERNAL_ERROR|content size of zero|failed size validation|size mismatch|layer verification failed|verifying checksum|Error processing tar file|ApplyLayer exit status/i;
const NOT_FOUND = /not found|\b404\b|BLOB_UNKNOWN|blob unknown/i;
const BLOB_URL = /\/blobs\/(?:sha256|sha512):/i;
/** sha256 of zero bytes: the "content" was an empty body (a proxy or broken storage answered). */
const EMPTY_DIGEST = /sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/;

const onBlob = (t: string, c: Context) => c.request === 'blob' || (c.request === undefined && c.step === 'fetch-blob') || BLOB_URL.test(t);

/**
 * Ordered most to least specific within each origin; origins whose words are unambiguous first.
 * Comments say why an order matters where it is not obvious.
 */
const RULES: Rule[] = [
  // --- kubelet's own states (they name themselves) ----------------------------------------------
  { id: 'pull-never', cause: 'image.pull-never', confidence: 'high', origin: 'kubelet', test: re(/ErrImageNeverPull|is not present with pull policy of Never/i) },
  {
    id: 'invalid-reference',
    cause: 'image.invalid-reference',
    confidence: 'high',
    origin: 'kubelet',
    test: re(/InvalidImageName|couldn't parse image (?:reference|name)|invalid reference format|failed to parse image (?:reference|name)|Failed to apply default image tag|repository name must be lowercase|invalid repository name|invalid tag format|short-name "[^"]{1,300}" did not resolve to an alias/i),
  },
  // kubelet_pods.go, every wording since 2015: `Unable to retrieve pull secret NS/NAME for NS/POD due to
  // secret(s) "NAME" not found`, the structured `"Unable to retrieve pull secret, the image pull may not
  // succeed." ... err="secret \"NAME\" not found"` and the event `Unable to retrieve some image pull secrets (a, b)`.
  { id: 'pull-secret-missing', cause: 'auth.pull-secret-missing', confidence: 'high', origin: 'kubelet', test: re(/Unable to retrieve (?:some )?(?:image )?pull secrets?|FailedToRetrieveImagePullSecret/i) },
  {
    id: 'pull-secret-malformed',
    cause: 'auth.pull-secret-malformed',
    confidence: 'high',
    origin: 'kubelet',
    test: re(/unable to parse auth field|must be formatted as base64\(username:password\)|illegal base64 data at input|invalid (?:docker ?config|\.dockerconfigjson)|error (?:parsing|unmarshal+ing) (?:\.?docker ?config|dockercfg)|is invalid: data\[\.docker(?:configjson|cfg)\]/i),
  },
  // containerd's own configuration, pasted from `journalctl -u containerd`.
  {
    id: 'containerd-config-conflict',
    cause: 'node.containerd-config-conflict',
    confidence: 'high',
    origin: 'node',
    test: re(/`?(?:mirrors|configs(?:\.tls)?|tls)`? cannot be set when `?config_path`? is provided/i),
  },
  {
    id: 'cri-service-missing',
    cause: 'node.containerd-config-conflict',
    confidence: 'low',
    origin: 'node',
    alternatives: ['node.containerd-dropin-replaces-cri'],
    distinguish: 'the CRI plugin is not serving: `containerd config dump | grep -n disabled_plugins` (the distro config.toml disables "cri") and `journalctl -u containerd` for a config error at start',
    test: re(/unknown service runtime\.v1(?:alpha2)?\.(?:Image|Runtime)Service/i),
  },
  {
    id: 'hosts-toml-invalid',
    cause: 'node.hosts-toml-invalid',
    confidence: 'high',
    origin: 'node',
    test: re(/failed to (?:decode|load|parse) hosts\.toml|invalid host tree|hosts\.toml[^\n]{0,200}?(?:toml:|parse error|no such file)|certs\.d\/[^\s]{1,200}\.(?:crt|pem)[^\n]{0,40}?no such file or directory/i),
  },

  // --- policy: Harbor's project policies, signature admission, containers-policy.json ----------------
  {
    id: 'harbor-vulnerability-policy',
    cause: 'image.policy-vulnerability',
    confidence: 'high',
    origin: 'harbor',
    test: re(/cannot be pulled due to configured policy|Prevent images with vulnerability severity|without vulnerability scanning cannot be pulled|status of vulnerability scanning/i),
  },
  {
    id: 'signature-policy',
    cause: 'image.policy-unsigned',
    confidence: 'high',
    origin: 'policy',
    test: re(/image is not signed|not signed (?:in|by) (?:cosign|notation|notary)|SignatureValidationFailed|signature validation failed|A signature was required|no signature exists|Source image rejected|signature verification failed|rejected by policy|no matching signatures|invalid image signature|signatures? can't be fetched|could not find signed digest|Subject failed verification|unverified image/i),
  },
  // Kyverno, Gatekeeper (+Ratify / cosign provider), Connaisseur, sigstore policy-controller, Kubewarden:
  // a webhook refusing a Pod for its image's signature or attestation.
  {
    id: 'admission-signature',
    cause: 'image.policy-unsigned',
    confidence: 'medium',
    origin: 'policy',
    test: (t, c) => c.layers.includes('admission') && /signature|signed|verif|attest|trust data|cosign|notation|ratify|notary/i.test(t),
  },
  // Harbor answers 412 for both policies; containerd drops the body. Harbor 2.13 enforces content
  // trust (Notation, cosign) as often as prevent_vul (which needs a scanner), so a bare 412 is
  // only a medium-confidence guess; the image-pull checks read the 412 text itself.
  {
    id: 'precondition-failed',
    cause: 'image.policy-vulnerability',
    confidence: 'medium',
    origin: 'harbor',
    alternatives: ['image.policy-unsigned'],
    distinguish: "Harbor's 412 body names the policy (vulnerability severity vs. not signed); pull with `crane manifest` or curl to see it, and check the project's prevent_vul and content-trust settings",
    test: re(/\b412 Precondition Failed|PROJECT_?POLICY_?VIOLATION|status code 412\b/i),
  },

  // --- throttling, disk ---------------------------------------------------------------------------
  {
    id: 'rate-limited',
    cause: 'image.rate-limited',
    confidence: 'high',
    origin: 'http',
    test: (t) => /toomanyrequests|Too Many Requests|pull QPS exceeded|rate limit exceeded|reached your pull rate limit/i.test(t) || status(429).test(t),
  },
  {
    id: 'disk-full',
    cause: 'node.disk-full',
    confidence: 'high',
    origin: 'node',
    test: re(/no space left on device|Failed to garbage collect required amount of images|disk quota exceeded|ENOSPC|DiskPressure/i),
  },

  // --- cancelled for lack of progress (containerd CRI `image_pull_progress_timeout`, dockershim) ---
  {
    id: 'no-progress',
    cause: 'image.pull-timeout',
    confidence: 'high',
    origin: 'runtime',
    test: re(/(?:cancel+(?:ing)?|stopped|stop) (?:pulling )?image[^\n]{0,300}?(?:because of )?no progress|no progress (?:in|for) \d/i),
  },

  // --- proxy (before connection errors: `proxyconnect tcp: ... connection refused`) -------------
  {
    id: 'proxy',
    cause: 'net.proxy-error',
    confidence: 'high',
    origin: 'net',
    test: re(/proxyconnect tcp|Proxy Authentication Required|\b407\b[^\n]{0,40}proxy|proxy[^\n]{0,40}\b407\b|proxy error|error from proxy|bad response from proxy|Tunnel or SSL Forbidden/i),
  },
  // A registry always answers errors with a distribution JSON body; Docker prints only the status
  // text when the body is empty or not JSON. A bare `Forbidden` / `Bad Request` / `Internal Server
  // Error` as the whole innermost error is therefore an answer from something in between: a proxy.
  {
    id: 'proxy-bare-status',
    cause: 'net.proxy-error',
    confidence: 'medium',
    origin: 'http',
    alternatives: ['auth.insufficient-scope', 'harbor.unhealthy'],
    distinguish: 'a registry answers with a JSON error body, a proxy with a bare status: `curl -v https://HOST/v2/` from the node with and without the proxy (HTTPS_PROXY / NO_PROXY of containerd or dockerd) shows which one answered',
    test: (t, c) => c.request !== undefined && c.request !== 'token' && /^(?:Forbidden|Bad Request|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\.?$/i.test(t.trim()),
  },

  // --- token realm: a network failure while fetching the Bearer token ---------------------------
  {
    id: 'token-realm-network',
    cause: 'auth.token-realm-unreachable',
    confidence: 'medium',
    origin: 'net',
    alternatives: ['harbor.external-url-mismatch'],
    distinguish: "the realm in the registry's `WWW-Authenticate` header (`curl -sI https://HOST/v2/`) must be reachable from the node; a realm naming another host or an internal URL is Harbor's external_url",
    test: (t, c) => (c.step === 'authorize' || c.request === 'token') && NET_FAILURE.test(t),
  },
  {
    id: 'token-realm-404',
    cause: 'auth.token-realm-unreachable',
    confidence: 'medium',
    origin: 'http',
    alternatives: ['harbor.external-url-mismatch'],
    distinguish: "a 404 from the token endpoint: the realm URL in `WWW-Authenticate` points at a path the server does not serve (external_url / proxy path prefix)",
    test: (t, c) => (c.token !== undefined || c.request === 'token') && status(404).test(t),
  },

  // --- x509 (Go crypto/x509 before and after Go 1.20; Node/OpenSSL codes) -----------------------
  {
    id: 'x509-not-yet-valid',
    cause: 'tls.not-yet-valid',
    confidence: 'high',
    origin: 'x509',
    alternatives: ['node.clock-skew'],
    distinguish: "compare the node's clock (`timedatectl`) with the certificate's notBefore",
    test: re(/has expired or is not yet valid: current time \S{1,64} is before|certificate is not yet valid|CERT_NOT_YET_VALID/i),
  },
  {
    id: 'x509-expired',
    cause: 'tls.expired',
    confidence: 'high',
    origin: 'x509',
    alternatives: ['node.clock-skew'],
    distinguish: "compare the node's clock (`timedatectl`) with the notAfter of each served certificate (`openssl s_client -showcerts`)",
    test: re(/has expired or is not yet valid: current time \S{1,64} is after|certificate has expired(?! or)|CERT_HAS_EXPIRED/i),
  },
  {
    id: 'x509-expired-or-not-yet-valid',
    cause: 'tls.expired',
    confidence: 'medium',
    origin: 'x509',
    alternatives: ['tls.not-yet-valid', 'node.clock-skew'],
    distinguish: "Go did not say which bound failed: compare the node's clock with notBefore/notAfter of the served chain",
    test: re(/has expired or is not yet valid/i),
  },
  {
    id: 'x509-ip-san-missing',
    cause: 'tls.ip-san-missing',
    confidence: 'high',
    origin: 'x509',
    test: re(/because it doesn't contain any IP SANs|IP: [0-9a-f.:]{2,64} is not in the cert's list|certificate is valid for [^\n]{1,400}?, not (?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[?[0-9a-f]{0,4}:[0-9a-f:]{1,40}\]?)(?:$|[\s"'),;])/i),
  },
  { id: 'x509-cn-only', cause: 'tls.cn-only', confidence: 'high', origin: 'x509', test: re(/relies on legacy Common Name field/i) },
  {
    id: 'x509-no-names',
    cause: 'tls.cn-only',
    confidence: 'medium',
    origin: 'x509',
    alternatives: ['tls.hostname-mismatch'],
    distinguish: 'a certificate with no SAN at all is CN-only; one with SANs for other names is a hostname mismatch: `openssl x509 -noout -ext subjectAltName`',
    test: re(/certificate is not valid for any names/i),
  },
  {
    id: 'x509-hostname-mismatch',
    cause: 'tls.hostname-mismatch',
    confidence: 'high',
    origin: 'x509',
    test: re(/certificate is valid for [^\n]{1,400}?, not \S|Hostname\/IP does(?: not|n't) match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID|no alternative certificate subject name matches/i),
  },
  {
    id: 'x509-eku',
    cause: 'tls.eku-missing',
    confidence: 'high',
    origin: 'x509',
    test: re(/certificate specifies an incompatible key usage|unsupported certificate purpose|INVALID_PURPOSE/i),
  },
  {
    id: 'x509-ca-constraints',
    cause: 'tls.ca-constraints',
    confidence: 'high',
    origin: 'x509',
    test: re(/parent certificate cannot sign this kind of certificate|not authorized to sign other certificates|invalid CA certificate|INVALID_CA/i),
  },
  {
    id: 'x509-weak',
    cause: 'tls.weak-crypto',
    confidence: 'high',
    origin: 'x509',
    test: re(/insecure algorithm (?:SHA1|MD5)|x509sha1|ca md too weak|ee key too small|key too small/i),
  },
  {
    id: 'x509-chain-incomplete',
    cause: 'tls.chain-incomplete',
    confidence: 'medium',
    origin: 'x509',
    alternatives: ['tls.untrusted-ca'],
    distinguish: 'if the served chain (`openssl s_client -showcerts`) lacks the intermediate that issued the leaf, the server must send it; if it is complete, the trust bundle lacks the root',
    test: re(/unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to get issuer certificate/i),
  },
  // A trusted CA with the same name but another key: typical after a CA rotation.
  {
    id: 'x509-unknown-authority-candidate',
    cause: 'tls.untrusted-ca',
    confidence: 'high',
    origin: 'x509',
    alternatives: ['node.ca-mismatch', 'node.ca-not-installed'],
    distinguish: "a CA with the issuer's name but another key is trusted: the node's certs.d CA is from before a rotation (compare fingerprints)",
    test: re(/signed by unknown authority \(possibly because of [^\n]{0,300}?candidate authority/i),
  },
  {
    id: 'x509-unknown-authority',
    cause: 'tls.untrusted-ca',
    confidence: 'high',
    origin: 'x509',
    alternatives: ['node.ca-not-installed', 'node.ca-mismatch', 'tls.chain-incomplete'],
    distinguish: "verify the served chain against the registry's CA from another host: if it verifies, the node's trust (certs.d / system bundle) is missing or wrong; if the server omits its intermediate, the chain is incomplete",
    test: re(/certificate signed by unknown authority|unable to get local issuer certificate|self[- ]signed certificate|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|certificate verify failed/i),
  },

  // --- tls: plain HTTP first (`first record does not look like a TLS handshake`) -----------------
  {
    id: 'plain-http',
    cause: 'net.plain-http',
    confidence: 'high',
    origin: 'tls',
    // Both directions: TLS spoken to an HTTP server (`first record does not look like a TLS handshake`,
    // `oversized record`: HTTP bytes read as a TLS record) and HTTP spoken to a TLS server (Go's
    // `malformed HTTP response "\x15\x03..."`: a TLS alert/handshake record read as HTTP).
    test: re(/server gave HTTP response to HTTPS client|http: server gave HTTP response|does not look like a TLS handshake|tls: oversized record received|malformed HTTP response "\\x1[56]\\x03|plain HTTP request was sent to HTTPS port|wrong version number|ERR_SSL_WRONG_VERSION_NUMBER|EPROTO[^\n]{0,80}?(?:wrong version|packet length too long)/i),
  },
  {
    id: 'tls-handshake',
    cause: 'net.tls-handshake-failed',
    confidence: 'high',
    origin: 'tls',
    test: re(/TLS handshake timeout|tls: handshake failure|remote error: tls:|tls: [^\n]{0,60}?(?:EOF|reset|timeout)|handshake[^\n]{0,40}?(?:EOF|reset by peer)|ECONNRESET[^\n]{0,80}?TLS|before secure TLS connection was established|SSL_ERROR_SYSCALL|alert handshake failure/i),
  },

  // --- DNS (before generic timeouts: `lookup H on R:53: ... i/o timeout`) ---------------------------
  {
    id: 'dns-nxdomain',
    cause: 'dns.nxdomain',
    confidence: 'high',
    origin: 'dns',
    alternatives: ['dns.split-view'],
    distinguish: "resolve the name on the node itself (`getent hosts HOST`) and from a pod: a name only one side knows is a split view",
    test: re(/lookup [^\s]{1,300}?(?: on [^\s]{1,80})?: no such host|getaddrinfo ENOTFOUND|NXDOMAIN|Name or service not known|nodename nor servname provided/i),
  },
  {
    id: 'dns-timeout',
    cause: 'dns.timeout',
    confidence: 'high',
    origin: 'dns',
    // The resolver that timed out is the one the puller used (the node's, for a kubelet pull):
    // if pods still resolve the name through cluster DNS, the root cause is the split view.
    alternatives: ['dns.split-view'],
    distinguish: "`dig HOST @RESOLVER` on the node (the resolver in the text) times out too? Then resolve it from a pod: if cluster DNS answers, the node's resolver is the one to fix (a split view)",
    test: re(/lookup [^\s]{1,300}?(?: on [^\s]{1,80})?: [^\n]{0,120}?(?:i\/o timeout|timed out)|:53: i\/o timeout|getaddrinfo ETIMEOUT|DNS (?:query|lookup) timed out/i),
  },
  {
    id: 'dns-servfail',
    cause: 'dns.servfail',
    confidence: 'high',
    origin: 'dns',
    alternatives: ['dns.nxdomain', 'dns.timeout', 'dns.split-view'],
    distinguish: "`dig HOST @RESOLVER` on the node shows the resolver's status (SERVFAIL, REFUSED) or that nothing listens on :53; if a pod resolves the name through cluster DNS meanwhile, the node's resolver alone is broken (a split view)",
    test: re(/server misbehaving|Temporary failure in name resolution|SERVFAIL|getaddrinfo EAI_AGAIN|lookup [^\s]{1,300}?(?: on [^\s]{1,80})?: [^\n]{0,80}?(?:refused|no answer)/i),
  },

  // --- TCP (Go net errors; Windows' connectex wording) -------------------------------------------------
  { id: 'connection-refused', cause: 'net.connection-refused', confidence: 'high', origin: 'net', test: re(/connection refused|actively refused|ECONNREFUSED/i) },
  {
    id: 'connection-timeout',
    cause: 'net.connection-timeout',
    confidence: 'high',
    origin: 'net',
    test: re(/dial tcp(?: [^\s]{1,100})?: (?:connect(?:ex)?: )?(?:i\/o timeout|no route to host|network is unreachable|connection timed out|operation timed out)|no route to host|network is unreachable|did not properly respond after a period of time|EHOSTUNREACH|ENETUNREACH|connect ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/i),
  },

  // --- cloud registries' own words (before the generic 401/403 rules) ------------------------------
  // ECR: `Your authorization token has expired` (403 body, or `denied:` in the Docker form).
  {
    id: 'cloud-token-expired',
    cause: 'auth.credentials-invalid',
    confidence: 'high',
    origin: 'cloud',
    alternatives: ['auth.credentials-missing'],
    distinguish: 'the registry token in the pull secret or credential helper is past its lifetime (ECR: 12 h): refresh it (credential provider / CronJob) and check its expiry',
    test: re(/authorization token has expired|token (?:has )?expired|expired (?:registry )?token/i),
  },
  // GCR / Artifact Registry: unauthenticated vs. authenticated but without the role.
  {
    id: 'cloud-unauthenticated',
    cause: 'auth.credentials-missing',
    confidence: 'high',
    origin: 'cloud',
    test: re(/Unauthenticated requests? (?:do|does) not have permission/i),
  },
  {
    id: 'cloud-permission-denied',
    cause: 'auth.insufficient-scope',
    confidence: 'medium',
    origin: 'cloud',
    alternatives: ['image.not-found'],
    distinguish: 'Artifact Registry says the same when the repository does not exist ("or it may not exist"): check the repository path, then the node service account\'s Artifact Registry Reader role',
    test: re(/Permission "?artifactregistry\.[\w.]+"? denied|Permission denied for "[^"]{0,300}" from request|Caller does not have permission/i),
  },

  // --- authentication / authorisation (HTTP 401/403, OCI UNAUTHORIZED / DENIED) -------------------------
  { id: 'no-basic-auth-credentials', cause: 'auth.credentials-missing', confidence: 'high', origin: 'http', test: re(/no basic auth credentials/i) },
  // A 401 that surfaces on the `/v2/` ping itself: pulls take the ping's 401 as the challenge and
  // go on; only a login (moby registry/auth.go loginV2, `podman|skopeo login`) authenticates on
  // the ping, with the credentials it was given, and fails there. So they were sent and refused.
  {
    id: 'login-refused',
    cause: 'auth.credentials-invalid',
    confidence: 'medium',
    origin: 'http',
    alternatives: ['auth.robot-disabled', 'auth.robot-expired', 'auth.robot-name-mangled'],
    distinguish: "the registry refused the login itself: a wrong secret, a robot name without its `robot$` prefix, or a disabled/expired robot; check the robot in Harbor",
    test: (t, c) => c.request === 'ping' && (/\bunauthorized\b|authentication required/i.test(t) || status(401).test(t)),
  },
  // containerd's authorizer: an anonymous token request means no credentials were configured for the
  // host (kubelet passed none); a 401 or 403 on it is "credentials needed", not a permission problem.
  {
    id: 'anonymous-token-401',
    cause: 'auth.credentials-missing',
    confidence: 'high',
    origin: 'http',
    alternatives: ['auth.pull-secret-registry-mismatch'],
    distinguish: "containerd sent no credentials: check that the pod's pull secret exists and that its auths key matches the image's registry host exactly (including the port)",
    test: (t, c) => c.token === 'anonymous' && (status(401).test(t) || /\bunauthorized\b/i.test(t)),
  },
  {
    id: 'anonymous-token-403',
    cause: 'auth.credentials-missing',
    confidence: 'medium',
    origin: 'http',
    alternatives: ['auth.pull-secret-registry-mismatch', 'auth.insufficient-scope'],
    distinguish: 'the token was requested anonymously (no credentials configured for this host); with credentials sent, a 403 would be a permission problem: check the pull secret and its auths key',
    test: (t, c) => c.token === 'anonymous' && (status(403).test(t) || /forbidden/i.test(t)),
  },
  {
    id: 'oauth-token-401',
    cause: 'auth.credentials-invalid',
    confidence: 'high',
    origin: 'http',
    alternatives: ['auth.robot-name-mangled', 'auth.robot-disabled', 'auth.robot-expired'],
    distinguish: '401 on the token endpoint with credentials sent: wrong secret, a robot name without its `robot$` prefix, or a disabled/expired robot; check the robot in Harbor',
    test: (t, c) => (c.token === 'oauth' || c.token === 'basic' || c.request === 'token' || /failed to fetch (?:oauth|basic) token|oauth2\/token[^\n]{0,200}?401/i.test(t)) && (status(401).test(t) || /\bunauthorized\b/i.test(t)),
  },
  {
    id: 'insufficient-scope',
    cause: 'auth.insufficient-scope',
    confidence: 'high',
    origin: 'oci',
    alternatives: ['image.not-found', 'auth.credentials-missing'],
    distinguish: 'registries answer "denied" both for a missing permission and for a repository that does not exist (Docker Hub); check the repository path, then the account\'s pull permission on the project',
    test: (t) => /insufficient_scope|pull access denied|requested access to the resource is denied|authorization failed|\bDENIED:|(?:^|: )denied(?:$|[:\s])/i.test(t) || status(403).test(t),
  },
  {
    id: 'harbor-unauthorized-repository',
    cause: 'auth.insufficient-scope',
    confidence: 'medium',
    origin: 'harbor',
    // Harbor's v2auth middleware (src/server/middleware/v2auth/auth.go) sends this one 401 for
    // every pull the token does not allow; its token service hands a token without access to an
    // unknown, disabled or expired robot as well as to one without pull.
    alternatives: ['auth.credentials-invalid', 'auth.robot-disabled', 'auth.robot-expired', 'auth.credentials-missing'],
    distinguish: 'Harbor says this for wrong credentials, a disabled or expired robot and a robot without pull permission alike: test the credentials on the token endpoint without a scope (401 = the login itself fails), then look at the robot in Harbor (enabled, expiry, permissions)',
    test: re(/unauthorized to access repository/i),
  },
  {
    id: 'authentication-required',
    cause: 'auth.credentials-missing',
    confidence: 'medium',
    origin: 'oci',
    alternatives: ['auth.credentials-invalid'],
    distinguish: "with credentials sent, the token endpoint refuses them (401) before the registry does; a registry asking for authentication got none or an anonymous token: check which credentials the node sends (pull secret auths key, credential provider)",
    test: re(/authentication required|no credentials (?:provided|found|were provided)|missing (?:credentials|authorization)/i),
  },
  // containerd `pulling from host H failed with status code [manifests X]: 401 Unauthorized` and
  // `unexpected status from HEAD request to URL: 401`: the same text whether credentials were
  // missing or wrong; wrong credentials is the more frequent case in practice.
  {
    id: 'registry-401',
    cause: 'auth.credentials-invalid',
    confidence: 'medium',
    origin: 'http',
    // Harbor also answers a robot WITHOUT pull permission with 401, not 403 (v2auth, see above).
    // Missing credentials come first among them: Harbor's token service hands an anonymous
    // request the same access-less token, so a pod whose pull secret does not exist (or is not
    // attached) reads exactly like one with a wrong robot secret (recorded-kubelet.json).
    alternatives: ['auth.credentials-missing', 'auth.pull-secret-missing', 'auth.pull-secret-not-attached', 'auth.pull-secret-registry-mismatch', 'auth.robot-disabled', 'auth.robot-expired', 'auth.insufficient-scope'],
    distinguish: "a 401 on the manifest itself says only that the registry did not accept what it got: check whether the node sent credentials (the pod's imagePullSecrets exist, auths key = registry host:port) and then whether they work (`docker login` / token endpoint with the robot); Harbor gives the same 401 to a robot that lacks pull on the project",
    test: (t) => /\bUNAUTHORIZED\b|\bunauthorized\b|Not Authorized/i.test(t) || status(401).test(t),
  },

  // --- what was asked for does not exist ----------------------------------------------------------------
  {
    id: 'platform-missing',
    cause: 'image.platform-missing',
    confidence: 'high',
    origin: 'runtime',
    test: re(/no match for platform in manifest|no matching manifest for [^\s]{1,80}(?: [\d.]{1,20})? in the manifest list|does not match the specified platform|no image found in manifest list for architecture|no child with platform|image platform[^\n]{0,80}does not match|exec format error/i),
  },
  // The empty-body digest: the blob "downloaded" fine but was zero bytes (a proxy, a cache or
  // broken registry storage answered 200 with nothing).
  {
    id: 'empty-body-digest',
    cause: 'image.pull-interrupted',
    confidence: 'medium',
    origin: 'runtime',
    alternatives: ['harbor.unhealthy', 'net.proxy-error'],
    distinguish: 'the content had the digest of zero bytes: fetch the blob with curl through the same path; an empty 200 comes from a proxy/cache or the registry storage, not from the network',
    test: (t) => /unexpected commit digest|digest mismatch|failed precondition/i.test(t) && EMPTY_DIGEST.test(t),
  },
  // A 404 on a blob: the manifest exists, the registry storage lacks a layer it references.
  {
    id: 'blob-not-found',
    cause: 'image.unknown',
    confidence: 'medium',
    origin: 'oci',
    alternatives: ['image.pull-interrupted', 'image.not-found'],
    distinguish: "the manifest was found but one of its layers was not: the registry's storage lost the blob (or a cache/replication is partial); `crane blob` the digest against the registry",
    test: (t, c) => onBlob(t, c) && NOT_FOUND.test(t) && !/manifest unknown|MANIFEST_UNKNOWN/i.test(t),
  },
  {
    id: 'not-found',
    cause: 'image.not-found',
    confidence: 'high',
    origin: 'oci',
    test: (t) =>
      /manifest unknown|MANIFEST_UNKNOWN|NAME_UNKNOWN|name unknown|repository name not known to registry|manifest for [^\s]{1,400} not found|Tag [^\s]{1,200} not found in repository|(?:^|: )not found(?:$|[:;,\s\]\)"])|\b404 Not Found|code = NotFound|repository does not exist|artifact [^\s]{1,300} not found|ErrImageNotFound|image not known|Repo not found|content at \S{1,2000} not found/i.test(t) ||
      status(404).test(t),
  },

  // --- transfer problems ----------------------------------------------------------------------------
  {
    id: 'pull-timeout',
    cause: 'image.pull-timeout',
    confidence: 'high',
    origin: 'runtime',
    test: re(/context deadline exceeded|context canceled|code = Canceled|code = DeadlineExceeded|Client\.Timeout exceeded|request canceled|image pull progress|\b504 Gateway Time-?out|i\/o timeout|timed out|deadline exceeded/i),
  },
  {
    id: 'pull-interrupted',
    cause: 'image.pull-interrupted',
    confidence: 'high',
    origin: 'runtime',
    // An EOF on the ping or the token request moved no content: that is the connection, not the transfer.
    test: (t, c) => (/unexpected EOF/i.test(t) && c.request !== 'ping' && c.request !== 'token') || PULL_INTERRUPTED.test(t),
  },
  // Reset/EOF while resolving (the /v2/ ping or the manifest HEAD moves almost no data): the
  // connection broke in or right after the handshake. On blob downloads it is a broken transfer.
  {
    id: 'reset-while-downloading',
    cause: 'image.pull-interrupted',
    confidence: 'medium',
    origin: 'net',
    alternatives: ['net.tls-handshake-failed'],
    distinguish: 'a reset in the middle of a layer download is a broken transfer (retry, check MTU / proxy idle timeouts); a reset on every first request is the handshake',
    test: (t, c) => /connection reset by peer|ECONNRESET|(?:^|[:\s])EOF(?:$|[\s"\]])/i.test(t) && (onBlob(t, c) || c.step === 'unpack'),
  },
  {
    id: 'reset-while-resolving',
    cause: 'net.tls-handshake-failed',
    confidence: 'medium',
    origin: 'net',
    alternatives: ['image.pull-interrupted', 'net.proxy-error'],
    distinguish: '`openssl s_client -connect HOST:443 -servername HOST` from the node: a reset/EOF before the certificate arrives is the handshake (often a proxy or firewall cutting TLS)',
    test: re(/connection reset by peer|ECONNRESET|socket hang up|(?:^|[:\s])(?:unexpected )?EOF(?:$|[\s"\]])/i),
  },

  // --- registry side errors -------------------------------------------------------------------------
  {
    id: 'registry-5xx',
    cause: 'harbor.unhealthy',
    confidence: 'medium',
    origin: 'http',
    alternatives: ['harbor.unreachable', 'net.proxy-error'],
    distinguish: "a 5xx with the registry's JSON body is the registry (check Harbor's core/registry logs); an HTML body or a bare status is a proxy or load balancer in front of it",
    test: (t) => /\b50[0-3] (?:Internal Server Error|Bad Gateway|Service Unavailable|Not Implemented)|status code 50[0-3]\b/i.test(t) || status(500).test(t) || status(502).test(t) || status(503).test(t),
  },
  // nginx answers 400 when containerd speaks plain HTTP to its HTTPS port (hosts.toml without a
  // [host] table makes containerd 1.6 fall back to HTTP for loopback hosts: environment.md).
  {
    id: 'bad-request',
    cause: 'net.plain-http',
    confidence: 'low',
    origin: 'http',
    alternatives: ['node.hosts-toml-invalid', 'image.unknown'],
    distinguish: "nginx's 400 body says \"The plain HTTP request was sent to HTTPS port\" when the scheme is wrong: check the server URL in hosts.toml",
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

/** Context-aware rules over the innermost error first, then (names nothing known) the whole text. */
function runRules(inner: string, whole: string, ctx: Context): Rule | undefined {
  for (const r of RULES) if (r.test(inner, ctx)) return r;
  if (inner === whole) return undefined;
  for (const r of RULES) if (r.test(whole, ctx)) return r;
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
  if (!t) return { cause: 'image.unknown', confidence: 'low', rule: 'empty', params: { detail: '' }, layers: [] };

  if (SANDBOX.test(t)) {
    const rest = afterFirst(t, /failed to get sandbox image "[^"]{0,1000}":?|failed to get sandbox image:?|Failed (?:to )?create pod sandbox:?/i);
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
    const peeled = peel(t);
    return {
      cause: 'node.sandbox-image-unpullable',
      confidence: 'high',
      rule: inner ? `sandbox-image+${inner.rule}` : 'sandbox-image',
      params: p,
      ...(alternatives ? { alternatives: [...new Set(alternatives)] } : {}),
      ...(inner?.distinguish ? { distinguish: `the pause (sandbox) image itself cannot be pulled; its error: ${inner.distinguish}` } : {}),
      ...(inner?.step ? { step: inner.step } : {}),
      layers: peeled.layers,
      ...(inner?.origin ? { origin: inner.origin } : {}),
      inner: peeled.inner,
    };
  }

  const parts = aggregateParts(t);
  if (parts.length > 1) {
    const results = parts.map((p) => classifyInner(p));
    const first = results.find((r) => r.cause !== 'image.unknown') ?? results[0]!;
    const others = results.map((r) => r.cause).filter((c) => c !== first.cause && c !== 'image.unknown');
    const alternatives = [...new Set([...(first.alternatives ?? []), ...others])];
    const layers = [...new Set([...peel(t.slice(0, 600)).layers, ...(first.layers ?? [])])];
    return {
      ...first,
      rule: `aggregate:${first.rule}`,
      params: { ...params(t), detail: first.params.detail ?? '' },
      ...(alternatives.length ? { alternatives } : {}),
      ...(others.length ? { distinguish: `the kubelet or client tried ${parts.length} times (one per credential or registry) and got different answers; the first is the one with the configured credentials${first.distinguish ? `; ${first.distinguish}` : ''}` } : {}),
      layers,
    };
  }
  return classifyInner(t);
}

/**
 * kubelet aggregates one attempt per credential (`[rpc error: ..., failed to pull and unpack ...]`),
 * podman one per search registry (`N errors occurred: * ... * ...`).
 */
function aggregateParts(t: string): string[] {
  if (t.startsWith('[') || /\[(?:rpc error|failed to pull and unpack)/.test(t)) {
    const parts = t.split(AGGREGATE_SPLIT).filter((s) => s.trim());
    if (parts.length > 1) return parts;
  }
  const m = /\d+ errors? occurred(?: while pulling)?:\s*\*\s*/.exec(t);
  if (m) return t.slice(m.index + m[0].length).split(/\s\*\s(?=\S)/).filter((s) => s.trim());
  return [t];
}

function classifyInner(t: string): Classification {
  const peeled = peel(t);
  const ctx: Context = { layers: peeled.layers, ...(peeled.step ? { step: peeled.step } : {}), ...(peeled.request ? { request: peeled.request.kind } : {}), ...(peeled.token ? { token: peeled.token } : {}) };
  const r = runRules(peeled.inner, t, ctx);
  const step = stepOf(r, peeled);
  const base = { layers: peeled.layers, ...(step ? { step } : {}), inner: clip(peeled.inner) };
  if (!r) return { cause: 'image.unknown', confidence: 'low', rule: 'unknown', params: { ...params(t), detail: clip(t, 2000) }, ...base };
  return {
    cause: r.cause,
    confidence: r.confidence,
    rule: r.id,
    params: params(t),
    ...(r.alternatives ? { alternatives: [...r.alternatives], ...(r.distinguish ? { distinguish: r.distinguish } : {}) } : {}),
    ...base,
    origin: r.origin,
  };
}

/** Kubelet's own states and policy refusals are their own step, whatever wrapped them. */
function stepOf(r: Rule | undefined, p: Peeled): PullStep | undefined {
  if (r?.origin === 'kubelet') return 'kubelet';
  if (r?.origin === 'policy' || r?.origin === 'harbor') return 'policy';
  if (r?.origin === 'node' && !p.step) return 'resolve';
  return p.step;
}

/** What `hybrid-doctor explain` prints: the classification and the catalog-rendered finding. */
export interface Explanation {
  cause: CauseId;
  confidence: Confidence;
  rule: string;
  params: ClassificationParams;
  alternatives?: CauseId[];
  /** What would tell `cause` and `alternatives` apart. */
  distinguish?: string;
  step?: PullStep;
  layers?: Runtime[];
  finding: Finding;
}

/** Classifies a pasted message and renders its finding (remediation, docs) from the catalog. */
export function explainText(text: string): Explanation {
  const c = classifyPullError(text);
  const f = finding(c.cause, {
    subject: c.params.image ?? c.params.host ?? 'pasted message',
    params: { ...c.params },
    evidence: { text: typeof text === 'string' ? clip(text, 20_000) : String(text), rule: c.rule, confidence: c.confidence, ...(c.alternatives ? { alternatives: c.alternatives } : {}), ...(c.distinguish ? { distinguish: c.distinguish } : {}), ...(c.step ? { step: c.step } : {}), layers: c.layers ?? [] },
  });
  // The pasted text may hold credentials (an Authorization header, `user:password@host`): the
  // params are printed as they are by `explain --json`, so they pass the redactor like the finding.
  const params = redactor.value(c.params, { nameKeys: ['secret'] });
  return {
    cause: c.cause,
    confidence: c.confidence,
    rule: c.rule,
    params,
    ...(c.alternatives ? { alternatives: c.alternatives } : {}),
    ...(c.distinguish ? { distinguish: c.distinguish } : {}),
    ...(c.step ? { step: c.step } : {}),
    layers: c.layers,
    finding: f,
  };
}
