import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

/**
 * A small PKI for tests and the sandbox: root CA → intermediate CA → server certificate, every
 * knob a TLS fault needs (SANs, validity window, EKU, basic constraints, key usage, key size,
 * SHA-1, CN-only, leaf marked CA). Built with @peculiar/x509 on Node's WebCrypto; output is PEM.
 *
 * ```ts
 * const pki = await createPki({ server: { dnsNames: ['harbor.sandbox.test'], ipAddresses: ['172.29.10.10'] } });
 * tls.createServer({ key: pki.server.keyPem, cert: pki.serverChainPem() });   // leaf + intermediate
 * const expired = await issueServerCert(pki.intermediate, { dnsNames: ['h'], notAfter: daysFromNow(-1) });
 * ```
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const DAY_MS = 86_400_000;
export const daysFromNow = (days: number, now = Date.now()): Date => new Date(now + days * DAY_MS);

export type KeySpec = { kind: 'rsa'; bits?: number } | { kind: 'ec'; curve?: 'P-256' | 'P-384' | 'P-521' };

/** Options for one certificate; every field has a sane default for a healthy chain. */
export interface CertOptions {
  /** Common Name; defaults to the first DNS name (server) or a descriptive CA name. */
  commonName?: string;
  /** Extra subject attributes, e.g. `O=Hybrid Doctor`. */
  organization?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Omit the subjectAltName extension entirely (a CN-only certificate). */
  cnOnly?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Key; default RSA 2048. */
  key?: KeySpec;
  /** Sign with SHA-1 instead of SHA-256 (the issuer's key type decides RSA/ECDSA). */
  sha1?: boolean;
  /**
   * Extended key usages (OIDs or names `serverAuth`, `clientAuth`, ...). Server default
   * `['serverAuth']`; CA default none. `null` omits the extension.
   */
  eku?: string[] | null;
  /**
   * basicConstraints: `{ ca: true, pathLength? }`, `{ ca: false }`, or `null` to omit the
   * extension. CA default `{ ca: true }`, server default `{ ca: false }`.
   */
  basicConstraints?: { ca: boolean; pathLength?: number } | null;
  /**
   * keyUsage flag names (`keyCertSign`, `cRLSign`, `digitalSignature`, `keyEncipherment`, ...)
   * or `null` to omit. CA default keyCertSign+cRLSign+digitalSignature; server default
   * digitalSignature+keyEncipherment.
   */
  keyUsage?: (keyof typeof x509.KeyUsageFlags)[] | null;
}

/** A certificate with its key, as PEM, plus what signing children needs. */
export interface IssuedCert {
  certPem: string;
  keyPem: string;
  /** Parsed certificate (for issuing children and for assertions). */
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  subject: string;
}

export interface Pki {
  root: IssuedCert;
  intermediate: IssuedCert;
  server: IssuedCert;
  /** Leaf followed by the intermediate: what a correctly configured server sends. */
  serverChainPem(): string;
  /** PEM of the root only: what a node's ca.crt holds. */
  caBundlePem(): string;
}

export interface PkiOptions {
  root?: CertOptions;
  intermediate?: CertOptions;
  server?: CertOptions;
  /** Name prefix for the CA subjects (default "Hybrid Doctor Test"). */
  name?: string;
}

const EKU_NAMES: Record<string, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  any: '2.5.29.37.0',
};

async function generateKeys(spec: KeySpec | undefined): Promise<CryptoKeyPair> {
  const s = spec ?? { kind: 'rsa' };
  const alg =
    s.kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: s.bits ?? 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: s.curve ?? 'P-256' };
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function signingAlgorithm(issuerKey: CryptoKey, sha1: boolean): Algorithm | EcdsaParams {
  const hash = sha1 ? 'SHA-1' : 'SHA-256';
  return issuerKey.algorithm.name === 'ECDSA' ? ({ name: 'ECDSA', hash } as EcdsaParams) : ({ name: 'RSASSA-PKCS1-v1_5', hash } as Algorithm);
}

