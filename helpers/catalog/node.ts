import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Node causes: containerd configuration, CA files, clock, NodeConfig, sandbox image, labels.
 *
 * Params: `node` (node name), `host` (registry host[:port]), `path` (file on the node, e.g.
 * `/etc/containerd/certs.d/harbor.example.com/hosts.toml`), `field` (config key), `value`,
 * `seconds` (clock offset), `version` (containerd version), `image` (sandbox image),
 * `issuer` (issuer of the served chain), `detail` (parser/runtime text).
 */
export const NODE_PARAMS: AreaParams<'node'> = {
  'node.disk-full': ['node', 'path', 'detail'],
  'node.ca-not-installed': ['node', 'host', 'path'],
  'node.ca-mismatch': ['node', 'host', 'path', 'issuer'],
  'node.containerd-config-conflict': ['path', 'field', 'detail'],
  'node.containerd-dropin-replaces-cri': ['path', 'field', 'detail'],
  'node.hosts-toml-invalid': ['node', 'host', 'path', 'detail'],
  'node.insecure-skip-verify': ['host', 'path', 'field'],
  'node.plaintext-registry-credentials': ['host', 'path', 'field', 'detail'],
  'node.clock-skew': ['node', 'seconds'],
  'node.nodeconfig-invalid': ['path', 'field', 'detail'],
  'node.sandbox-image-unpullable': ['node', 'image', 'detail'],
  'node.hybrid-label-missing': ['node'],
};

const hostsToml =
  'Use this layout in /etc/containerd/certs.d/{host|<registry>}/hosts.toml: `server = "https://{host|<registry>}"`, then `[host."https://{host|<registry>}"]` with `capabilities = ["pull", "resolve"]` and `ca = "/etc/containerd/certs.d/{host|<registry>}/ca.crt"`.';

