import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';

export interface HostsTomlOptions {
  /** Path of the hosts.toml (subject, and base for relative `ca` paths). */
  path: string;
  /** Registry host[:port] the certs.d directory is for (e.g. harbor.example.com). */
  host: string;
  /** Scheme the registry speaks; https unless told otherwise. */
  scheme?: 'https' | 'http';
  /** Whether a file exists (on the node); defaults to the local filesystem. */
  fileExists?: (path: string) => boolean;
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/**
 * Lints a containerd certs.d hosts.toml (containerd docs/hosts.md). Findings:
 * node.hosts-toml-invalid for a file that does not parse, has no `[host."..."]` tree (containerd
 * 1.6.20 logs "failed to decode hosts.toml ... invalid host tree" and falls back to defaults,
 * plain HTTP for loopback hosts), a `ca` that is missing on disk, or an http:// server/host for a
 * registry that speaks https; node.insecure-skip-verify for `skip_verify = true`.
 */
export function lintHostsToml(text: string, opts: HostsTomlOptions): Finding[] {
  const findings: Finding[] = [];
  const exists = opts.fileExists ?? existsSync;
  const scheme = opts.scheme ?? 'https';
  const invalid = (detail: string, evidence: Record<string, unknown> = {}) =>
    findings.push(finding('node.hosts-toml-invalid', { subject: opts.path, params: { path: opts.path, host: opts.host, detail }, evidence: { file: opts.path, host: opts.host, ...evidence } }));

  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    invalid(`does not parse at line ${err.line}, column ${err.column}: ${err.message.split('\n')[0]}`, { line: err.line, column: err.column });
    return findings;
  }

  const hosts = isTable(doc.host) ? doc.host : undefined;
  if (!hosts || Object.keys(hosts).length === 0) {
    invalid('no [host."https://<registry>"] table: containerd 1.6 logs "invalid host tree" and ignores the file (for loopback registries it then falls back to plain HTTP)', { server: doc.server ?? null });
  }

  const checkCa = (ca: unknown, where: string) => {
    const list = Array.isArray(ca) ? ca : ca === undefined ? [] : [ca];
    for (const c of list) {
      if (typeof c !== 'string') { invalid(`${where} ca must be a path or a list of paths`); continue; }
      const p = isAbsolute(c) ? c : resolve(dirname(opts.path), c);
      if (!exists(p)) invalid(`${where} ca = "${c}" does not exist${p !== c ? ` (resolved to ${p})` : ''}`, { ca: c, resolved: p });
    }
  };
  const checkScheme = (url: string, where: string) => {
    if (scheme === 'https' && /^http:\/\//i.test(url)) invalid(`${where} ${url} is plain http, but ${opts.host} speaks https (pulls fail with "http: server gave HTTP response to HTTPS client" or the reverse)`, { url });
  };
  const checkSkip = (t: Table, where: string) => {
    if (t.skip_verify === true) {
      findings.push(finding('node.insecure-skip-verify', { subject: opts.path, params: { path: opts.path, host: opts.host, field: `${where}skip_verify` }, evidence: { file: opts.path, setting: `${where}skip_verify = true` } }));
    }
  };

  if (typeof doc.server === 'string') checkScheme(doc.server, 'server');
  checkCa(doc.ca, 'top-level');
  checkSkip(doc, '');
  for (const [url, t] of Object.entries(hosts ?? {})) {
    if (!isTable(t)) { invalid(`host."${url}" is not a table`); continue; }
    checkScheme(url, `host."${url}"`);
    checkCa(t.ca, `host."${url}"`);
    checkSkip(t, `host."${url}".`);
  }
  return findings;
}
