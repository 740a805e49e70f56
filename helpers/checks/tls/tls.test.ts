import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { createPki, createRootCa, daysFromNow, issueCaCert, issueServerCert, pemChain, type CertOptions, type IssuedCert, type Pki } from '../../net/test-pki.ts';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { tlsChecks } from './index.ts';
import { tlsSession } from './session.ts';

const HOST = 'harbor.test';
const dir = mkdtempSync(join(tmpdir(), 'hd-tls-'));
let pki: Pki;
let otherRoot: IssuedCert;
let orgPki: Pki;
const servers: Server[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  pki = await createPki({ server: { dnsNames: [HOST], ipAddresses: ['127.0.0.1'] } });
  otherRoot = await createRootCa({}, 'Some Other');
});
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(() => undefined);

function track<T extends Server>(srv: T): T {
  srv.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  srv.on('secureConnection', (s: Socket) => s.on('error', () => undefined));
  servers.push(srv);
  return srv;
}

async function listen(srv: Server): Promise<number> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

function writeBundle(name: string, pem: string): string {
  const p = join(dir, `${name}-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(p, pem);
  return p;
}

/** A Node TLS server serving `chain` (PEM, in the given order) with the leaf's key. */
async function tlsServer(leaf: IssuedCert, chain: string): Promise<number> {
  // SECLEVEL=0 so the server can serve weak test chains; the client side stays default.
  const srv = track(createTlsServer({ key: leaf.keyPem, cert: chain, ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end()));
  srv.on('tlsClientError', () => undefined);
  return listen(srv);
}

interface Scenario {
  name: string;
  /** Leaf options (issued by the shared intermediate unless `build` is given). */
  leaf?: CertOptions;
  /** Custom chain: returns leaf and the served PEM. */
  build?: () => Promise<{ leaf: IssuedCert; served: string }>;
  /** Bundle PEM (default: the shared root). */
  bundle?: () => string;
  target?: (port: number) => Record<string, unknown>;
  expected: Record<string, string[]>;
  /** Checks that cannot judge this chain, by not-checked kind (ip-san is not-configured unless the target names an IP). */
  notChecked?: Record<string, string>;
  /** Evidence a check must carry (partial match), by check id. */
  evidence?: Record<string, Record<string, unknown>>;
}

const base = (port: number, bundle: string, extra: Record<string, unknown> = {}) => ({
  ...extra,
  harbor: { url: `https://${HOST}:${port}`, connectAddress: '127.0.0.1', caBundle: bundle, ...((extra.harbor as object) ?? {}) },
  timeouts: { connectMs: 1000, requestMs: 2000 },
});

