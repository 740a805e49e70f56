import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { UsageError } from '../errors.ts';
import { targetPath, type Target } from '../target/load.ts';
import { parseCert, splitPem, type ParsedCert } from './cert-facts.ts';

/**
 * The trust bundle the TLS checks verify against: `harbor.caBundle` (PEM) or, when absent,
 * Node's bundled roots (what a client without a private CA trusts).
 *
 * A bad bundle is the user's input mistake, not a fault of the registry: unreadable file, no
 * PEM certificate in it, a block that is not X.509, or no CA certificate at all (the common
 * slip is pointing `caBundle` at the server certificate). Each is a `UsageError` naming the file
 * and what is wrong, thrown by `loadCaBundle`. The runner may call it when it builds the context
 * (fail fast, exit 2); the TLS checks call it too (memoised), so a check run without that
 * pre-validation throws the same UsageError instead of reporting a misleading finding.
 */
export interface CaBundle {
  /** 'file' for harbor.caBundle, 'system' for Node's bundled roots. */
  source: 'file' | 'system';
  path?: string;
  /** PEM texts, for `tls.connect({ ca })`; undefined means system roots. */
  pem?: string[];
  certs: ParsedCert[];
}

export function loadCaBundle(target: Target): CaBundle {
  const rel = target.harbor.caBundle;
  if (!rel) return { source: 'system', certs: systemRoots() };
  const path = targetPath(target, rel);
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    throw new UsageError(`harbor.caBundle: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  return parseCaBundle(text, path);
}

/** Parses bundle text; `label` names the source in errors. */
export function parseCaBundle(text: string, label: string): CaBundle {
  const hint = 'harbor.caBundle must be a PEM file with the CA certificate(s) that sign the registry certificate (the guide\'s ca.crt)';
  const { certs: blocks } = splitPem(text);
  if (blocks.length === 0) {
    const kind = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) ? 'a private key, not a certificate' : text.trim() === '' ? 'empty' : 'no PEM CERTIFICATE block';
    throw new UsageError(`harbor.caBundle: ${label} is ${kind.startsWith('no') ? `not a PEM certificate file (${kind})` : kind}`, { hint });
  }
  const certs: ParsedCert[] = [];
  blocks.forEach((pem, i) => {
    try {
      certs.push(parseCert(pem));
    } catch (err) {
      throw new UsageError(`harbor.caBundle: ${label}: certificate #${i + 1} is not a valid X.509 certificate (${(err as Error).message})`, { hint, cause: err });
    }
  });
  if (!certs.some((c) => c.node.ca || c.facts.selfSigned)) {
    throw new UsageError(`harbor.caBundle: ${label} contains no CA certificate (${certs.map((c) => c.facts.subject).join('; ')})`, {
      hint: `${hint}; a server certificate alone is not a trust anchor`,
    });
  }
  return { source: 'file', path: label, pem: blocks, certs };
}

let roots: ParsedCert[] | undefined;
function systemRoots(): ParsedCert[] {
  roots ??= rootCertificates.flatMap((pem) => {
    try {
      return [parseCert(pem)];
    } catch {
      return []; // a bundled root Node ships but cannot parse is no trust anchor for us either
    }
  });
  return roots;
}
