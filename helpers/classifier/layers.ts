/**
 * Reads a pull-error text the way the runtimes build it: each layer wraps the error of the layer
 * below as `<what this layer tried>: <error below>` (Go's `fmt.Errorf("...: %w", err)`), so the text
 * is peeled from the outside in until only the innermost error is left.
 *
 * The wrapper table is derived from the code that produces the texts (read upstream, not copied):
 * - kubelet `pkg/kubelet/images/image_manager.go` (`Failed to pull image %q: %v`, `Back-off pulling
 *   image %q`, ErrImagePull / ImagePullBackOff reasons) and `kubelet_pods.go` (pull secrets);
 * - the CRI gRPC status (`rpc error: code = X desc = ...`), crictl (`pulling image: ...`,
 *   `"PullImage from image service failed" err=...`) and kubeadm (`[ERROR ImagePull]: failed to pull
 *   image X: output: ..., error: exit status 1`);
 * - containerd CRI `image_pull.go` (`failed to pull and unpack image %q`, `failed to get sandbox image`,
 *   `cancel pulling image %s because of no progress in %v`) and `core/remotes/docker`: resolver
 *   (`failed to resolve reference`, `failed to do request`, `pulling from host %s failed with status
 *   code ...`, `unexpected status from %s request to %s`), authorizer (`failed to authorize`,
 *   `failed to fetch anonymous|oauth token`), fetcher (`httpReadSeeker: failed open`, `could not fetch
 *   content descriptor`), content store (`failed to copy`, `failed commit on ref`) and the unpacker
 *   (`failed to extract layer`, `apply layer`);
 * - moby `daemon/images` + `distribution` (`Error response from daemon:`, `Handler for POST
 *   /images/create returned error:`, `pull access denied for X, repository does not exist or may
 *   require 'docker login'`, `error pulling image configuration`, `failed to register layer`);
 * - containers/image `docker/docker_client.go` and `copy/` as used by CRI-O, podman and skopeo
 *   (`initializing source docker://X`, `pinging container registry H`, `reading manifest T in R`,
 *   `trying to reuse blob`, `writing blob`, `unable to retrieve auth token`).
 * Go's `url.Error` (`Get "https://...": <err>`) is a layer too: its URL tells which request failed.
 */

/** The pull step that failed, from the outermost wrapper that names one and the failing request. */
export type PullStep = 'resolve' | 'authorize' | 'fetch-manifest' | 'fetch-blob' | 'unpack' | 'policy' | 'kubelet';

/** Who wrapped the error (one entry per distinct runtime, outermost first). */
export type Runtime =
  | 'kubelet'
  | 'cri'
  | 'crictl'
  | 'kubeadm'
  | 'containerd'
  | 'ctr'
  | 'nerdctl'
  | 'buildkit'
  | 'docker'
  | 'containers-image'
  | 'cri-o'
  | 'podman'
  | 'skopeo'
  | 'go-containerregistry'
  | 'admission'
  | 'kube-apiserver';

/** What the failing HTTP request was for (from the URL of the innermost `url.Error`). */
export type RequestKind = 'ping' | 'token' | 'manifest' | 'blob' | 'other';

export interface Peeled {
  /** Runtimes whose wrappers were found, outermost first, each once. */
  layers: Runtime[];
  /** Ids of the wrappers found, outermost first (tests and evidence refer to them). */
  wrappers: string[];
  step?: PullStep;
  /** The innermost error: what is left after the last wrapper, trailing log fields removed. */
  inner: string;
  /** The innermost failing request, when the text names one. */
  request?: { method: string; host: string; kind: RequestKind };
  /** containerd's token fetch: anonymous = no credentials configured for the host; oauth/basic = sent. */
  token?: 'anonymous' | 'oauth' | 'basic';
}

interface Wrapper {
  id: string;
  runtime: Runtime;
  step?: PullStep;
  /** Matches the wrapper up to and including its `: ` separator (global, sticky-free). */
  re: RegExp;
}

/** A quoted image reference, also inside an escaped log field (`\\"ref\\"`); references hold no backslash. */
const Q = '\\\\?"?[^"\\s\\\\]{1,1000}\\\\?"?';