export const node: AreaCatalog<'node'> = {
  'node.disk-full': {
    title: 'Node out of image disk space',
    message: '[[Node {node}||A node]] has no space left for images[[ under {path}]][[ ({detail})]]',
    explanation:
      'Layers are unpacked under /var/lib/containerd; when the filesystem fills, pulls fail with "no space left on device" and image garbage collection cannot free enough (images in use are never removed). The kubelet sets DiskPressure and starts evicting pods.',
    remediation: {
      summary: 'Free space on the image filesystem and tune image GC thresholds.',
      steps: [
        'On the node: `df -h /var/lib/containerd /var/lib/kubelet` and `sudo crictl images` / `sudo crictl rmi --prune`.',
        'Tune kubelet `imageGCHighThresholdPercent`/`imageGCLowThresholdPercent` (NodeConfig `spec.kubelet.config`) or grow the disk.',
      ],
      docs: [DOCS.k8sGarbageCollection, DOCS.k8sNodePressure],
    },
  },
  'node.ca-not-installed': {
    title: 'Registry CA not installed for containerd',
    message: '[[Node {node}||A node]] has no CA for {host}[[ at {path}]]',
    explanation:
      'containerd (CRI) reads per-registry trust from the directory in `config_path` (default /etc/containerd/certs.d): `<host[:port]>/hosts.toml` with `ca = ...` or, without hosts.toml, `<host[:port]>/ca.crt`. The directory name must equal the registry part of the image reference, port included; the OS trust store alone is not used by older setups with a custom config.',
    remediation: {
      summary: 'Copy the Harbor CA to /etc/containerd/certs.d/{host|<host[:port]>}/ca.crt (and reference it from hosts.toml).',
      steps: [
        '`sudo mkdir -p /etc/containerd/certs.d/{host|<registry>} && sudo cp harbor-ca.crt /etc/containerd/certs.d/{host|<registry>}/ca.crt`.',
        hostsToml,
        'Check containerd uses that directory: `sudo containerd config dump | grep -n config_path`.',
        'Verify: `sudo crictl pull {host|<registry>}/library/busybox:1.36`.',
      ],
      docs: [DOCS.containerdHosts, DOCS.containerdCriRegistry],
      guideStep: GUIDE.caOnNodes,
    },
  },
  'node.ca-mismatch': {
    title: 'Node trusts a different CA than the registry uses',
    message: '[[Node {node}||A node]] trusts [[{path}||a CA file]] for {host}, which does not sign the chain[[ issued by {issuer}]]',
    explanation:
      'After a CA rotation (or with a CA copied from another environment), the file in certs.d exists but does not verify the registry\'s current chain. Go may report "signed by unknown authority (possibly because of crypto/rsa: verification error while trying to verify candidate authority certificate ...)".',
    remediation: {
      summary: 'Replace the node CA file with the CA that issues the current Harbor chain (keep old and new during rotation).',
      steps: [
        'Compare: `openssl x509 -noout -subject -fingerprint -sha256 -in {path}` vs the issuer from `openssl s_client -showcerts -connect {hostport|<registry>:443}[[ -servername {sni}]] </dev/null`.',
        'Install the current CA (concatenate old+new in ca.crt during a rotation window) on every node.',
      ],
      docs: [DOCS.containerdHosts, DOCS.opensslVerify],
      guideStep: GUIDE.caOnNodes,
    },
  },
  'node.containerd-config-conflict': {
    title: 'containerd config_path combined with legacy registry settings',
    message: '[[containerd config {path}||The containerd config]][[ ({field})]] sets config_path together with registry.mirrors / registry.configs TLS[[ ({detail})]]',
    explanation:
      'containerd refuses to load the CRI plugin ("`mirrors` cannot be set when `config_path` is provided"), or ignores one of the two, when the deprecated `registry.mirrors` / `registry.configs.*.tls` are set alongside `config_path`. The guide\'s Step 7 NodeConfig has exactly this combination; without the CRI plugin the kubelet cannot run any pod.',
    remediation: {
      summary: 'Keep only `config_path` and move mirrors/TLS into hosts.toml files.',
      steps: [
        'Remove `registry.mirrors` and `registry.configs."<host>".tls` from NodeConfig `spec.containerd.config`; keep `config_path = "/etc/containerd/certs.d"`.',
        hostsToml.replaceAll('{host|<registry>}', '<registry>'),
        'Re-run `sudo nodeadm init --config-source file://nodeconfig.yaml` and check `journalctl -u containerd | grep -i "failed to load plugin"`.',
      ],
      docs: [DOCS.containerdHosts, DOCS.containerdCriRegistry, DOCS.containerdMirrorsIssue, DOCS.eksHybridNodeadm],
      guideStep: GUIDE.nodeConfig,
    },
  },
  'node.containerd-dropin-replaces-cri': {
    title: 'containerd drop-in replaces the CRI plugin section',
    message: 'On containerd 1.x, [[the drop-in {path}||a drop-in]][[ ({field})]] replaces the whole CRI plugin section of the base config[[ ({detail})]]',
    explanation:
      'containerd 1.x merges `imports` per plugin section, not per key: a drop-in that defines `[plugins."io.containerd.grpc.v1.cri"...]` replaces the base CRI config, silently dropping `config_path`, `SystemdCgroup` and `sandbox_image` set by nodeadm. containerd 2.0 merges sections key by key.',
    remediation: {
      summary: 'Put all CRI settings in one file (or upgrade to containerd 2.x, which merges drop-ins).',
      steps: [
        'See the effective config: `sudo containerd config dump | grep -nE "config_path|SystemdCgroup|sandbox_image"`.',
        'Move the drop-in\'s CRI settings into NodeConfig `spec.containerd.config` (nodeadm merges it into its base config) and remove the drop-in.',
      ],
      docs: [DOCS.containerdImportsIssue, DOCS.containerdMergePr, DOCS.containerdCriConfig],
      guideStep: GUIDE.nodeConfig,
    },
  },
  'node.hosts-toml-invalid': {
    title: 'hosts.toml invalid',
    message: '[[hosts.toml {path}||A hosts.toml]] is invalid[[ ({detail})]]',
    explanation:
      'containerd skips a hosts.toml it cannot decode ("invalid host tree", TOML errors) or that points at a missing CA file, and falls back to defaults: HTTPS without the CA, or plain HTTP for loopback/IP hosts (seen as "400 Bad Request").',
    remediation: {
      summary: 'Rewrite the hosts.toml with valid TOML, a [host] table and an existing CA path.',
      steps: [
        hostsToml,
        'Validate: `python3 -c "import tomllib,sys;tomllib.load(open(sys.argv[1],\'rb\'))" {path}` and `ls -l` the `ca` path.',
        'Check containerd\'s reaction: `journalctl -u containerd | grep -i hosts.toml`.',
      ],
      docs: [DOCS.containerdHosts],
      guideStep: GUIDE.caOnNodes,
    },
  },
  'node.insecure-skip-verify': {
    title: 'TLS verification disabled for the registry',
    message: '[[{path}||The containerd config]] disables TLS verification for {host}[[ ({field})]]',
    explanation: '`skip_verify = true` (hosts.toml) or `insecure_skip_verify = true` (CRI config) accepts any certificate, so anyone on the path can serve images to the node. It also hides CA problems that come back when the setting is removed.',
    remediation: {
      summary: 'Install the registry CA and remove skip_verify / insecure_skip_verify.',
      steps: [
        'Install the CA (`/etc/containerd/certs.d/{host|<registry>}/ca.crt`) and reference it with `ca = ...` in hosts.toml.',
        'Remove `skip_verify`/`insecure_skip_verify` and verify with `sudo crictl pull {host|<registry>}/library/busybox:1.36`.',
      ],
      docs: [DOCS.containerdHosts, DOCS.harborHttps],
      guideStep: GUIDE.caOnNodes,
    },
  },
  'node.plaintext-registry-credentials': {
    title: 'Registry credentials in containerd config',
    message: '[[{path}||The containerd config]] stores credentials for {host}[[ ({field})]][[: {detail}]]',
    explanation: 'Credentials in `registry.configs.<host>.auth` (as in the guide\'s NodeConfig) are readable in the TOML on every node and in NodeConfig/user data, are deprecated in containerd, and grant pull to every pod on the node regardless of namespace.',
    remediation: {
      summary: 'Remove the auth block and use Kubernetes pull secrets per namespace.',
      steps: [
        'Delete `[plugins."io.containerd.grpc.v1.cri".registry.configs."{host|<registry>}".auth]` from the NodeConfig and re-run `nodeadm init`.',
        'Create pull secrets (`kubectl create secret docker-registry ...`) and rotate the exposed robot secret in Harbor.',
      ],
      docs: [DOCS.containerdCriRegistry, DOCS.k8sPrivateRegistry],
      guideStep: GUIDE.nodeConfig,
    },
  },
  'node.clock-skew': {
    title: 'Node clock skewed',
    message: 'The clock of [[node {node}||a node]] is off[[ by {seconds} s]]',
    explanation: 'A skewed clock breaks certificate validity checks ("not yet valid"/"expired"), Bearer token validity, and node registration with the EKS control plane (SSM / IAM Roles Anywhere credentials are time-bound).',
    remediation: {
      summary: 'Enable NTP on the node and correct the time.',
      steps: [
        '`timedatectl status`; `chronyc tracking`; `chronyc sources -v`.',
        '`sudo systemctl enable --now chronyd` with reachable on-prem NTP servers; `sudo chronyc makestep` to step immediately.',
      ],
      docs: [DOCS.chrony, DOCS.eksHybridTroubleshooting],
    },
  },
  'node.nodeconfig-invalid': {
    title: 'NodeConfig invalid',
    message: '[[NodeConfig {path}||The NodeConfig]] is invalid[[ at {field}]][[: {detail}]]',
    explanation: 'nodeadm validates the NodeConfig (node.eks.aws/v1alpha1): it needs `spec.cluster.name` and `region`, exactly one of `spec.hybrid.ssm` or `spec.hybrid.iamRolesAnywhere`, and rejects unknown fields. An invalid file stops `nodeadm init` before containerd and kubelet are configured.',
    remediation: {
      summary: 'Fix [[{field}||the reported field]] in the NodeConfig and re-run nodeadm init.',
      steps: [
        'Compare with the reference fields in the nodeadm docs (cluster name/region, hybrid ssm or iamRolesAnywhere, containerd.config, kubelet.config/flags).',
        'Re-run: `sudo nodeadm init --config-source file://{path}` and read its error output.',
      ],
      docs: [DOCS.eksHybridNodeadm, DOCS.eksHybridJoin],
      guideStep: GUIDE.nodeConfig,
    },
  },
  'node.sandbox-image-unpullable': {
    title: 'Pause (sandbox) image cannot be pulled',
    message: '[[Node {node}||A node]] cannot pull the sandbox image[[ {image}]], so no pod can start[[ ({detail})]]',
    explanation:
      'Every pod starts with the pause container from the CRI `sandbox_image` (containerd 1.x) / `sandbox` (2.x) setting. If that image is in a registry the node cannot reach or authenticate to (e.g. an ECR pause image from an on-prem node, or a private registry without node-level credentials), all pods fail with FailedCreatePodSandBox. Pull secrets of the pod are not used for it.',
    remediation: {
      summary: 'Point sandbox_image at a pause image the node can pull without pod credentials, or preload it.',
      steps: [
        'See the configured image: `sudo containerd config dump | grep -n sandbox`.',
        'Mirror the pause image into a public Harbor project (or configure node-level credentials) and set `sandbox_image` in NodeConfig `spec.containerd.config`.',
        'Or preload it: `sudo ctr -n k8s.io images import pause.tar` (air-gapped sites).',
      ],
      docs: [DOCS.containerdCriConfig, DOCS.eksHybridTroubleshooting],
      guideStep: GUIDE.nodeConfig,
    },
  },
  'node.hybrid-label-missing': {
    title: 'Hybrid node label missing',
    message: '[[Node {node}||A node]] lacks the label eks.amazonaws.com/compute-type=hybrid',
    explanation: 'EKS labels hybrid nodes with `eks.amazonaws.com/compute-type=hybrid`; add-ons, CNI DaemonSets and workload placement rely on it. A node meant to be hybrid without it was probably joined another way or had its labels overwritten.',
    remediation: {
      summary: 'Join the node with nodeadm (which registers it as hybrid) or restore the label.',
      steps: [
        '`kubectl get node {node|<node>} --show-labels`.',
        'Re-join with `nodeadm init`; avoid overriding `--node-labels` in NodeConfig kubelet flags without keeping the hybrid label.',
      ],
      docs: [DOCS.eksHybridJoin, DOCS.eksHybridConceptsK8s],
      guideStep: GUIDE.nodeInit,
    },
  },
};
