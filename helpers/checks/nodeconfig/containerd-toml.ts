import { parse, TomlError } from 'smol-toml';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { redactor } from '../../redact.ts';

/**
 * How nodeadm combines `spec.containerd.config` with its own base config:
 * - 'import': older hybrid nodeadm wrote it to /etc/containerd/config.d/00-nodeadm.toml, which the
 *   base config imports; containerd 1.x then replaces whole plugin tables (see below).
 * - 'merge': current hybrid nodeadm deep-merges the TOML itself before writing config.toml
 *   (aws/eks-hybrid internal/containerd/config.go: "because the logic in containerd's import
 *   merge decides to completely overwrite entire sections, we want to implement this merging
 *   ourselves"), so the base `config_path` is always present in the result.
 * - 'unknown' (default): report what is wrong under either behaviour.
 */
export type NodeadmMerge = 'import' | 'merge' | 'unknown';

export interface ContainerdLintOptions {
  subject: string;
  /** Registry host[:port] nodes pull from (from the target's harbor.url). */
  harborHost?: string;
  merge?: NodeadmMerge;
  /** Field path for messages; `spec.containerd.config` for a NodeConfig. */
  field?: string;
}

/** nodeadm's base containerd config (awslabs/amazon-eks-ami nodeadm/internal/containerd/config.template.toml, version 2). */
export const NODEADM_BASE_CRI_KEYS = [
  'sandbox_image',
  'registry.config_path',
  'containerd.default_runtime_name',
  'containerd.discard_unpacked_layers',
  'containerd.runtimes.runc.runtime_type',
  'containerd.runtimes.runc.options.SystemdCgroup',
  'cni.bin_dir',
  'cni.conf_dir',
] as const;

/** containerd 1.6/1.7 pkg/cri/config/config.go ValidatePluginConfig: the CRI plugin fails to load with these. */
export const CONTAINERD_CONFLICT_ERRORS = {
  mirrors: '`mirrors` cannot be set when `config_path` is provided',
  tls: '`configs.tls` cannot be set when `config_path` is provided',
} as const;

const V2_CRI = 'io.containerd.grpc.v1.cri';
const V3_IMAGES = 'io.containerd.cri.v1.images';
const V3_RUNTIME = 'io.containerd.cri.v1.runtime';

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
/** Dotted lookup below one table; plugin ids (which contain dots) are looked up with `plugin()`. */
const get = (t: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (isTable(o) ? o[k] : undefined), t);

/**
 * Lints containerd TOML given to nodeadm. Findings:
 * node.nodeconfig-invalid (TOML syntax, version/plugin-id mismatch), node.containerd-config-conflict,
 * node.containerd-dropin-replaces-cri, node.plaintext-registry-credentials (values never copied),
 * node.insecure-skip-verify. Evidence records ca_file paths and registry host keys.
 */
