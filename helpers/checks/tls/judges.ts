import { isIP } from 'node:net';
import type { CauseId } from '../../findings/cause-ids.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import type { CertFacts } from '../../net/cert-facts.ts';
import type { ChainAnalysis } from '../../net/tls-chain.ts';
import type { Target } from '../../target/load.ts';
import type { NotChecked } from '../check.ts';
import { certEvidence, certParams, harborEndpoint, hostIsIp, judgedCerts, type TlsSession } from './session.ts';

/**
 * Pure judgements over one TLS session with a completed handshake, one per tls check. Each
 * looks only at our own analysis of the served chain; `verdict.ts` adds the real client's
 * verification code when none of them explains it.
 */
export type JudgedSession = TlsSession & { chain: ChainAnalysis };
export interface Judgement {
  findings: Finding[];
  evidence: Record<string, unknown>;
  notChecked?: NotChecked;
}
export type Judge = (s: JudgedSession, target: Target) => Judgement;

const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';
const WEAK_HASHES = new Set(['SHA-1', 'MD5', 'MD2', 'MD4']);

export function certFinding(s: TlsSession, cause: CauseId, f: CertFacts, extra: Record<string, string | number> = {}, ev: Record<string, unknown> = {}): Finding {
  return finding(cause, { subject: s.endpoint, params: { ...certParams(s, f), ...extra }, evidence: { endpoint: s.endpoint, certificate: certEvidence(f), ...ev } });
}

const leafOf = (s: JudgedSession): CertFacts => s.chain.served[0]!.facts;

/** tls.chain-order: served certificates are in leaf-to-root issuer order. */
export const judgeChainOrder: Judge = (s) => {
  const order = s.chain.served.map((c) => c.facts.subjectCN ?? c.facts.subject);
  const evidence = { endpoint: s.endpoint, servedOrder: order, orderSource: s.probe.chainOrder };
  if (s.chain.misorderedAt.length === 0) return { findings: [], evidence };
  return {
    findings: [certFinding(s, 'tls.chain-misordered', leafOf(s), { detail: `served order: ${order.join(' → ')}` }, { servedOrder: order, misorderedAt: s.chain.misorderedAt })],
    evidence,
  };
};

/** tls.chain-complete: the chain does not rely on intermediates that only the bundle has. */
export const judgeChainComplete: Judge = (s) => {
  const evidence = { endpoint: s.endpoint, path: s.chain.path.map((p) => ({ subject: p.cert.facts.subject, source: p.source })) };
  if (s.chain.trust !== 'incomplete') return { findings: [], evidence };
  const missing = s.chain.missingIntermediates;
  return {
    findings: [certFinding(s, 'tls.chain-incomplete', leafOf(s), { detail: `missing intermediate(s): ${missing.map((c) => c.facts.subject).join('; ')}` }, { missingIntermediates: missing.map((c) => certEvidence(c.facts)) })],
    evidence,
  };
};

/** tls.trust: a path from the leaf to a self-signed certificate of the bundle exists. */
export const judgeTrust: Judge = (s) => {
  const evidence = {
    endpoint: s.endpoint,
    trustBundle: s.bundle.source === 'file' ? { path: s.bundle.path, subjects: s.bundle.certs.map((c) => c.facts.subject) } : 'system roots',
    verdict: s.chain.trust,
    verification: s.probe.verify,
  };
  if (s.chain.trust !== 'untrusted') return { findings: [], evidence };
  const issuer = s.chain.unresolvedIssuer ?? '';
  const u = untrustedReading(s);
  if (u.cause === 'tls.chain-incomplete') {
    return {
      findings: [certFinding(s, 'tls.chain-incomplete', leafOf(s), { issuer }, { verification: s.probe.verify, candidates: u.candidates, reading: u.why })],
      evidence: { ...evidence, reading: u.why, candidates: u.candidates },
    };
  }
  return {
    findings: [certFinding(s, 'tls.untrusted-ca', leafOf(s), { issuer, code: s.probe.verify?.code ?? '', detail: `no certificate in the trust bundle issued "${issuer}"${u.decide ? `; ${u.decide}` : ''}` }, { verification: s.probe.verify, candidates: u.candidates, reading: u.why })],
    evidence: { ...evidence, reading: u.why, candidates: u.candidates },
  };
};

const orgOf = (dn: string): string | undefined => /(?:^|,\s*)O=([^,]+)/.exec(dn)?.[1]?.trim();

/**
 * An unverifiable chain has two readings when the served chain stops at a certificate that is
 * not self-signed: the server omits an intermediate that the bundle's CA issued (the bundle
 * holds only the root), or the certificate comes from another CA altogether. What the evidence
 * allows:
 * - the served chain ends in a self-signed root the bundle lacks → another CA (nothing missing);
 * - the missing issuer's organisation is that of a bundle CA (same O=), or its key id is
 *   unknown while the served top carries no intermediates at all → the omitted intermediate is
 *   the likelier reading: tls.chain-incomplete, naming the other candidate;
 * - otherwise another CA, naming the omitted-intermediate reading and what decides (fetching the
 *   issuer from AIA caIssuers where present, then `openssl verify -untrusted`).
 * Go does not chase AIA, and hybrid-doctor does not fetch it either (probes go to the target only).
 */