const scenarios: Scenario[] = [
  { name: 'healthy chain (RSA)', expected: {} },
  { name: 'healthy chain (ECDSA leaf)', leaf: { key: { kind: 'ec' } }, expected: {} },
  { name: 'expired leaf', leaf: { notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) }, expected: { 'validity': ['tls.expired'] } },
  { name: 'not-yet-valid leaf', leaf: { notBefore: daysFromNow(2), notAfter: daysFromNow(300) }, expected: { 'validity': ['tls.not-yet-valid'] } },
  { name: 'leaf expiring in 10 days', leaf: { notAfter: daysFromNow(10) }, expected: { 'validity': ['tls.expiring-soon'] } },
  { name: 'SAN without the registry name', leaf: { dnsNames: ['other.test'] }, expected: { 'hostname': ['tls.hostname-mismatch'] } },
  {
    name: 'harbor.ipAddress not in IP SANs',
    target: (port) => ({ harbor: { url: `https://${HOST}:${port}`, ipAddress: '192.0.2.10' } }),
    expected: { 'ip-san': ['tls.ip-san-missing'] },
  },
  {
    name: 'URL by IP, IP not in IP SANs',
    leaf: { dnsNames: [HOST], ipAddresses: [] },
    target: (port) => ({ harbor: { url: `https://127.0.0.1:${port}`, connectAddress: undefined } }),
    expected: { 'ip-san': ['tls.ip-san-missing'] },
    notChecked: { hostname: 'not-applicable' },
  },
  { name: 'CN-only certificate', leaf: { cnOnly: true, commonName: HOST }, expected: { 'hostname': ['tls.cn-only'] } },
  {
    name: 'CN-only certificate, harbor.ipAddress set (ip-san blocked by tls.cn-only)',
    leaf: { cnOnly: true, commonName: HOST },
    target: (port) => ({ harbor: { url: `https://${HOST}:${port}`, ipAddress: '127.0.0.1' } }),
    expected: { 'hostname': ['tls.cn-only'] },
    notChecked: { 'ip-san': 'blocked' },
  },
  { name: 'no serverAuth EKU', leaf: { eku: ['clientAuth'] }, expected: { 'eku': ['tls.eku-missing'] } },
  { name: 'no EKU extension at all (any purpose)', leaf: { eku: null }, expected: {} },
  {
    name: 'intermediate without CA:TRUE',
    build: async () => {
      const int = await issueCaCert(pki.root, { basicConstraints: { ca: false } }, 'Broken');
      const leaf = await issueServerCert(int, { dnsNames: [HOST] });
      return { leaf, served: pemChain(leaf, int) };
    },
    expected: { 'constraints': ['tls.ca-constraints'] },
  },
  {
    name: 'intermediate without keyCertSign',
    build: async () => {
      const int = await issueCaCert(pki.root, { keyUsage: ['digitalSignature', 'cRLSign'] }, 'NoCertSign');
      const leaf = await issueServerCert(int, { dnsNames: [HOST] });
      return { leaf, served: pemChain(leaf, int) };
    },
    expected: { 'constraints': ['tls.ca-constraints'] },
  },
  { name: 'leaf marked CA:TRUE', leaf: { basicConstraints: { ca: true } }, expected: { 'constraints': ['tls.ca-constraints'] } },
  { name: 'RSA-1024 leaf key', leaf: { key: { kind: 'rsa', bits: 1024 } }, expected: { 'crypto': ['tls.weak-crypto'] } },
  { name: 'SHA-1 signed leaf', leaf: { sha1: true }, expected: { 'crypto': ['tls.weak-crypto'] } },
  {
    name: 'server omits the intermediate; bundle has it',
    build: async () => ({ leaf: pki.server, served: pki.server.certPem }),
    bundle: () => pemChain(pki.root, pki.intermediate),
    expected: { 'chain-complete': ['tls.chain-incomplete'] },
  },
  {
    // Nothing tells the omitted intermediate from another CA here (no O=, no AIA): both named.
    name: 'server omits the intermediate; bundle has the root only',
    build: async () => ({ leaf: pki.server, served: pki.server.certPem }),
    expected: { 'trust': ['tls.untrusted-ca'] },
    evidence: { trust: { candidates: ['tls.untrusted-ca', 'tls.chain-incomplete'] } },
  },
  {
    // The missing issuer belongs to the bundle CA's organisation: the omitted intermediate is the reading.
    name: 'server omits the intermediate; bundle has the root only, same organisation',
    build: async () => {
      orgPki = await createPki({ name: 'Example Corp', root: { organization: 'Example Corp' }, intermediate: { organization: 'Example Corp' }, server: { dnsNames: [HOST], ipAddresses: ['127.0.0.1'] } });
      return { leaf: orgPki.server, served: orgPki.server.certPem };
    },
    bundle: () => orgPki.root.certPem,
    expected: { 'trust': ['tls.chain-incomplete'] },
    evidence: { trust: { candidates: ['tls.chain-incomplete', 'tls.untrusted-ca'] } },
  },
  {
    name: 'misordered: root before intermediate',
    build: async () => ({ leaf: pki.server, served: pemChain(pki.server, pki.root, pki.intermediate) }),
    expected: { 'chain-order': ['tls.chain-misordered'] },
  },
  { name: 'full chain including the root', build: async () => ({ leaf: pki.server, served: pemChain(pki.server, pki.intermediate, pki.root) }), expected: {} },
  { name: 'wrong CA bundle', bundle: () => otherRoot.certPem, expected: { 'trust': ['tls.untrusted-ca'] } },
  {
    name: 'self-signed server certificate not in the bundle',
    build: async () => {
      const self = await createRootCa({ commonName: HOST, dnsNames: [HOST], basicConstraints: null, keyUsage: null });
      return { leaf: self, served: self.certPem };
    },
    expected: { 'trust': ['tls.untrusted-ca'] },
  },
];