export function lintContainerdToml(text: string, opts: ContainerdLintOptions): { findings: Finding[]; evidence: Record<string, unknown> } {
  const field = opts.field ?? 'spec.containerd.config';
  const merge = opts.merge ?? 'unknown';
  const findings: Finding[] = [];
  const invalid = (detail: string) => findings.push(finding('node.nodeconfig-invalid', { subject: opts.subject, params: { path: opts.subject, field, detail }, evidence: { field } }));

  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      invalid(`containerd TOML does not parse at line ${err.line}, column ${err.column}: ${err.message.split('\n')[0]}`);
      return { findings, evidence: { field, parseError: { line: err.line, column: err.column } } };
    }
    throw err;
  }

  const version = typeof doc.version === 'number' ? doc.version : undefined;
  const plugins = isTable(doc.plugins) ? doc.plugins : {};
  // containerd refuses to start on these ("toml: cannot decode ..."): say so instead of linting an empty config.
  if (doc.version !== undefined && version === undefined) invalid(`version must be an integer (1, 2 or 3), got ${JSON.stringify(doc.version)}`);
  if (doc.plugins !== undefined && !isTable(doc.plugins)) invalid(`plugins must be a table ([plugins."<id>"] sections), got ${Array.isArray(doc.plugins) ? 'an array' : typeof doc.plugins}`);
  const usesV2 = V2_CRI in plugins;
  const usesV3 = V3_IMAGES in plugins || V3_RUNTIME in plugins;
  if (version === 3 && usesV2) invalid(`version = 3 (containerd 2.x) but the CRI settings are under plugins."${V2_CRI}"; containerd 2.x reads them from plugins."${V3_IMAGES}" / "${V3_RUNTIME}"`);
  if (version !== 3 && usesV3) invalid(`plugins."${V3_IMAGES}" / "${V3_RUNTIME}" are containerd 2.x (config version 3) names but the config says version = ${version ?? '(none, i.e. 1)'}`);
  if (version !== undefined && ![1, 2, 3].includes(version)) invalid(`unsupported containerd config version ${version}`);

  const v3 = version === 3 || (!usesV2 && usesV3);
  const v2Registry = get(plugins[V2_CRI], 'registry');
  const v3Registry = get(plugins[V3_IMAGES], 'registry');
  const registry = ((v3 ? v3Registry ?? v2Registry : v2Registry ?? v3Registry) ?? undefined) as Table | undefined;
  const configPath = typeof registry?.config_path === 'string' && registry.config_path !== '' ? registry.config_path : undefined;
  const mirrors = isTable(registry?.mirrors) ? Object.keys(registry.mirrors) : [];
  const configs = isTable(registry?.configs) ? (registry.configs as Table) : {};
  const tlsHosts = Object.keys(configs).filter((h) => isTable(get(configs[h], 'tls')));
  const caFiles = Object.fromEntries(tlsHosts.map((h) => [h, get(configs[h], 'tls.ca_file')]).filter(([, v]) => typeof v === 'string'));

  // config_path in effect: the user's, or nodeadm's base value when nodeadm deep-merges.
  const baseConfigPath = !v3 && (merge === 'merge') ? '/etc/containerd/certs.d:/etc/docker/certs.d' : undefined;
  const effectiveConfigPath = configPath ?? baseConfigPath;
  if (effectiveConfigPath && (mirrors.length > 0 || tlsHosts.length > 0)) {
    const errors = [...(mirrors.length ? [CONTAINERD_CONFLICT_ERRORS.mirrors] : []), ...(tlsHosts.length ? [CONTAINERD_CONFLICT_ERRORS.tls] : [])];
    findings.push(finding('node.containerd-config-conflict', {
      subject: opts.subject,
      params: { path: opts.subject, field, detail: `config_path = "${effectiveConfigPath}"${configPath ? '' : ' (nodeadm base config)'} together with ${[mirrors.length ? `registry.mirrors (${mirrors.join(', ')})` : '', tlsHosts.length ? `registry.configs.*.tls (${tlsHosts.join(', ')})` : ''].filter(Boolean).join(' and ')}` },
      evidence: { configPath: effectiveConfigPath, configPathFrom: configPath ? 'user' : 'nodeadm base', mirrors, tlsHosts, containerdError: errors, source: 'containerd 1.6/1.7 pkg/cri/config/config.go ValidatePluginConfig; the CRI plugin does not load, kubelet cannot reach the runtime' },
    }));
  }

  if (!v3 && usesV2 && merge !== 'merge') {
    const cri = plugins[V2_CRI];
    const lost = NODEADM_BASE_CRI_KEYS.filter((k) => get(cri, k) === undefined);
    if (lost.length > 0) {
      findings.push(finding('node.containerd-dropin-replaces-cri', {
        subject: opts.subject,
        params: { path: opts.subject, field, detail: `plugins."${V2_CRI}" in an imported drop-in replaces nodeadm's whole CRI table; lost: ${lost.join(', ')}` },
        evidence: {
          lostKeys: lost,
          applies: 'containerd 1.x importing the drop-in (older hybrid nodeadm wrote spec.containerd.config to /etc/containerd/config.d/00-nodeadm.toml); nodeadm versions that deep-merge, and containerd 2.x, keep the base keys',
          why: 'containerd 1.x services/server/config/config.go mergeConfig: "Replace entire sections instead of merging map\'s values" (for k, v := range from.Plugins { to.Plugins[k] = v })',
        },
      }));
    }
  }

  const credKeys = ['username', 'password', 'auth', 'identitytoken'];
  const auths = isTable(registry?.auths) ? (registry.auths as Table) : {};
  const credHosts = [
    ...Object.keys(configs).map((h) => [h, get(configs[h], 'auth'), `registry.configs."${h}".auth`] as const),
    ...Object.keys(auths).map((h) => [h, auths[h], `registry.auths."${h}"`] as const),
  ];
  for (const [host, auth, where] of credHosts) {
    if (!isTable(auth)) continue;
    const keys = credKeys.filter((k) => typeof auth[k] === 'string' && (auth[k] as string) !== '');
    if (keys.length === 0) continue;
    // Credentials read from a node's config are secrets learnt at run time: masked in every output.
    const user = typeof auth.username === 'string' ? auth.username : undefined;
    for (const k of ['password', 'auth', 'identitytoken'] as const) if (typeof auth[k] === 'string') redactor.add(auth[k] as string, k === 'password' ? user : undefined);
    findings.push(finding('node.plaintext-registry-credentials', {
      subject: opts.subject,
      params: { path: opts.subject, field: `${field}: ${where}`, host, detail: `${keys.join(', ')} stored in the containerd config` },
      evidence: { host, table: where, keys, values: 'not recorded' },
    }));
  }

  for (const host of tlsHosts) {
    if (get(configs[host], 'tls.insecure_skip_verify') === true) {
      findings.push(finding('node.insecure-skip-verify', {
        subject: opts.subject,
        params: { path: opts.subject, field: `${field}: registry.configs."${host}".tls.insecure_skip_verify`, host },
        evidence: { host, setting: 'insecure_skip_verify = true' },
      }));
    }
  }

  const hostKeys = [...new Set([...mirrors, ...Object.keys(configs), ...Object.keys(auths)])];
  const evidence: Record<string, unknown> = {
    version: version ?? null, pluginNames: v3 ? 'containerd 2.x (version 3)' : 'containerd 1.x (version 2)', configPath: configPath ?? null,
    mirrors, registryHosts: hostKeys, caFiles, merge,
  };
  if (opts.harborHost && hostKeys.length > 0 && !hostKeys.includes(opts.harborHost)) {
    evidence.hostMismatch = `registry settings name ${hostKeys.join(', ')}, but nodes pull from ${opts.harborHost}: these settings never apply to Harbor`;
  }
  if (opts.harborHost && !hostKeys.includes(opts.harborHost)) {
    evidence.certsDGuidance = `registry TLS for ${opts.harborHost} must come from ${effectiveConfigPath ? `${effectiveConfigPath.split(':')[0]}/${opts.harborHost}/hosts.toml (+ ca.crt)` : 'certs.d/hosts.toml with config_path set'}`;
  }
  return { findings, evidence };
}