/** RSA keys carry their hash in WebCrypto: re-import the issuer key bound to SHA-1 when asked. */
async function keyForHash(key: CryptoKey, sha1: boolean): Promise<CryptoKey> {
  if (key.algorithm.name !== 'RSASSA-PKCS1-v1_5') return key;
  const want = sha1 ? 'SHA-1' : 'SHA-256';
  if ((key.algorithm as RsaHashedKeyAlgorithm).hash.name === want) return key;
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return (await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: want }, true, ['sign'])) as CryptoKey;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function subjectOf(cn: string, o: string | undefined): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return `CN=${esc(cn)}${o ? `, O=${esc(o)}` : ''}`;
}

async function build(
  role: 'root' | 'ca' | 'server',
  o: CertOptions,
  issuer: IssuedCert | undefined,
  defaultCn: string,
): Promise<IssuedCert> {
  const isCa = role !== 'server';
  const keys = await generateKeys(o.key);
  const cn = o.commonName ?? (role === 'server' ? (o.dnsNames?.[0] ?? o.ipAddresses?.[0] ?? 'server') : defaultCn);
  const subject = subjectOf(cn, o.organization);
  const extensions: x509.Extension[] = [];
  const bc = o.basicConstraints === undefined ? { ca: isCa } : o.basicConstraints;
  if (bc) extensions.push(new x509.BasicConstraintsExtension(bc.ca, bc.pathLength, true));
  const kuNames = o.keyUsage === undefined ? (isCa ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : ['digitalSignature', 'keyEncipherment']) : o.keyUsage;
  if (kuNames) {
    const flags = kuNames.reduce((acc, n) => acc | x509.KeyUsageFlags[n as keyof typeof x509.KeyUsageFlags], 0);
    extensions.push(new x509.KeyUsagesExtension(flags, true));
  }
  const eku = o.eku === undefined ? (isCa ? null : ['serverAuth']) : o.eku;
  if (eku) extensions.push(new x509.ExtendedKeyUsageExtension(eku.map((e) => EKU_NAMES[e] ?? e)));
  if (!o.cnOnly && (o.dnsNames?.length || o.ipAddresses?.length)) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...(o.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
        ...(o.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.cert, false));

  const notBefore = o.notBefore ?? daysFromNow(-1);
  const notAfter = o.notAfter ?? daysFromNow(role === 'server' ? 365 : 3650);
  const signer = issuer ?? { keys, subject };
  const signingKey = await keyForHash(signer.keys.privateKey, o.sha1 ?? false);
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: signer.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithm(signer.keys.privateKey, o.sha1 ?? false),
    extensions,
  });
  return { certPem: withNewline(cert.toString('pem')), keyPem: withNewline(await keyPem(keys)), cert, keys, subject };
}

const withNewline = (pem: string): string => (pem.endsWith('\n') ? pem : `${pem}\n`);

/** A self-signed root CA. */
export function createRootCa(options: CertOptions = {}, name = 'Hybrid Doctor Test'): Promise<IssuedCert> {
  return build('root', options, undefined, `${name} Root CA`);
}

/** A CA certificate signed by `issuer` (an intermediate). */
export function issueCaCert(issuer: IssuedCert, options: CertOptions = {}, name = 'Hybrid Doctor Test'): Promise<IssuedCert> {
  return build('ca', options, issuer, `${name} Intermediate CA`);
}

/** A server (leaf) certificate signed by `issuer`. */
export function issueServerCert(issuer: IssuedCert, options: CertOptions = {}): Promise<IssuedCert> {
  return build('server', options, issuer, 'server');
}

/** Root → intermediate → server, each customisable. */
export async function createPki(options: PkiOptions = {}): Promise<Pki> {
  const name = options.name ?? 'Hybrid Doctor Test';
  const root = await createRootCa(options.root, name);
  const intermediate = await issueCaCert(root, options.intermediate, name);
  const server = await issueServerCert(intermediate, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], ...options.server });
  return {
    root,
    intermediate,
    server,
    serverChainPem: () => server.certPem + intermediate.certPem,
    caBundlePem: () => root.certPem,
  };
}

/** Concatenates PEM certificates in the given order (a served chain or a bundle). */
export function pemChain(...certs: IssuedCert[]): string {
  return certs.map((c) => c.certPem).join('');
}