describe('tls checks against real TLS servers on 127.0.0.1', () => {
  it.each(scenarios)('$name', async (sc) => {
    const built = sc.build
      ? await sc.build()
      : await (async () => {
          const leaf = await issueServerCert(pki.intermediate, { dnsNames: [HOST], ipAddresses: ['127.0.0.1'], ...sc.leaf });
          return { leaf, served: pemChain(leaf, pki.intermediate) };
        })();
    const port = await tlsServer(built.leaf, built.served);
    const bundle = writeBundle('ca', sc.bundle ? sc.bundle() : pki.root.certPem);
    const extra = sc.target ? sc.target(port) : {};
    const ctx = testContext(base(port, bundle, extra));
    const results = await runChecks(tlsChecks, ctx);
    expect(results.filter((r) => r.status === 'errored').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    const expected = Object.fromEntries(tlsChecks.map((c) => [c.id, sc.expected[c.id] ?? []]));
    expect(causesByCheck(results)).toEqual(expected);
    // Every check ends passed, failed or not-checked with its kind: never "passed" without a judgement.
    const ipConfigured = /^\d/.test(new URL(ctx.target.harbor.url).hostname) || Boolean(ctx.target.harbor.ipAddress);
    const notChecked: Record<string, string> = { ...(ipConfigured ? {} : { 'ip-san': 'not-configured' }), ...sc.notChecked };
    expect(Object.fromEntries(results.map((r) => [r.id, r.notChecked ? `not-checked (${r.notChecked})` : r.status])))
      .toEqual(Object.fromEntries(tlsChecks.map((c) => [c.id, sc.expected[c.id] ? 'failed' : notChecked[c.id] ? `not-checked (${notChecked[c.id]})` : 'passed'])));
    for (const [id, ev] of Object.entries(sc.evidence ?? {})) expect(results.find((r) => r.id === id)?.evidence, id).toMatchObject(ev);
    const hs = results.find((r) => r.id === 'handshake')!;
    expect(hs.evidence?.servedChain).toBeInstanceOf(Array);
    expect(JSON.stringify(hs.evidence)).toContain('BEGIN CERTIFICATE');
  });

  it('records the verification error code of the real client (expired leaf → CERT_HAS_EXPIRED)', async () => {
    const leaf = await issueServerCert(pki.intermediate, { dnsNames: [HOST], notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) });
    const port = await tlsServer(leaf, pemChain(leaf, pki.intermediate));
    const ctx = testContext(base(port, writeBundle('ca', pki.root.certPem)));
    const s = await tlsSession(ctx);
    expect(s.probe.verify).toMatchObject({ ok: false, code: 'CERT_HAS_EXPIRED' });
    expect(s.probe.chainOrder).toBe('wire');
  });

  it('memoises one session per run', async () => {
    const port = await tlsServer(pki.server, pki.serverChainPem());
    const ctx = testContext(base(port, writeBundle('ca', pki.root.certPem)));
    let connections = 0;
    servers[0]!.on('connection', () => connections++);
    await runChecks(tlsChecks, ctx);
    expect(connections).toBe(2); // capture + verifying handshake, shared by all ten checks
  });
});

type Endpoint = () => Promise<number>;
const brokenEndpoints: { name: string; endpoint: Endpoint; cause: string }[] = [
  {
    name: 'garbage server (random bytes)',
    cause: 'net.tls-handshake-failed',
    endpoint: () => {
      const junk = randomBytes(64);
      junk[0] = 0xff;
      return listen(track(createNetServer((s) => { s.on('error', () => undefined); s.write(junk); })));
    },
  },
  {
    name: 'plain HTTP server on the HTTPS port',
    cause: 'net.plain-http',
    endpoint: () => listen(track(createHttpServer((_req, res) => res.end('hello')) as unknown as Server)),
  },
  {
    name: 'HTTP server that closes on a ClientHello (confirmed by a plain request)',
    cause: 'net.plain-http',
    endpoint: () =>
      listen(
        track(
          createNetServer((s) => {
            s.on('error', () => undefined);
            s.once('data', (d: Buffer) => {
              if (d.subarray(0, 4).toString() === 'GET ') s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
              else s.end('nope\n'); // not TLS, not HTTP
            });
          }),
        ),
      ),
  },
  {
    name: 'silent server (accepts, never answers)',
    cause: 'net.tls-handshake-failed',
    endpoint: () => listen(track(createNetServer((s) => s.on('error', () => undefined)))),
  },
  {
    name: 'server resets the connection',
    cause: 'net.tls-handshake-failed',
    endpoint: () => listen(track(createNetServer((s) => s.once('data', () => s.resetAndDestroy())))),
  },
  {
    name: 'refused port',
    cause: 'net.connection-refused',
    endpoint: async () => {
      const srv = createNetServer();
      const port = await listen(srv);
      await new Promise((r) => srv.close(r));
      return port;
    },
  },
];

