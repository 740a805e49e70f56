import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { issued, parseCert, splitPem, type ParsedCert } from '../../net/cert-facts.ts';
import { lintContainerdToml } from '../nodeconfig/containerd-toml.ts';
import { lintHostsToml } from '../nodeconfig/hosts-toml.ts';

/**
 * The per-node probe: a pod pinned to the node (hostNetwork, privileged, the node's /etc mounted
 * READ-ONLY at /host/etc) running the probe image's busybox. The pod starting at all proves the
 * node's runtime pulled the probe image (the real pull through containerd, with the node's
 * certs.d and credentials); the script only `cat`s files and runs one nslookup.
 *
 * Why /etc as one mount: a hostPath whose path is missing is created on the host by the runtime;
 * mounting /etc (always present) read-only never writes to the node.
 *
 * Output is sections `=== <kind> <arg>` followed by content; `parseProbeOutput` reads them back.
 */

export const HOST_ETC = '/host/etc';

/** The busybox sh script; `registryHost` is host[:port] (certs.d directory name). */
export function probeScript(registryHost: string, lookupName: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'echo "=== epoch"; date -u +%s',
    `echo "=== file /etc/resolv.conf"; cat ${HOST_ETC}/resolv.conf 2>&1`,
    `echo "=== file /etc/containerd/config.toml"; cat ${HOST_ETC}/containerd/config.toml 2>&1`,
    `for f in ${HOST_ETC}/containerd/conf.d/*.toml ${HOST_ETC}/containerd/config.d/*.toml; do [ -f "$f" ] && { echo "=== file \${f#/host}"; cat "$f"; }; done`,
    `d=${HOST_ETC}/containerd/certs.d/${q(registryHost)}; echo "=== dir /etc/containerd/certs.d/${registryHost}"; ls -1 "$d" 2>&1`,
    `for f in "$d"/*; do [ -f "$f" ] && { echo "=== file \${f#/host}"; cat "$f"; }; done`,
    `d2=${HOST_ETC}/docker/certs.d/${q(registryHost)}; [ -d "$d2" ] && for f in "$d2"/*; do [ -f "$f" ] && { echo "=== file \${f#/host}"; cat "$f"; }; done`,
    `echo "=== nslookup ${lookupName}"; nslookup ${q(lookupName)} 2>&1`,
    'echo "=== end"',
  ].join('\n');
}

export interface ProbeOutput {
  epoch?: number;
  files: Map<string, string>;
  dirs: Map<string, string[] | 'missing'>;
  nslookup?: string;
  complete: boolean;
}

/** Reads the sections back; a truncated log (no `=== end`) is marked incomplete. */
export function parseProbeOutput(text: string): ProbeOutput {
  const out: ProbeOutput = { files: new Map(), dirs: new Map(), complete: false };
  let cur: { kind: string; arg: string; lines: string[] } | undefined;
  const flush = () => {
    if (!cur) return;
    const body = cur.lines.join('\n');
    if (cur.kind === 'epoch') out.epoch = Number(body.trim()) || undefined;
    else if (cur.kind === 'file' && !/No such file or directory/.test(body.split('\n')[0] ?? '')) out.files.set(cur.arg, body);
    else if (cur.kind === 'dir') out.dirs.set(cur.arg, /No such file or directory/.test(body) ? 'missing' : body.split('\n').filter(Boolean));
    else if (cur.kind === 'nslookup') out.nslookup = body;
  };
  for (const line of text.split('\n')) {
    const m = /^=== (\w+)(?: (.*))?$/.exec(line);
    if (m) {
      flush();
      if (m[1] === 'end') {
        out.complete = true;
        cur = undefined;
        continue;
      }
      cur = { kind: m[1]!, arg: m[2] ?? '', lines: [] };
    } else cur?.lines.push(line);
  }
  flush();
  return out;
}

/** Addresses busybox nslookup printed for the name (answers after the server lines). */
export function nslookupAddresses(text: string | undefined): string[] {
  if (!text) return [];
  const after = text.split(/\n\s*\n/).slice(1).join('\n') || text;
  return [...after.matchAll(/Address(?: \d+)?:\s*([0-9a-fA-F.:]+)/g)].map((m) => m[1]!).filter((a) => a !== '');
}

export interface NodeProbeInput {
  node: string;
  registryHost: string;
  output: ProbeOutput;
  /** The chain the registry serves (tls suite's capture), leaf first. */
  servedChain?: ParsedCert[];
  /** API-server-clock time the probe ran at (midpoint of the pod's known running window), epoch s. */
  referenceEpoch?: number;
  /** Width of that window, s (uncertainty). */
  windowSeconds?: number;
  clockToleranceSeconds?: number;
}

