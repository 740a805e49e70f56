import type { ParsedCert } from './cert-facts.ts';
import { issued } from './cert-facts.ts';

/**
 * Our own verification of a served chain against a trust bundle, independent of the TLS stack,
 * so each fault gets its own cause (an expired leaf is not also "untrusted").
 *
 * Trust follows OpenSSL's and Go's rule: the path must end at a self-signed certificate of the
 * bundle. Signatures and issuer names are checked here; validity, constraints, EKU and key
 * strength are judged by their own checks over `path`.
 */
export type TrustVerdict = 'trusted' | 'incomplete' | 'untrusted';

export interface ChainAnalysis {
  served: ParsedCert[];
  /** Leaf → anchor, when one was found (with bundle intermediates if needed). */
  path: { cert: ParsedCert; source: 'served' | 'bundle' }[];
  trust: TrustVerdict;
  /** Bundle intermediates the server should have sent (trust = 'incomplete'). */
  missingIntermediates: ParsedCert[];
  /** Issuer DN the path stopped at (trust = 'untrusted'). */
  unresolvedIssuer?: string;
  /** Positions (0-based) whose successor is not their issuer although the issuer was served. */
  misorderedAt: number[];
}

const MAX_DEPTH = 10;

function buildPath(leaf: ParsedCert, pool: { cert: ParsedCert; source: 'served' | 'bundle' }[], anchors: ParsedCert[]) {
  const path: { cert: ParsedCert; source: 'served' | 'bundle' }[] = [{ cert: leaf, source: 'served' }];
  const seen = new Set([leaf.facts.fingerprint256]);
  let cur = leaf;
  for (let i = 0; i < MAX_DEPTH; i++) {
    if (anchors.some((a) => a.facts.fingerprint256 === cur.facts.fingerprint256)) return { path };
    const anchor = anchors.find((a) => issued(cur, a));
    if (anchor) {
      path.push({ cert: anchor, source: 'bundle' });
      return { path };
    }
    const next = pool.find((c) => !seen.has(c.cert.facts.fingerprint256) && issued(cur, c.cert));
    if (!next) return { path, stoppedAt: cur };
    seen.add(next.cert.facts.fingerprint256);
    path.push(next);
    cur = next.cert;
  }
  return { path, stoppedAt: cur };
}

/** Analyses a served chain (served order, leaf first) against the bundle certificates. */
export function analyzeChain(served: ParsedCert[], bundle: ParsedCert[]): ChainAnalysis {
  const leaf = served[0];
  if (!leaf) return { served, path: [], trust: 'untrusted', missingIntermediates: [], misorderedAt: [] };
  const anchors = bundle.filter((c) => c.facts.selfSigned);
  const servedPool = served.slice(1).map((cert) => ({ cert, source: 'served' as const }));
  const misorderedAt = findMisordered(served);

  const direct = buildPath(leaf, servedPool, anchors);
  if (!direct.stoppedAt) return { served, path: direct.path, trust: 'trusted', missingIntermediates: [], misorderedAt };

  const bundleIntermediates = bundle.filter((c) => !c.facts.selfSigned).map((cert) => ({ cert, source: 'bundle' as const }));
  const assisted = buildPath(leaf, [...servedPool, ...bundleIntermediates], anchors);
  if (!assisted.stoppedAt) {
    const missing = assisted.path.filter((p, i) => p.source === 'bundle' && i < assisted.path.length - 1).map((p) => p.cert);
    return { served, path: assisted.path, trust: 'incomplete', missingIntermediates: missing, misorderedAt };
  }
  return { served, path: direct.path, trust: 'untrusted', missingIntermediates: [], unresolvedIssuer: direct.stoppedAt.facts.issuer, misorderedAt };
}

/**
 * RFC 5246 §7.4.2: each certificate must directly certify the one preceding it. Position i is
 * misordered when its successor is not its issuer but its issuer was served elsewhere (before
 * it, or further down), or when a self-signed root is followed by more certificates. A missing
 * issuer is incompleteness, not order; an extra unrelated certificate is tolerated (RFC 8446
 * §4.4.2 allows it).
 */
export function findMisordered(served: ParsedCert[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < served.length; i++) {
    const cur = served[i]!;
    const next = served[i + 1];
    if (next && issued(cur, next)) continue;
    if (cur.facts.selfSigned) {
      if (next) out.push(i); // a root served before other certificates
      continue;
    }
    if (served.some((c, j) => j !== i && j !== i + 1 && issued(cur, c))) out.push(i);
  }
  return out;
}