/**
 * Every wrapper found anywhere in the text counts (a log line may hold the same error twice, or
 * prefix it with timestamps and fields); outer to inner is their order in the text, and the
 * innermost error starts after the end of the last one. `step` is set by wrappers that name one
 * unambiguously; the failing request's URL, when there is one, is more precise and wins.
 */
const WRAPPERS: Wrapper[] = [
  // --- kubeadm / crictl / ctr / nerdctl / skopeo CLI prefixes -------------------------------
  { id: 'kubeadm-preflight', runtime: 'kubeadm', re: /\[ERROR ImagePull\]:\s*/g },
  { id: 'kubeadm-pull', runtime: 'kubeadm', re: new RegExp(`failed to pull image ${Q}: output:\\s*`, 'g') },
  { id: 'crictl-pulling', runtime: 'crictl', re: /(?:FATA\[\d+\]|level=fatal msg=")\s*pulling image(?: failed)?:\s*/g },
  { id: 'cri-client', runtime: 'crictl', re: /"PullImage from image service failed" err="/g },
  { id: 'ctr', runtime: 'ctr', re: /(?:^|\s)ctr: /g },
  { id: 'skopeo-fatal', runtime: 'skopeo', re: /(?:FATA\[\d+\]|level=fatal msg=")\s*(?=(?:Error )?initializing (?:source|image from source))/gi },
  { id: 'cli-fatal', runtime: 'nerdctl', re: /FATA\[\d+\]\s*(?=failed to|unexpected status)/g },
  { id: 'buildkit', runtime: 'buildkit', re: /(?:failed to solve(?: with frontend [\w.]+)?:|#\d+ ERROR:|^ERROR: (?=failed to))\s*/g },
  // --- kubelet -------------------------------------------------------------------------------
  { id: 'kubelet-failed-to-pull', runtime: 'kubelet', re: new RegExp(`Failed to pull image ${Q}(?: from pod ${Q} and container ${Q})?:\\s*`, 'g') },
  { id: 'kubelet-backoff', runtime: 'kubelet', re: new RegExp(`Back-off pulling image ${Q}:?\\s*`, 'g') },
  { id: 'kubelet-reason', runtime: 'kubelet', re: /\b(?:Error: )?(?:ErrImagePull|ImagePullBackOff|ImageInspectError)(?::\s*|\s*$)/g },
  { id: 'kubelet-sync', runtime: 'kubelet', re: /Error syncing pod, skipping: failed to "StartContainer" for "[^"]{0,253}" with \w+: "?/g },
  { id: 'kubelet-inspect', runtime: 'kubelet', re: new RegExp(`Failed to inspect image ${Q}:\\s*`, 'g') },
  { id: 'kubelet-log', runtime: 'kubelet', re: /kubelet_pods\.go:\d+\]\s*/g },
  { id: 'kubelet-sandbox', runtime: 'kubelet', re: /Failed (?:to )?create pod sandbox:\s*/g },
  // --- CRI gRPC status (kubelet and crictl both print it) ------------------------------------
  { id: 'cri-status', runtime: 'cri', re: /\[?rpc error: code\s*=\s*\w+ (?:desc|déc)\s*=\s*/g },
  { id: 'containerd-cri-log', runtime: 'containerd', re: new RegExp(`msg="PullImage \\\\?${Q}\\\\?" failed" error="`, 'g') },
  // --- containerd CRI + remotes/docker -------------------------------------------------------
  { id: 'containerd-pull-unpack', runtime: 'containerd', re: new RegExp(`failed to pull and unpack image ${Q}:\\s*`, 'g') },
  { id: 'containerd-sandbox-image', runtime: 'containerd', re: new RegExp(`failed to get sandbox image ${Q}:\\s*`, 'g') },
  { id: 'containerd-resolve', runtime: 'containerd', step: 'resolve', re: new RegExp(`failed to resolve (?:reference|image) ${Q}:\\s*|failed to resolve image:\\s*`, 'g') },
  { id: 'containerd-authorize', runtime: 'containerd', step: 'authorize', re: /failed to authorize:\s*/g },
  { id: 'containerd-token', runtime: 'containerd', step: 'authorize', re: /failed to fetch (?:anonymous|oauth|basic) token:\s*/g },
  { id: 'containerd-do-request', runtime: 'containerd', re: /failed to do request:\s*/g },
  { id: 'containerd-copy', runtime: 'containerd', step: 'fetch-blob', re: /failed to copy:\s*/g },
  { id: 'containerd-read-seeker', runtime: 'containerd', step: 'fetch-blob', re: /httpReadSeeker: failed open:\s*/g },
  { id: 'containerd-host-status', runtime: 'containerd', re: /pulling from host \S{1,300} failed with (?:unexpected )?status code(?: \[[^\]]{0,300}\])?:?\s*/g },
  { id: 'containerd-unexpected-status', runtime: 'containerd', re: /unexpected status (?:from (?:GET|HEAD|POST|PUT) request to|code) \S{1,2000}?:\s+(?=\d{3}\b)/g },
  { id: 'containerd-commit', runtime: 'containerd', step: 'fetch-blob', re: /failed commit on ref "[^"]{0,300}":\s*(?:commit failed:\s*)?/g },
  { id: 'containerd-descriptor', runtime: 'containerd', step: 'fetch-blob', re: /could not fetch content descriptor \S{1,200}(?: \([^)]{0,200}\))? from remote:\s*/g },
  { id: 'containerd-unpack', runtime: 'containerd', step: 'unpack', re: /failed to (?:extract layer|unpack image on snapshotter)[^:]{0,300}:\s*|apply layer error[^:]{0,200}:\s*/g },
  { id: 'containerd-next-host', runtime: 'containerd', re: /trying next host(?: error=")?/g },
  // --- Docker daemon / CLI -------------------------------------------------------------------
  { id: 'docker-daemon', runtime: 'docker', re: /Error response from daemon:\s*/g },
  { id: 'docker-handler', runtime: 'docker', re: /Handler for (?:POST|GET) \S{1,300} returned error:\s*/g },
  { id: 'docker-api', runtime: 'docker', re: /\(HTTP code \d{3}\) server error -\s*(?:\{"message":")?|API error \(\d{3}\):\s*|DockerApiException: Docker API responded with status code=\w+, response=\{"message":"/g },
  { id: 'docker-cli', runtime: 'docker', re: /(?:^|\s)docker: /g },
  { id: 'docker-pull-access', runtime: 'docker', step: 'fetch-manifest', re: /pull access denied for [^\s,]{1,500}, repository does not exist or may require '?docker login'?:?\s*/g },
  { id: 'docker-image-config', runtime: 'docker', step: 'fetch-blob', re: /error pulling image configuration:\s*/g },
  { id: 'docker-register-layer', runtime: 'docker', step: 'unpack', re: /failed to register layer:\s*/g },
  { id: 'docker-next-endpoint', runtime: 'docker', re: /(?:Attempting next endpoint for pull after error|Not continuing with pull after error|Error getting v2 registry):\s*/g },
  { id: 'docker-pull-failed', runtime: 'docker', re: /pulling image failed" error="/g },
  { id: 'docker-body', runtime: 'docker', re: /error parsing HTTP \d{3} response body: [^:]{0,200}:\s*|error from registry:\s*|received unexpected HTTP status:\s*/g },
  // --- containers/image (CRI-O, podman, skopeo) ----------------------------------------------
  { id: 'cimage-source', runtime: 'containers-image', re: /(?:Error )?initializing (?:source|image from source) docker:\/\/\S{1,1000}?:\s*/gi },
  { id: 'cimage-mime', runtime: 'containers-image', step: 'fetch-manifest', re: /Error determining manifest MIME type for docker:\/\/\S{1,1000}?:\s*/g },
  { id: 'cimage-ping', runtime: 'containers-image', step: 'resolve', re: /(?:error )?pinging (?:(?:container |docker )?registry )?\S{1,300}?:\s+/gi },
  { id: 'cimage-manifest', runtime: 'containers-image', step: 'fetch-manifest', re: /(?:Error )?reading manifest \S{1,300} in \S{1,1000}?:\s*/gi },
  { id: 'cimage-blob', runtime: 'containers-image', step: 'fetch-blob', re: /(?:trying to reuse blob \S{1,200} at destination|writing blob|reading blob \S{1,200}|fetching blob|copying system image from manifest list|storing blob to file \S{1,500}?)[^:]{0,200}:\s*/gi },
  { id: 'cimage-token', runtime: 'containers-image', step: 'authorize', re: /(?:unable to retrieve auth token|[Rr]equesting bear(?:er)? token|authenticating creds for "[^"]{0,300}"):\s*/g },
  { id: 'podman-pull', runtime: 'podman', re: /(?:Error pulling image ref \S{1,1000}?|unable to pull \S{1,1000}?|Error: (?=initializing|Source image|copying|reading|unable to pull|Error)|Trying to pull \S{1,1000}?\.\.\.)[:\s]\s*/g },
  // --- other clients ----------------------------------------------------------------------------
  { id: 'ggcr-status', runtime: 'go-containerregistry', re: /unexpected status code (?=\d{3} )/g },
  { id: 'admission', runtime: 'admission', step: 'policy', re: /admission webhook "[^"]{1,300}" denied the request:\s*|was blocked due to the following policies\s*/g },
  { id: 'apiserver-secret', runtime: 'kube-apiserver', step: 'kubelet', re: /Secret "[^"]{1,253}" is invalid:\s*/g },
];

/** Go's url.Error: `Get "https://h/v2/...": <err>` (quoted since Go 1.14, bare before). */
const URL_ERROR = /\b(Get|Head|HEAD|GET|Post|POST|Put|PUT)\s+\\?"?(https?:\/\/[^\s"\\]{1,2000}?)\\?"?:(?:\s+|$)/g;

const STEP_BY_KIND: Record<RequestKind, PullStep | undefined> = {
  ping: 'resolve',
  token: 'authorize',
  manifest: 'fetch-manifest',
  blob: 'fetch-blob',
  other: undefined,
};

function kindOf(url: string): RequestKind {
  const path = url.replace(/^https?:\/\/[^/]*/, '');
  if (/\/(?:token|oauth2\/token|service\/token|jwt\/auth)\b|[?&](?:scope|service)=/.test(path)) return 'token';
  if (/\/manifests\//.test(path)) return 'manifest';
  if (/\/blobs\/|\/registry-v2\/|\/data\?|\/sha256\/[0-9a-f]{2}\//.test(path)) return 'blob';
  if (/^\/v[12]\/?(?:_ping)?$/.test(path)) return 'ping';
  return 'other';
}

interface Hit {
  at: number;
  end: number;
  id: string;
  runtime: Runtime;
  step?: PullStep;
  request?: Peeled['request'];
}

/** Log-field tails (`" image="x"`, `host=h`, `\n, error: exit status 1`) and closing quotes/brackets. */
function trimTail(s: string): string {
  let t = s;
  for (let i = 0; i < 6; i++) {
    const before = t;
    t = t
      .replace(/\\?"?\s+(?:image|host|module|pod|secret|node\.id|kind|name|namespace|policy)=\S{0,1000}$/, '')
      .replace(/\s*,?\s*error: exit status \d+\s*$/, '')
      .replace(/\s*(?:\\n|\s)*"?\s*\}?\s*\]?\.?\s*$/, '')
      .replace(/^\s*["\\]+|["\\]+$/g, '')
      .trim();
    if (t === before) break;
  }
  return t;
}

/**
 * Peels the wrappers of one pull-error text (already whitespace-collapsed and bounded by the
 * caller). Linear in the text: each wrapper regex runs once over it.
 */
export function peel(text: string): Peeled {
  const hits: Hit[] = [];
  for (const w of WRAPPERS) {
    w.re.lastIndex = 0;
    for (let m = w.re.exec(text), n = 0; m && n < 200; m = w.re.exec(text), n++) {
      if (m[0].length === 0) {
        w.re.lastIndex++;
        continue;
      }
      hits.push({ at: m.index, end: m.index + m[0].length, id: w.id, runtime: w.runtime, ...(w.step ? { step: w.step } : {}) });
    }
  }
  URL_ERROR.lastIndex = 0;
  for (let m = URL_ERROR.exec(text), n = 0; m && n < 200; m = URL_ERROR.exec(text), n++) {
    const url = m[2]!;
    const kind = kindOf(url);
    const host = url.replace(/^https?:\/\//, '').replace(/[/?#].*$/, '');
    const step = STEP_BY_KIND[kind];
    // Go's url.Error prints the method as `Get`; go-containerregistry's transport errors as `GET`.
    if (/^[A-Z]+$/.test(m[1]!) && !/\b(?:Get|Head) /.test(text)) hits.push({ at: m.index, end: m.index, id: 'ggcr-request', runtime: 'go-containerregistry' });
    // (`runtime` of url/status hits is not used: they name a request, not a wrapping layer.)
    hits.push({ at: m.index, end: m.index + m[0].length, id: `url-${kind}`, runtime: 'containerd', ...(step ? { step } : {}), request: { method: m[1]!.toUpperCase(), host: host.slice(host.lastIndexOf('@') + 1), kind } });
  }
  // containerd's own status texts name the request without Go's url.Error form.
  const statusUrl = /(?:unexpected status (?:from (GET|HEAD|POST) request to|code)|pulling from host) (https?:\/\/\S{1,2000}?|\S{1,300}?)[:\s]/g;
  for (let m = statusUrl.exec(text), n = 0; m && n < 50; m = statusUrl.exec(text), n++) {
    const target = m[2]!;
    const kind = target.startsWith('http') ? kindOf(target) : /\[manifests /.test(text.slice(m.index, m.index + 400)) ? 'manifest' : 'other';
    const step = STEP_BY_KIND[kind];
    hits.push({ at: m.index, end: m.index, id: `status-${kind}`, runtime: 'containerd', ...(step ? { step } : {}), request: { method: m[1] ?? 'GET', host: target.replace(/^https?:\/\//, '').replace(/[/?#].*$/, ''), kind } });
  }
  // The fetcher's not-found names the URL it read (`content at URL not found`).
  const contentAt = /content at (\S{1,2000}) not found/g;
  for (let m = contentAt.exec(text), n = 0; m && n < 50; m = contentAt.exec(text), n++) {
    const kind = kindOf(m[1]!.replace(/^(?!https?:\/\/)\/?/, 'https://registry/'));
    const step = STEP_BY_KIND[kind];
    hits.push({ at: m.index, end: m.index, id: `status-${kind}`, runtime: 'containerd', ...(step ? { step } : {}), request: { method: 'GET', host: m[1]!.replace(/^https?:\/\//, '').replace(/[/?#].*$/, ''), kind } });
  }
  hits.sort((a, b) => a.at - b.at || b.end - a.end);

  const layers: Runtime[] = [];
  const wrappers: string[] = [];
  let step: PullStep | undefined;
  let request: Peeled['request'];
  let lastEnd = 0;
  for (const h of hits) {
    // url errors and containerd's status texts name the failing request; the client that made it
    // is already a layer of its own.
    if (!h.id.startsWith('url-') && !h.id.startsWith('status-') && !layers.includes(h.runtime)) layers.push(h.runtime);
    if (!h.id.startsWith('status-')) wrappers.push(h.id);
    // The deepest step wins: a request URL is more precise than the wrapper around it.
    if (h.step) step = h.step;
    if (h.request) request = h.request;
    if (h.end > lastEnd) lastEnd = h.end;
  }
  // containers/image behind the CRI is CRI-O (podman and skopeo print it without a gRPC status).
  const ci = layers.indexOf('containers-image');
  if (ci >= 0 && layers.includes('cri') && !layers.includes('podman') && !layers.includes('skopeo')) layers.splice(ci, 0, 'cri-o');
  const token = /failed to fetch anonymous token/.test(text) ? 'anonymous' : /failed to fetch oauth token/.test(text) ? 'oauth' : /failed to fetch basic token/.test(text) ? 'basic' : undefined;
  const inner = trimTail(text.slice(lastEnd)) || trimTail(text);
  return { layers, wrappers, ...(step ? { step } : {}), inner, ...(request ? { request } : {}), ...(token ? { token } : {}) };
}