/**
 * Judges one node from its probe output: CA present in certs.d (or hosts.toml `ca`), that CA
 * signs the served chain, hosts.toml lint, containerd config (+ drop-ins) lint, clock offset.
 */
export function analyseNodeProbe(i: NodeProbeInput): { findings: Finding[]; evidence: Record<string, unknown> } {
  const findings: Finding[] = [];
  const o = i.output;
  const dir = `/etc/containerd/certs.d/${i.registryHost}`;
  const exists = (p: string) => o.files.has(p);
  const hostsToml = o.files.get(`${dir}/hosts.toml`);
  if (hostsToml !== undefined) {
    for (const f of lintHostsToml(hostsToml, { path: `${dir}/hosts.toml`, host: i.registryHost, fileExists: exists })) {
      findings.push({ ...f, params: { ...f.params, node: i.node }, subject: `node/${i.node}:${f.subject}` });
    }
  }
  // CA files containerd would use: hosts.toml `ca` entries, else certs.d/<host>/*.crt.
  const caTexts = [...o.files].filter(([p]) => p.startsWith(`${dir}/`) && /\.(crt|pem)$/.test(p) && !/\.cert$/.test(p)).concat([...o.files].filter(([p]) => p.startsWith(`/etc/docker/certs.d/${i.registryHost}/`) && /ca\.crt$/.test(p)));
  const cas: { path: string; cert: ParsedCert }[] = [];
  for (const [path, text] of caTexts) {
    for (const pem of splitPem(text).certs) {
      try {
        cas.push({ path, cert: parseCert(pem) });
      } catch {
        /* not a certificate: hosts.toml lint / tls checks report unreadable CA files */
      }
    }
  }
  if (cas.length === 0) {
    findings.push(finding('node.ca-not-installed', { subject: `node/${i.node}`, params: { node: i.node, host: i.registryHost, path: `${dir}/ca.crt` }, evidence: { node: i.node, dir: o.dirs.get(dir) ?? 'not listed' } }));
  } else if (i.servedChain?.length) {
    const top = i.servedChain[i.servedChain.length - 1]!;
    const trusted = cas.some(({ cert }) => i.servedChain!.some((c) => c.facts.fingerprint256 === cert.facts.fingerprint256) || issued(top, cert));
    if (!trusted) {
      findings.push(finding('node.ca-mismatch', { subject: `node/${i.node}`, params: { node: i.node, host: i.registryHost, path: cas[0]!.path, issuer: top.node.issuer }, evidence: { node: i.node, nodeCAs: cas.map((c) => ({ path: c.path, subject: c.cert.node.subject, fingerprint256: c.cert.facts.fingerprint256 })), servedTopIssuer: top.node.issuer } }));
    }
  }
  const config = o.files.get('/etc/containerd/config.toml');
  const containerd: Record<string, unknown> = {};
  for (const [path, text] of [...o.files].filter(([p]) => p === '/etc/containerd/config.toml' || /^\/etc\/containerd\/conf(ig)?\.d\//.test(p))) {
    const base = path === '/etc/containerd/config.toml';
    const r = lintContainerdToml(text, { subject: `node/${i.node}:${path}`, harborHost: i.registryHost, field: path });
    containerd[path] = r.evidence;
    // The base config.toml IS the CRI section's home: "a drop-in replaces the CRI table" applies to imported drop-ins only.
    for (const f of r.findings) if (!(base && f.cause === 'node.containerd-dropin-replaces-cri')) findings.push({ ...f, params: { ...f.params, node: i.node, path } });
  }
  let offset: number | undefined;
  if (o.epoch !== undefined && i.referenceEpoch !== undefined) {
    offset = o.epoch - i.referenceEpoch;
    const tol = (i.clockToleranceSeconds ?? 30) + (i.windowSeconds ?? 0) / 2;
    if (Math.abs(offset) > tol) findings.push(finding('node.clock-skew', { subject: `node/${i.node}`, params: { node: i.node, seconds: Math.round(offset) }, evidence: { node: i.node, nodeEpoch: o.epoch, referenceEpoch: i.referenceEpoch, toleranceSeconds: tol } }));
  }
  return {
    findings,
    evidence: {
      node: i.node,
      complete: o.complete,
      certsD: o.dirs.get(dir) ?? 'not listed',
      caFiles: cas.map((c) => c.path),
      resolvConf: o.files.get('/etc/resolv.conf'),
      containerdConfig: config === undefined ? 'absent' : containerd,
      nodeResolves: nslookupAddresses(o.nslookup),
      ...(offset !== undefined ? { clockOffsetSeconds: offset } : {}),
    },
  };
}
