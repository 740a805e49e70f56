import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';

/**
 * What one certificate says, as plain JSON for evidence, next to the parsed Node certificate.
 * Node's `crypto.X509Certificate` covers names, validity, SAN matching, issuer checks and
 * signature verification; @peculiar/x509 adds what Node does not expose: whether the SAN /
 * basicConstraints / keyUsage extensions are present, keyUsage bits and the signature algorithm.
 */
export interface CertFacts {
  subject: string;
  subjectCN?: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Absent SAN extension (CN-only) is `hasSanExtension: false`. */
  hasSanExtension: boolean;
  dnsSans: string[];
  ipSans: string[];
  /** basicConstraints: undefined when the extension is absent. */
  ca?: boolean;
  pathLength?: number;
  /** keyUsage flag names; undefined when the extension is absent. */
  keyUsage?: string[];
  /** Extended key usage OIDs; undefined when the extension is absent. */
  eku?: string[];
  signatureAlgorithm: string;
  /** Hash of the signature, e.g. SHA-256, SHA-1, MD5 ('' when unknown). */
  signatureHash: string;
  publicKey: { type: string; bits?: number; curve?: string };
  /** Subject equals issuer and the certificate verifies with its own key. */
  selfSigned: boolean;
  fingerprint256: string;
  /** subjectKeyIdentifier / authorityKeyIdentifier (hex), when the extensions are present. */
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** Authority Information Access caIssuers URLs (where the issuer's certificate can be fetched). */
  caIssuers?: string[];
  pem: string;
}

export interface ParsedCert {
  node: X509Certificate;
  facts: CertFacts;
}

const KEY_USAGE_NAMES = Object.entries(x509.KeyUsageFlags).filter(([, v]) => typeof v === 'number') as [string, number][];

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp224r1: 224, secp192r1: 192, prime192v1: 192, secp256k1: 256 };

/** Parses a DER or PEM certificate. Throws on input that is not an X.509 certificate. */
export function parseCert(input: Buffer | string): ParsedCert {
  const node = new X509Certificate(input);
  const p = new x509.X509Certificate(node.raw);
  const san = p.getExtension(x509.SubjectAlternativeNameExtension);
  const bc = p.getExtension(x509.BasicConstraintsExtension);
  const ku = p.getExtension(x509.KeyUsagesExtension);
  const eku = p.getExtension(x509.ExtendedKeyUsageExtension);
  const names = san?.names.items ?? [];
  const ski = p.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = p.getExtension(x509.AuthorityKeyIdentifierExtension);
  const aia = p.getExtension(x509.AuthorityInfoAccessExtension);
  const caIssuers = (aia?.caIssuers ?? []).filter((n) => n.type === 'url').map((n) => n.value);
  let signatureAlgorithm = 'unknown';
  let signatureHash = '';
  try {
    const alg = p.signatureAlgorithm;
    signatureAlgorithm = alg.name;
    signatureHash = alg.hash?.name ?? '';
  } catch {
    // an algorithm @peculiar/x509 does not know (e.g. RSA-PSS params it cannot map): leave 'unknown'
  }
  const pk = node.publicKey;
  const details = pk.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve;
  const bits = details.modulusLength ?? (curve ? CURVE_BITS[curve] : undefined);
  let selfSigned = false;
  if (node.subject === node.issuer) {
    try {
      selfSigned = node.verify(pk);
    } catch {
      selfSigned = false;
    }
  }
  const facts: CertFacts = {
    subject: p.subject,
    ...(p.subjectName.getField('CN')[0] !== undefined ? { subjectCN: p.subjectName.getField('CN')[0] } : {}),
    issuer: p.issuer,
    serial: node.serialNumber,
    notBefore: node.validFromDate.toISOString(),
    notAfter: node.validToDate.toISOString(),
    hasSanExtension: san !== null,
    dnsSans: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipSans: names.filter((n) => n.type === 'ip').map((n) => n.value),
    ...(bc ? { ca: bc.ca, ...(bc.pathLength !== undefined ? { pathLength: bc.pathLength } : {}) } : {}),
    ...(ku ? { keyUsage: KEY_USAGE_NAMES.filter(([, v]) => (ku.usages & v) !== 0).map(([k]) => k) } : {}),
    ...(eku ? { eku: eku.usages.map(String) } : {}),
    signatureAlgorithm,
    signatureHash,
    publicKey: { type: pk.asymmetricKeyType ?? 'unknown', ...(bits !== undefined ? { bits } : {}), ...(curve ? { curve } : {}) },
    selfSigned,
    fingerprint256: node.fingerprint256,
    ...(ski?.keyId ? { subjectKeyId: ski.keyId.toLowerCase() } : {}),
    ...(aki?.keyId ? { authorityKeyId: aki.keyId.toLowerCase() } : {}),
    ...(caIssuers.length ? { caIssuers } : {}),
    pem: node.toString(),
  };
  return { node, facts };
}

/** True when `parent` issued `child`: names chain and the signature verifies with parent's key. */
export function issued(child: ParsedCert, parent: ParsedCert): boolean {
  if (child.node.issuer !== parent.node.subject) return false;
  try {
    return child.node.verify(parent.node.publicKey);
  } catch {
    return false;
  }
}

/** Splits PEM text into its CERTIFICATE blocks (other blocks are returned in `other`). */
export function splitPem(text: string): { certs: string[]; other: string[] } {
  const certs: string[] = [];
  const other: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) {
    (m[1] === 'CERTIFICATE' || m[1] === 'TRUSTED CERTIFICATE' ? certs : other).push(m[0]);
  }
  return { certs, other };
}
