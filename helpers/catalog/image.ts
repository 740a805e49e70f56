import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Image causes: what was asked for and what the registry/kubelet did with the pull.
 *
 * Params: `image` (full reference), `host` (registry host[:port]), `reference` (tag or digest),
 * `repository`, `project`, `platform` (node OS/arch, e.g. `linux/arm64`), `platforms` (what the
 * index offers), `status` (HTTP status), `seconds` (pull duration/timeout), `namespace`, `pod`,
 * `detail` (innermost error text; for image.unknown the raw text).
 * The classifier fills `image`, `host`, `reference`, `status` and `detail`.
 */
export const IMAGE_PARAMS: AreaParams<'image'> = {
  'image.not-found': ['image', 'host', 'detail'],
  'image.platform-missing': ['image', 'platform', 'platforms', 'detail'],
  'image.invalid-reference': ['image', 'namespace', 'pod', 'detail'],
  'image.policy-vulnerability': ['image', 'host', 'detail'],
  'image.policy-unsigned': ['image', 'host', 'detail'],
  'image.rate-limited': ['image', 'host', 'detail'],
  'image.pull-never': ['image', 'detail'],
  'image.pull-timeout': ['image', 'host', 'namespace', 'pod', 'detail'],
  'image.pull-interrupted': ['image', 'host', 'detail'],
  'image.unknown': ['image', 'host', 'namespace', 'pod', 'detail'],
};

const events = 'Read the pod events: `kubectl[[ -n {namespace}]] describe pod {pod|POD}` / `kubectl get events -n {namespace|NAMESPACE} --field-selector involvedObject.name={pod|POD}`.';