describe('tls.handshake turns broken endpoints into findings, never hangs', () => {
  it.each(brokenEndpoints)('$name → $cause', async ({ endpoint, cause }) => {
    const port = await endpoint();
    const ctx = testContext({ harbor: { url: `https://${HOST}:${port}`, connectAddress: '127.0.0.1' }, timeouts: { connectMs: 500, requestMs: 400 } });
    const started = Date.now();
    const results = await runChecks(tlsChecks, ctx);
    expect(Date.now() - started).toBeLessThan(5000);
    const expected = Object.fromEntries(tlsChecks.map((c) => [c.id, c.id === 'handshake' ? [cause] : []]));
    expect(causesByCheck(results)).toEqual(expected);
    // The handshake failed; every other check is not-checked, blocked by the handshake's cause
    // (ip-san: not configured here). Never "passed".
    expect(results.map((r) => [r.id, r.status, r.notChecked, r.blockedBy])).toEqual(tlsChecks.map((c) =>
      c.id === 'handshake' ? ['handshake', 'failed', undefined, undefined]
        : c.id === 'ip-san' ? ['ip-san', 'not-checked', 'not-configured', undefined]
          : [c.id, 'not-checked', 'blocked', cause]));
    expect(results.find((r) => r.id === 'trust')!.reason).toBe(`the TLS handshake with ${HOST}:${port} did not complete (${results[0]!.evidence?.outcome}: ${cause}); see tls/handshake`);
  });

  it('an unresolvable host is reported as the DNS cause, not a TLS one', async () => {
    const ctx = testContext({ harbor: { url: 'https://no-such-host.invalid:443' }, timeouts: { connectMs: 2000, requestMs: 500 } });
    const results = await runChecks(tlsChecks, ctx);
    expect(causesByCheck(results)['handshake']).toEqual(['dns.nxdomain']);
  });
});

describe('harbor.caBundle problems are UsageErrors, never findings or crashes', () => {
  const cases: { name: string; file: () => string; message: RegExp }[] = [
    { name: 'missing file', file: () => join(dir, 'does-not-exist.pem'), message: /cannot read .*ENOENT/ },
    { name: 'empty file', file: () => writeBundle('empty', ''), message: /is empty/ },
    { name: 'garbage', file: () => writeBundle('garbage', randomBytes(300).toString('latin1')), message: /not a PEM certificate file/ },
    { name: 'a private key', file: () => writeBundle('key', pki.server.keyPem), message: /a private key, not a certificate/ },
    { name: 'corrupt PEM body', file: () => writeBundle('corrupt', '-----BEGIN CERTIFICATE-----\nAAAAnotbase64der\n-----END CERTIFICATE-----\n'), message: /certificate #1 is not a valid X.509/ },
    { name: 'only the server certificate', file: () => writeBundle('leaf', pki.server.certPem), message: /contains no CA certificate/ },
  ];
  it.each(cases)('$name', async ({ file, message }) => {
    const ctx = testContext({ harbor: { url: `https://${HOST}:1`, caBundle: file() } });
    const err = await tlsSession(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^harbor\.caBundle: /);
    expect((err as Error).message).toMatch(message);
    const results = await runChecks(tlsChecks, testContext({ harbor: { url: `https://${HOST}:1`, caBundle: file() } }));
    // Preflight turns this into exit 2 before a run; a check that meets it anyway errors, naming the field.
    expect(results.filter((r) => r.status !== 'errored' || !/harbor\.caBundle/.test(r.reason ?? '')).map((r) => `${r.id}: ${r.status}`)).toEqual(['ip-san: not-checked']);
    expect(results.filter((r) => r.status === 'errored').map((r) => r.findings.map((f) => `${f.cause} ${f.message.replace(/ could not run: .*/s, '')}`))).toEqual(
      tlsChecks.filter((c) => c.id !== 'ip-san').map((c) => [`internal.check-error Check tls/${c.id}`]));
  });
});