function untrustedReading(s: JudgedSession): { cause: 'tls.untrusted-ca' | 'tls.chain-incomplete'; candidates: string[]; why: string; decide?: string } {
  const top = s.chain.served[s.chain.served.length - 1]?.facts;
  if (!top || top.selfSigned) return { cause: 'tls.untrusted-ca', candidates: ['tls.untrusted-ca'], why: top ? `the server sends its own root "${top.subject}", which the trust bundle does not hold: another CA` : 'no certificate served' };
  const missing = top.issuer;
  const aia = top.caIssuers?.length ? ` (its certificate is published at ${top.caIssuers.join(', ')})` : '';
  const decide = `to decide, get "${missing}"${aia} and run \`openssl verify -CAfile <bundle> -untrusted issuer.crt server.crt\`: if it verifies, the server omits that intermediate (tls.chain-incomplete); if not, the bundle is for another CA`;
  const org = orgOf(missing);
  const sameOrg = org !== undefined && s.bundle.certs.some((c) => orgOf(c.facts.subject) === org);
  if (sameOrg) {
    return { cause: 'tls.chain-incomplete', candidates: ['tls.chain-incomplete', 'tls.untrusted-ca'], why: `the served chain stops at "${top.subject}", issued by "${missing}", which is not served; the bundle holds a CA of the same organisation (O=${org}): most likely the server omits that intermediate. ${decide}` };
  }
  return { cause: 'tls.untrusted-ca', candidates: ['tls.untrusted-ca', 'tls.chain-incomplete'], why: `the served chain stops at "${top.subject}", issued by "${missing}", which neither the server nor the bundle provides. ${decide}`, decide };
}

/**
 * tls.hostname: the leaf names the registry host among its DNS SANs. The Common Name is never
 * consulted: Go (containerd, kubelet) ignores it since Go 1.15, so a SAN-less certificate is
 * tls.cn-only even though Node and OpenSSL still accept it.
 */
export const judgeHostname: Judge = (s) => {
  const leaf = s.chain.served[0]!;
  const f = leaf.facts;
  const evidence = { endpoint: s.endpoint, leaf: certEvidence(f) };
  if (!f.hasSanExtension) return { findings: [certFinding(s, 'tls.cn-only', f)], evidence };
  if (hostIsIp(s)) return { findings: [], evidence, notChecked: { kind: 'not-applicable', reason: `the registry is addressed by IP (${s.host}): no DNS name to match; tls/ip-san checks the IP SANs` } };
  const matched = leaf.node.checkHost(s.host, { subject: 'never' });
  if (matched) return { findings: [], evidence: { ...evidence, matched } };
  return { findings: [certFinding(s, 'tls.hostname-mismatch', f, { name: s.host, detail: `${s.host} is not among the DNS SANs` })], evidence };
};

/** Addresses clients use for the registry: the URL host when it is an IP, and harbor.ipAddress. */
export function registryIps(target: Target): string[] {
  const { host } = harborEndpoint(target);
  return [...new Set([...(isIP(host) ? [host] : []), ...(target.harbor.ipAddress ? [target.harbor.ipAddress] : [])])];
}

/** tls.ip-san: each IP address clients use for the registry is among the leaf's IP SANs. */
export const judgeIpSan: Judge = (s, target) => {
  const leaf = s.chain.served[0]!;
  const f = leaf.facts;
  const evidence = { endpoint: s.endpoint, ipSans: f.ipSans, addresses: registryIps(target) };
  // No SAN extension at all is tls.cn-only (tls.hostname reports it), not a second cause.
  if (!f.hasSanExtension) return { findings: [], evidence, notChecked: { kind: 'blocked', reason: 'the certificate has no SAN extension (tls.cn-only, reported by tls/hostname)', blockedBy: 'tls.cn-only' } };
  const findings = registryIps(target)
    .filter((ip) => leaf.node.checkIP(ip) === undefined)
    .map((ip) => certFinding(s, 'tls.ip-san-missing', f, { address: ip, detail: `IP SANs: ${f.ipSans.join(', ') || '(none)'}` }));
  return { findings, evidence };
};