export const image: AreaCatalog<'image'> = {
  'image.not-found': {
    title: 'Image not found',
    message: '[[Image {image}||The image]] does not exist on {host}[[ ({detail})]]',
    explanation:
      'The registry has no manifest for this project/repository/tag or digest: a typo, a tag never pushed or deleted by a retention policy, a wrong project, or a digest from another registry. containerd says "<ref>: not found", Docker "manifest unknown", CRI-O "Tag X not found in repository".',
    remediation: {
      summary: 'Fix the reference or push the image; check retention policies in the Harbor project.',
      steps: [
        'List tags: `curl -u \'robot$NAME:SECRET\' "https://{host|<registry>}/api/v2.0/projects/PROJECT/repositories/REPO/artifacts?with_tag=true"` (REPO URL-encoded twice if it contains `/`).',
        'Or with skopeo: `skopeo list-tags docker://{image|<image>}` (strip the tag) and `skopeo inspect docker://{image|<image>}`.',
        'If it was deleted, check the project\'s tag retention and immutability rules and re-push.',
      ],
      docs: [DOCS.harborPullPush, DOCS.k8sImages],
      guideStep: GUIDE.tests,
    },
  },
  'image.platform-missing': {
    title: 'No manifest for the node platform',
    message: '[[Image {image}||The image]] has no manifest for[[ {platform}|| the node platform]][[ (it offers {platforms})]][[ ({detail})]]',
    explanation:
      'A multi-arch index lists one manifest per OS/architecture; containerd picks the node\'s. An amd64-only image on an arm64 hybrid node gives "no match for platform in manifest: not found" (or the container crashes with "exec format error" when a single-arch image is forced).',
    remediation: {
      summary: 'Push a multi-arch image that includes [[{platform}||the node platform]], or schedule the pod on nodes of an available platform.',
      steps: [
        'See what the image offers: `skopeo inspect --raw docker://{image|<image>} | jq \'.manifests[].platform\'` or `crane manifest {image|<image>}`.',
        'Build for both: `docker buildx build --platform linux/amd64,linux/arm64 --push -t {image|<image>} .`.',
        'Or constrain scheduling: `nodeSelector: {kubernetes.io/arch: amd64}`.',
      ],
      docs: [DOCS.k8sImages, DOCS.harborPullPush],
    },
  },
  'image.invalid-reference': {
    title: 'Image reference cannot be parsed',
    message: 'The image reference[[ {image}]] is not valid[[ ({detail})]]',
    explanation:
      'References must be `[host[:port]/]path[:tag][@digest]` with a lowercase path. Uppercase letters, a scheme (`https://`), spaces, templating leftovers like `None:None` or an empty value make the kubelet report InvalidImageName and never try to pull.',
    remediation: {
      summary: 'Correct the image field of the pod spec (lowercase, no scheme, valid tag/digest).',
      steps: [
        'Show it: `kubectl[[ -n {namespace}]] get pod {pod|POD} -o jsonpath=\'{.spec.containers[*].image}\'`.',
        'Fix the Helm values / manifest that produced it and redeploy.',
      ],
      docs: [DOCS.k8sImages],
    },
  },
  'image.policy-vulnerability': {
    title: 'Harbor blocked a vulnerable image',
    message: 'Harbor refused {image}: project policy prevents vulnerable or unscanned images[[ ({detail})]]',
    explanation:
      'With "Prevent vulnerable images from running" on, Harbor answers 412 PROJECTPOLICYVIOLATION for artifacts whose scan has vulnerabilities at or above the project severity, and also for artifacts not scanned yet; Harbor enforces this only when the project has a scanner (without one the policy is skipped and the pull succeeds, see harbor.vulnerability-policy-unenforced). containerd often shows only "412 Precondition Failed".',
    remediation: {
      summary: 'Fix the vulnerabilities (rebuild), scan the artifact, or allowlist the CVEs in the project.',
      steps: [
        'See the scan: `curl -u admin "https://{host|<registry>}/api/v2.0/projects/PROJECT/repositories/REPO/artifacts/TAG?with_scan_overview=true"`.',
        'Scan now: `POST /api/v2.0/projects/PROJECT/repositories/REPO/artifacts/TAG/scan` (or enable "Automatically scan images on push").',
        'Rebuild on a patched base image; or add CVE ids to the project CVE allowlist if accepted.',
      ],
      docs: [DOCS.harborProjectConfig, DOCS.harborScanning],
      guideStep: GUIDE.security,
    },
  },
  'image.policy-unsigned': {
    title: 'Signature policy blocked the image',
    message: 'The pull of {image} was refused because it is not signed as policy requires[[ ({detail})]]',
    explanation:
      'Harbor content trust refuses unsigned artifacts with HTTP 412: `enable_content_trust` is enforced as Notation ("The image is not signed by notation.") and `enable_content_trust_cosign` as cosign ("The image is not signed by cosign."), in Harbor 2.13; CRI-O and containers/image policy.json can also require signatures ("A signature was required, but no signature exists").',
    remediation: {
      summary: 'Sign the artifact (cosign/notation) with the trusted key, or relax the policy for this project.',
      steps: [
        'Sign: `cosign sign --key cosign.key {image|<image>}` (use the digest) or `notation sign {image|<image>}`.',
        'Check Harbor shows the signature accessory on the artifact and the project deployment security settings.',
        'For CRI-O, inspect /etc/containers/policy.json and the registries.d sigstore settings.',
      ],
      docs: [DOCS.harborSign, DOCS.harborContentTrust],
      guideStep: GUIDE.security,
    },
  },
  'image.rate-limited': {
    title: 'Pulls throttled',
    message: 'Pulls of {image} from {host} were throttled[[ ({detail})]]',
    explanation:
      'Either the registry answered 429 Too Many Requests (Docker Hub limits, a proxy cache upstream) or the kubelet\'s own limit (registryPullQPS/registryBurst) rejected the pull with "pull QPS exceeded".',
    remediation: {
      summary: 'Pull through Harbor (proxy cache) with credentials, or raise the kubelet pull QPS if the limit is local.',
      steps: [
        'If the host is Docker Hub: create a Harbor proxy-cache project and reference images as `<your-harbor>/<proxy-project>/library/<name>:<tag>`.',
        'For "pull QPS exceeded": raise `registryPullQPS`/`registryBurst` in the kubelet config (NodeConfig `spec.kubelet.config`) or spread rollouts.',
      ],
      docs: [DOCS.k8sKubeletConfig, DOCS.harborPullPush],
    },
  },
  'image.pull-never': {
    title: 'imagePullPolicy Never and image absent',
    message: '[[Image {image}||The image]] is not on the node and imagePullPolicy is Never[[ ({detail})]]',
    explanation: 'With imagePullPolicy: Never the kubelet only uses images already in containerd\'s k8s.io namespace; on a node where it was not preloaded the pod stays in ErrImageNeverPull.',
    remediation: {
      summary: 'Preload the image on every node (k8s.io namespace) or change imagePullPolicy to IfNotPresent.',
      steps: [
        'Check the node: `sudo crictl inspecti {image|<image>}` (ctr: `sudo ctr -n k8s.io images ls`).',
        'Import: `sudo ctr -n k8s.io images import image.tar`, or set `imagePullPolicy: IfNotPresent`.',
      ],
      docs: [DOCS.k8sImages],
    },
  },
  'image.pull-timeout': {
    title: 'Pull timed out',
    message: 'The pull of {image} from {host} timed out or was cancelled[[ ({detail})]]',
    explanation:
      'The kubelet cancels pulls that make no progress (runtime request timeout, image pull progress deadline) and the context ends in "context deadline exceeded"/"context canceled". Causes: large images over a slow VPN/Direct Connect, a stalled registry backend, or MTU black holes that stall big transfers.',
    remediation: {
      summary: 'Find why the transfer stalls (bandwidth, MTU, registry backend); pre-pull large images if needed.',
      steps: [
        events,
        'Time a pull on the node: `time sudo crictl pull {image|<image>}`; watch `journalctl -u containerd -f` for progress.',
        'Test MTU to the registry: `ping -M do -s 1372 <harbor ip>`; check Harbor registry/storage latency.',
        'If needed raise kubelet `runtimeRequestTimeout` (NodeConfig kubelet config) or pre-pull with a DaemonSet.',
      ],
      docs: [DOCS.k8sKubeletConfig, DOCS.eksHybridNetworking],
    },
  },
  'image.pull-interrupted': {
    title: 'Transfer broke during the pull',
    message: 'The transfer of {image} from {host} broke[[ ({detail})]]',
    explanation:
      'The connection ended mid-transfer (unexpected EOF, reset) or the content did not match its digest ("failed commit on ref", "unexpected commit digest"). Usually a proxy or load balancer timing out long downloads, a flaky link, or a corrupted blob in registry storage.',
    remediation: {
      summary: 'Retry; if it repeats, check proxies/load balancers on the path and the blob in Harbor storage.',
      steps: [
        'Retry from the node: `sudo crictl pull {image|<image>}` and watch `journalctl -u containerd`.',
        'Check idle/response timeouts and body-size limits of any proxy or LB in front of Harbor (nginx `proxy_read_timeout`, `client_max_body_size`).',
        'If the same digest always fails, verify the blob in storage (re-push the image, run Harbor garbage collection carefully).',
      ],
      docs: [DOCS.harborTroubleshoot, DOCS.containerdCrictl],
    },
  },
  'image.unknown': {
    title: 'Image pull failed (cause not identified)',
    message: 'The pull of {image} from {host} failed[[: {detail}]]',
    explanation:
      'The message does not contain enough to name one cause (often only "ErrImagePull" or "Back-off pulling image"). The full error is in the pod events and in the containerd log on the node.',
    remediation: {
      summary: 'Get the full error text from events or the node, then classify it again.',
      steps: [
        events,
        'On the node: `sudo crictl pull {image|<image>}` and `journalctl -u containerd --since "10 min ago" | grep -i {host|<registry>}`.',
        'Paste the full message into `hybrid-doctor explain` for a specific cause.',
      ],
      docs: [DOCS.k8sDebugPods, DOCS.k8sImages, DOCS.containerdCrictl],
      guideStep: GUIDE.troubleshooting,
    },
  },
};
