import { matchesSelector, type Node } from '../../kube/types.ts';

/**
 * Pure judgements about Node objects (no API calls): hybrid hints, kubelet ↔ API server skew.
 */

/**
 * Signs that a node is meant to be hybrid although it lacks the hybrid label: another label whose
 * value is `hybrid` (`node-type=hybrid`, `node-role=hybrid`), `hybrid` in its name, or an SSM
 * managed-instance name (`mi-` + 17 hex: how nodeadm with SSM registers hybrid nodes).
 */
export function hybridHints(node: Node, selector: string): string[] {
  if (matchesSelector(node.metadata.labels, selector)) return [];
  const hints: string[] = [];
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) if (/^hybrid$/i.test(v) || /hybrid/i.test(k)) hints.push(`label ${k}=${v}`);
  if (/hybrid/i.test(node.metadata.name)) hints.push(`name ${node.metadata.name}`);
  if (/^mi-[0-9a-f]{17}$/.test(node.metadata.name)) hints.push('SSM managed-instance name');
  return hints;
}

export interface ParsedVersion {
  major: number;
  minor: number;
  raw: string;
}

export function parseKubeVersion(v: string | undefined): ParsedVersion | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '');
  // v0.0.0 is what a source build without version ldflags reports: unknown, not "major 0".
  return m && Number(m[1]) > 0 ? { major: Number(m[1]), minor: Number(m[2]), raw: v! } : undefined;
}

/**
 * Kubernetes version skew policy (kubernetes.io/releases/version-skew-policy): the kubelet must
 * not be newer than kube-apiserver and may be up to three minor versions older (1.28+).
 * Returns the reason when outside, else undefined.
 */
export function kubeletSkew(kubelet: string | undefined, server: string | undefined): string | undefined {
  const k = parseKubeVersion(kubelet);
  const s = parseKubeVersion(server);
  if (!k || !s) return undefined;
  if (k.major !== s.major) return `kubelet ${k.raw} and API server ${s.raw} differ in major version`;
  if (k.minor > s.minor) return `kubelet ${k.raw} is newer than the API server ${s.raw}`;
  if (s.minor - k.minor > 3) return `kubelet ${k.raw} is ${s.minor - k.minor} minor versions older than the API server ${s.raw} (at most 3)`;
  return undefined;
}

/** The range of kubelet versions the server accepts, for the catalog's `expected` param. */
export function allowedKubeletRange(server: string): string {
  const s = parseKubeVersion(server);
  return s ? `v${s.major}.${Math.max(0, s.minor - 3)} to v${s.major}.${s.minor}` : '?';
}