/** tls.validity: every certificate the client judges is valid now and not about to expire. */
export const judgeValidity: Judge = (s, target) => {
  const now = Date.now();
  const windowDays = target.tls.expiryWarningDays;
  const findings: Finding[] = [];
  const certs = judgedCerts(s.chain);
  for (const { cert } of certs) {
    const f = cert.facts;
    const notAfter = Date.parse(f.notAfter);
    const notBefore = Date.parse(f.notBefore);
    const daysLeft = Math.floor((notAfter - now) / DAY_MS);
    if (notAfter < now) findings.push(certFinding(s, 'tls.expired', f, { daysLeft, detail: `expired ${-daysLeft} day(s) ago` }));
    else if (notBefore > now) findings.push(certFinding(s, 'tls.not-yet-valid', f, { daysLeft, detail: `valid from ${f.notBefore}; this machine's clock says ${new Date(now).toISOString()}` }));
    else if (notAfter - now < windowDays * DAY_MS) findings.push(certFinding(s, 'tls.expiring-soon', f, { daysLeft, detail: `warning window ${windowDays} days` }));
  }
  return { findings, evidence: { endpoint: s.endpoint, warningDays: windowDays, validity: certs.map(({ cert }) => ({ subject: cert.facts.subject, notBefore: cert.facts.notBefore, notAfter: cert.facts.notAfter })) } };
};

/**
 * tls.eku: the server certificate allows serverAuth. An absent EKU extension means any purpose
 * (RFC 5280 §4.2.1.12; Go and OpenSSL agree). Go also nests EKUs through intermediates, so a CA
 * that restricts its EKUs must keep serverAuth.
 */
export const judgeEku: Judge = (s) => {
  const findings: Finding[] = [];
  const certs = judgedCerts(s.chain);
  for (const { cert, role } of certs) {
    const eku = cert.facts.eku;
    if (eku && !eku.includes(SERVER_AUTH) && !eku.includes(ANY_EKU)) {
      findings.push(certFinding(s, 'tls.eku-missing', cert.facts, { detail: `${role === 'leaf' ? 'server' : 'CA'} certificate EKU: ${eku.join(', ')}` }));
    }
  }
  return { findings, evidence: { endpoint: s.endpoint, eku: certs.map(({ cert }) => ({ subject: cert.facts.subject, eku: cert.facts.eku ?? '(extension absent: any)' })) } };
};

/** tls.constraints: CAs carry CA:TRUE (and keyCertSign when keyUsage is present); the leaf is no CA. */
export const judgeConstraints: Judge = (s) => {
  const findings: Finding[] = [];
  const certs = judgedCerts(s.chain);
  for (const { cert, role } of certs) {
    const f = cert.facts;
    if (role === 'leaf') {
      if (f.ca === true) findings.push(certFinding(s, 'tls.ca-constraints', f, { detail: 'the server certificate is marked CA:TRUE' }));
      continue;
    }
    const problems: string[] = [];
    if (f.ca !== true) problems.push(f.ca === false ? 'basicConstraints CA:FALSE' : 'no basicConstraints extension');
    if (f.keyUsage && !f.keyUsage.includes('keyCertSign')) problems.push(`keyUsage without keyCertSign (${f.keyUsage.join(', ')})`);
    if (problems.length) findings.push(certFinding(s, 'tls.ca-constraints', f, { detail: `a CA certificate has ${problems.join(' and ')}` }));
  }
  return { findings, evidence: { endpoint: s.endpoint, constraints: certs.map(({ cert, role }) => ({ subject: cert.facts.subject, role, ca: cert.facts.ca ?? '(absent)', keyUsage: cert.facts.keyUsage ?? '(absent)' })) } };
};

/** tls.crypto: RSA ≥ 2048, EC ≥ 256, no DSA, no SHA-1/MD5 signatures (self-signed anchors excepted). */
export const judgeCrypto: Judge = (s) => {
  const findings: Finding[] = [];
  const certs = judgedCerts(s.chain);
  for (const { cert } of certs) {
    const f = cert.facts;
    const problems: string[] = [];
    const bits = f.publicKey.bits;
    if ((f.publicKey.type === 'rsa' || f.publicKey.type === 'rsa-pss') && bits !== undefined && bits < 2048) problems.push(`RSA ${bits}-bit key`);
    if (f.publicKey.type === 'ec' && bits !== undefined && bits < 256) problems.push(`EC ${bits}-bit key (${f.publicKey.curve})`);
    if (f.publicKey.type === 'dsa') problems.push('DSA key');
    // A self-signed anchor's own signature is never verified by clients; its hash does not matter.
    if (!f.selfSigned && WEAK_HASHES.has(f.signatureHash)) problems.push(`${f.signatureHash} signature`);
    if (problems.length) findings.push(certFinding(s, 'tls.weak-crypto', f, { detail: problems.join(', ') }));
  }
  return {
    findings,
    evidence: { endpoint: s.endpoint, protocol: s.probe.protocol, cipher: s.probe.cipher, keys: certs.map(({ cert }) => ({ subject: cert.facts.subject, key: cert.facts.publicKey, signature: cert.facts.signatureAlgorithm, hash: cert.facts.signatureHash })) },
  };
};
