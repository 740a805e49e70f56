/**
 * Bad input, one table: each row feeds one malformed input to the real parser, check or CLI —
 * DNS, HTTP, TLS and the token service are real servers on loopback answering garbage — and
 * asserts a clear error (a UsageError naming the field or file; exit 2 through the CLI) or a
 * finding with the right cause id. Never a crash (no stack trace, no errored check), never a
 * hang (every row runs under a small deadline).
 *
 * The README states how many rows there are ("Bad input: N cases in test/bad-input.test.ts");
 * the last test keeps it true.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsCorefile } from '../helpers/checks/dns/corefile.ts';
import { dnsResolve } from '../helpers/checks/dns/resolve.ts';
import { harborChecks } from '../helpers/checks/harbor/index.ts';
import { lintContainerdToml } from '../helpers/checks/nodeconfig/containerd-toml.ts';
import { lintHostsToml } from '../helpers/checks/nodeconfig/hosts-toml.ts';
import { lintNodeConfigText } from '../helpers/checks/nodeconfig/lint.ts';
import { lintHarborConfigText } from '../helpers/harbor-config/lint.ts';
import { parsePullSecret } from '../helpers/kube/pull-secret.ts';
import { robotAuthChecks } from '../helpers/checks/robot-auth/index.ts';
import { runChecks, testContext } from '../helpers/checks/test-context.ts';
import { tlsChecks } from '../helpers/checks/tls/index.ts';
import type { Check } from '../helpers/checks/check.ts';
import { UsageError } from '../helpers/errors.ts';
import type { Finding } from '../helpers/findings/finding.ts';
import { loadKubeConfig } from '../helpers/kube/client.ts';
import type { Secret } from '../helpers/kube/types.ts';
import { parseCaBundle } from '../helpers/net/ca-bundle.ts';
import { queryDns, type DnsResult } from '../helpers/net/dns-query.ts';
import { createPki, type Pki } from '../helpers/net/test-pki.ts';
import { parseTarget } from '../helpers/target/load.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/hybrid-doctor.mjs');
const dir = mkdtempSync(join(tmpdir(), 'hd-bad-input-'));
const STACK = /\n\s+at .+:\d+:\d+/;
// parseTarget resolves secret sources; the checks use the in-memory secret given to testContext.
process.env.HD_BAD_INPUT_UNUSED ??= 'unused-env-secret';

let pki: Pki;
beforeAll(async () => {
  pki = await createPki({});
});

// ------------------------------------------------------------------ assertions

/** `fn` fails with a UsageError whose message matches `re` and carries no stack trace. */
async function usageError(fn: () => unknown, re: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a UsageError, nothing was thrown').toBeInstanceOf(UsageError);
  const msg = (caught as Error).message;
  expect(msg).toMatch(re);
  expect(msg).not.toMatch(STACK);
}

/** The findings carry `cause` and the rendered text matches `re` (when given). */
function hasFinding(findings: Finding[], cause: string, re?: RegExp): void {
  const hit = findings.filter((f) => f.cause === cause);
  expect(hit.map((f) => f.cause), `causes: ${findings.map((f) => f.cause).join(', ') || 'none'}`).toContain(cause);
  if (re) expect(hit.map((f) => JSON.stringify(f.params ?? {})).join('\n')).toMatch(re);
}

/** Runs checks through the production runner; none may error (crash); returns every finding. */
async function runNoCrash(checks: Check[], ctx: ReturnType<typeof testContext>): Promise<Finding[]> {
  const results = await runChecks(checks, ctx);
  const crashed = results.filter((r) => (r.status as string) === 'error' || (r.status as string) === 'errored').map((r) => `${r.suite}/${r.id}: ${r.reason}`);
  expect(crashed).toEqual([]);
  return results.flatMap((r) => r.findings);
}

const pick = (checks: Check[], ...ids: string[]) => checks.filter((c) => ids.includes(c.id));

// ------------------------------------------------------------------ loopback servers

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void;

/** A plain-HTTP "Harbor" on 127.0.0.1 answering every request with `handler`; closed after `fn`. */
async function withHttp<T>(handler: Handler, fn: (url: string) => Promise<T>): Promise<T> {
  const server = http.createServer((req, res) => handler(req, res, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** A TCP server on 127.0.0.1 doing `onConn` with each connection (the "HTTPS" port); closed after `fn`. */
async function withTcp<T>(onConn: (s: net.Socket) => void, fn: (port: number) => Promise<T>): Promise<T> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn((server.address() as net.AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

/** A UDP "resolver" on 127.0.0.1 answering each query with `reply(query)` bytes. */
async function withUdp<T>(reply: (query: Buffer) => Buffer, fn: (server: string) => Promise<T>): Promise<T> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, from) => sock.send(reply(msg), from.port, from.address));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    return await fn(`127.0.0.1:${sock.address().port}`);
  } finally {
    sock.close();
  }
}

const FAST = { connectMs: 1000, requestMs: 1500, runMs: 20_000 };
/** A target for a Harbor at `url`, with a robot (in-memory secret) and one image on it. */
const harborCtx = (url: string) =>
  testContext(
    {
      // A plain-HTTP loopback Harbor: its realm must be listed to get credentials (realm rule).
      harbor: { url, trustedRealms: [url] },
      robot: { name: 'robot$k8s-robot', secret: { env: 'HD_BAD_INPUT_UNUSED' } },
      images: [{ ref: `${new URL(url).host}/library/busybox:1.36` }],
      timeouts: FAST,
    },
    { robotSecret: 'Rob0t-Secret-123' },
  );

/** /v2/ challenges to the local token service, which answers 200 with `body`. */
const tokenService = (body: string): Handler => (req, res, base) => {
  if (req.url?.startsWith('/service/token')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
    return;
  }
  res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/service/token",service="harbor-registry"`, 'content-type': 'application/json' });
  res.end('{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}]}');
};
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const jwtWith = (payload: string) => `${b64url('{"alg":"RS256","typ":"JWT"}')}.${payload}.${b64url('sig')}`;

// ------------------------------------------------------------------ DNS replies

const header = (q: Buffer, flags: number, counts: [number, number, number, number]) => {
  const h = Buffer.alloc(12);
  q.copy(h, 0, 0, 2); // same id
  h.writeUInt16BE(flags, 2);
  counts.forEach((c, i) => h.writeUInt16BE(c, 4 + 2 * i));
  return h;
};
const RESPONSE = 0x8180; // QR, RD, RA, NOERROR

// ------------------------------------------------------------------ misc inputs

const YAML_BOMB =
  'a: &a ["x","x","x","x","x","x","x","x","x"]\n' +
  Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n') +
  '\nharbor: {url: "https://h.example.test"}\n';
const pullSecret = (dockerconfigjson: string | undefined, type = 'kubernetes.io/dockerconfigjson'): Secret =>
  ({ metadata: { name: 'regcred', namespace: 'app' }, type, data: dockerconfigjson === undefined ? {} : { '.dockerconfigjson': dockerconfigjson } }) as Secret;
const b64 = (s: string) => Buffer.from(s).toString('base64');
function kubeconfigFile(name: string, content: string | object): string {
  const f = join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}
const kubeconfig = (o: { ca?: string; cert?: string; clusterName?: string } = {}) => ({
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'hybrid',
  clusters: [{ name: 'eks', cluster: { server: 'https://127.0.0.1:1', ...(o.ca ? { 'certificate-authority': o.ca } : { 'certificate-authority-data': b64('x') }) } }],
  users: [{ name: 'me', user: o.cert ? { 'client-certificate': o.cert, 'client-key': o.cert } : { token: 'unused' } }],
  contexts: [{ name: 'hybrid', context: { cluster: o.clusterName ?? 'eks', user: 'me' } }],
});
const kubeTarget = (file: string, context?: string) => ({
  baseDir: dir,
  kubernetes: { kubeconfig: file, ...(context ? { context } : {}), allowProbes: false, probeNamespace: 'hybrid-doctor', hybridSelector: 'eks.amazonaws.com/compute-type=hybrid' },
});
const corefileCtx = (content: string) => {
  const f = join(dir, `Corefile-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, content);
  return testContext({ dns: { names: ['harbor.example.test'], corefile: f } });
};
function cli(args: string[]) {
  return execa(process.execPath, [BIN, ...args], { reject: false, timeout: 30_000, stdin: 'ignore', env: { NO_COLOR: '1' } });
}
function file(name: string, content: string | Buffer): string {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
}
const dnsMalformed = (r: DnsResult, detail: RegExp) => {
  expect(r.outcome).toBe('malformed');
  expect(r.detail ?? '').toMatch(detail);
};

// ------------------------------------------------------------------ the table

interface BadInput {
  kind: 'YAML' | 'NodeConfig' | 'harbor.yml' | 'PEM' | 'TOML' | 'Corefile' | 'DNS' | 'HTTP' | 'TLS' | 'JWT' | 'kubeconfig' | 'dockerconfigjson' | 'CLI';
  name: string;
  /** Feeds the input and asserts the outcome. */
  run: () => Promise<void> | void;
  /** Deadline for the row (default 5 s). */
  ms?: number;
}

const CASES: BadInput[] = [
  // Target YAML (parseTarget: the loader every command uses)
  { kind: 'YAML', name: 'alias expansion bomb', run: () => usageError(() => parseTarget(YAML_BOMB, 't.yaml'), /^t\.yaml: malformed YAML: .*alias/i) },
  { kind: 'YAML', name: 'tab indentation', run: () => usageError(() => parseTarget('harbor:\n\turl: https://h\n', 't.yaml'), /^t\.yaml:2:1: malformed YAML: Tabs/) },
  { kind: 'YAML', name: 'duplicate key', run: () => usageError(() => parseTarget('harbor: {url: "https://a"}\nharbor: {url: "https://b"}\n', 't.yaml'), /t\.yaml:2:1: malformed YAML: Map keys must be unique/) },
  { kind: 'YAML', name: 'a list, not a mapping', run: () => usageError(() => parseTarget('- harbor\n- robot\n', 't.yaml'), /t\.yaml: a target file is a YAML mapping .* got a list/) },
  { kind: 'YAML', name: 'empty file', run: () => usageError(() => parseTarget('', 't.yaml'), /got an empty document/) },
  { kind: 'YAML', name: 'binary garbage', run: () => usageError(() => parseTarget('\u0000\u0001\u0002\ufffdgarbage', 't.yaml'), /t\.yaml: a target file is a YAML mapping/) },
  { kind: 'YAML', name: 'wrong type (images: a string)', run: () => usageError(() => parseTarget('harbor: {url: "https://h"}\nimages: busybox\n', 't.yaml'), /- images: .*expected array/) },
  { kind: 'YAML', name: 'misspelt top-level key', run: () => usageError(() => parseTarget('harbour: {url: "https://h"}\n', 't.yaml'), /unknown field\(s\) "harbour"/) },

  // NodeConfig (lint): every problem is a node.nodeconfig-invalid finding
  { kind: 'NodeConfig', name: 'malformed YAML', run: () => hasFinding(lintNodeConfigText('spec: {{{ oops', 'nc.yaml').findings, 'node.nodeconfig-invalid', /malformed YAML at line 1/) },
  { kind: 'NodeConfig', name: 'a Pod manifest instead', run: () => hasFinding(lintNodeConfigText('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n', 'nc.yaml').findings, 'node.nodeconfig-invalid', /kind must be NodeConfig/) },
  { kind: 'NodeConfig', name: 'alias expansion bomb', run: () => hasFinding(lintNodeConfigText(YAML_BOMB, 'nc.yaml').findings, 'node.nodeconfig-invalid', /malformed YAML: .*alias/i) },
  { kind: 'NodeConfig', name: 'empty file', run: () => hasFinding(lintNodeConfigText('', 'nc.yaml').findings, 'node.nodeconfig-invalid', /no NodeConfig document/) },
  { kind: 'NodeConfig', name: 'MIME multipart user data', run: () => usageError(() => lintNodeConfigText('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n--B\n', 'nc.yaml'), /MIME multipart user data is not supported/) },
  // harbor.yml (lint): malformed input is one harbor.config-invalid finding with its position
  { kind: 'harbor.yml', name: 'malformed YAML', run: () => { const r = lintHarborConfigText('hostname: h\nhttps: {port: 443\n', 'harbor.yml'); expect(r.malformed).toMatch(/malformed YAML at line \d+:\d+/); hasFinding(r.findings, 'harbor.config-invalid', /malformed YAML at line/); } },
  { kind: 'harbor.yml', name: 'alias expansion bomb', run: () => hasFinding(lintHarborConfigText(YAML_BOMB, 'harbor.yml').findings, 'harbor.config-invalid', /malformed YAML: .*alias/i) },
  { kind: 'harbor.yml', name: 'a string where jobservice is a mapping', run: () => hasFinding(lintHarborConfigText('hostname: h\njobservice: ten\n', 'harbor.yml').findings, 'harbor.config-invalid', /jobservice.*expected object, received string \(line 2:13\)/) },

  // PEM (harbor.caBundle)
  { kind: 'PEM', name: 'garbage inside the CERTIFICATE block', run: () => usageError(() => parseCaBundle('-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n', 'ca.pem'), /harbor\.caBundle: ca\.pem: certificate #1 is not a valid X\.509 certificate/) },
  { kind: 'PEM', name: 'truncated (no END line)', run: () => usageError(() => parseCaBundle(pki.root.certPem.slice(0, 400), 'ca.pem'), /ca\.pem is not a PEM certificate file/) },
  { kind: 'PEM', name: 'truncated body', run: () => usageError(() => parseCaBundle(`${pki.root.certPem.split('\n').slice(0, 5).join('\n')}\n-----END CERTIFICATE-----\n`, 'ca.pem'), /certificate #1 is not a valid X\.509 certificate/) },
  { kind: 'PEM', name: 'a private key instead of a certificate', run: () => usageError(() => parseCaBundle(pki.server.keyPem, 'ca.pem'), /ca\.pem is a private key, not a certificate/) },
  { kind: 'PEM', name: 'DER instead of PEM', run: () => usageError(() => parseCaBundle(Buffer.from(pki.root.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('latin1'), 'ca.der'), /ca\.der is not a PEM certificate file/) },
  { kind: 'PEM', name: 'empty file', run: () => usageError(() => parseCaBundle('', 'ca.pem'), /ca\.pem is empty/) },
  { kind: 'PEM', name: 'huge (20 MiB, no PEM block)', run: () => usageError(() => parseCaBundle('A'.repeat(20 << 20), 'ca.pem'), /not a PEM certificate file/) },
  { kind: 'PEM', name: 'huge (50,000 bogus blocks)', run: () => usageError(() => parseCaBundle(`-----BEGIN CERTIFICATE-----\n${'A'.repeat(64)}\n-----END CERTIFICATE-----\n`.repeat(50_000), 'ca.pem'), /certificate #1 is not a valid X\.509/) },
  { kind: 'PEM', name: 'the server certificate, no CA', run: () => usageError(() => parseCaBundle(pki.server.certPem, 'ca.pem'), /contains no CA certificate/) },

  // TOML: containerd hosts.toml and the containerd config in a NodeConfig
  { kind: 'TOML', name: 'hosts.toml: unfinished array', run: () => hasFinding(lintHostsToml('server = [', { path: 'hosts.toml', host: 'h' }), 'node.hosts-toml-invalid', /does not parse at line 1/) },
  { kind: 'TOML', name: 'hosts.toml: key defined twice', run: () => hasFinding(lintHostsToml('server = "https://h"\nserver = "https://h"\n', { path: 'hosts.toml', host: 'h' }), 'node.hosts-toml-invalid', /line 2.*redefine/) },
  { kind: 'TOML', name: 'hosts.toml: ca is a number', run: () => hasFinding(lintHostsToml('server = "https://h"\n[host."https://h"]\ncapabilities = ["pull"]\nca = 7\n', { path: 'hosts.toml', host: 'h' }), 'node.hosts-toml-invalid', /ca must be a path/) },
  { kind: 'TOML', name: 'hosts.toml: binary garbage', run: () => hasFinding(lintHostsToml('\u0000\u0001\u0002', { path: 'hosts.toml', host: 'h' }), 'node.hosts-toml-invalid', /does not parse/) },
  { kind: 'TOML', name: 'containerd: broken table header', run: () => hasFinding(lintContainerdToml('version = 2\n[plugins.\n', { subject: 'nc.yaml' }).findings, 'node.nodeconfig-invalid', /containerd TOML does not parse at line 2/) },
  { kind: 'TOML', name: 'containerd: table defined twice', run: () => hasFinding(lintContainerdToml('version = 2\n[plugins]\n[plugins]\n', { subject: 'nc.yaml' }).findings, 'node.nodeconfig-invalid', /line 3.*redefine/) },
  { kind: 'TOML', name: 'containerd: version and plugins of the wrong type', run: () => {
    const { findings } = lintContainerdToml('version = "two"\nplugins = 5\n', { subject: 'nc.yaml' });
    hasFinding(findings, 'node.nodeconfig-invalid', /version must be an integer/);
    hasFinding(findings, 'node.nodeconfig-invalid', /plugins must be a table/);
  } },

  // Corefile (dns.corefile): a UsageError naming file and line
  { kind: 'Corefile', name: 'unclosed block', run: () => usageError(() => dnsCorefile.run(corefileCtx('.:53 {\n  hosts {\n    1.2.3.4 harbor.example.test\n')), /dns\.corefile: .*Corefile-\w+:\d+: malformed Corefile: unclosed/) },
  { kind: 'Corefile', name: 'stray closing brace', run: () => usageError(() => dnsCorefile.run(corefileCtx('}\n')), /:1: malformed Corefile: unexpected "}"/) },
  { kind: 'Corefile', name: 'unterminated quote', run: () => usageError(() => dnsCorefile.run(corefileCtx('.:53 {\n  hosts "abc\n}\n')), /:2: malformed Corefile: unterminated quoted string/) },
  { kind: 'Corefile', name: '100,000 nested braces', run: () => usageError(() => dnsCorefile.run(corefileCtx(`.:53 {\n${'{'.repeat(100_000)}${'}'.repeat(100_000)}\n}\n`)), /malformed Corefile/) },

  // DNS packets from a real UDP server on loopback, through the dns-query helper
  { kind: 'DNS', name: 'empty datagram', run: () => withUdp(() => Buffer.alloc(0), async (s) => dnsMalformed(await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 500 }), /Header must be 12 bytes/)) },
  { kind: 'DNS', name: 'truncated header (5 bytes)', run: () => withUdp((q) => q.subarray(0, 5), async (s) => dnsMalformed(await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 500 }), /undecodable response \(5 bytes\)/)) },
  { kind: 'DNS', name: 'header claims 3 answers, none sent', run: () => withUdp((q) => header(q, RESPONSE, [0, 3, 0, 0]), async (s) => dnsMalformed(await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 500 }), /undecodable response/)) },
  { kind: 'DNS', name: 'compression loop in the question', run: () => withUdp((q) => Buffer.concat([header(q, RESPONSE, [1, 0, 0, 0]), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]), async (s) => dnsMalformed(await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 500 }), /Cannot decode name/)) },
  { kind: 'DNS', name: 'compression loop in the answer', run: () => withUdp((q) => {
    const b = Buffer.from(q);
    b.writeUInt16BE(RESPONSE, 2);
    b.writeUInt16BE(1, 6);
    const rr = Buffer.alloc(14);
    rr.writeUInt16BE(0xc000 | q.length, 0); // name: a pointer to itself
    rr.writeUInt16BE(1, 2); rr.writeUInt16BE(1, 4); rr.writeUInt32BE(30, 6); rr.writeUInt16BE(4, 10);
    return Buffer.concat([b, rr, Buffer.from([127, 0, 0, 1])]);
  }, async (s) => dnsMalformed(await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 500 }), /Cannot decode name/)) },
  { kind: 'DNS', name: 'the query echoed back (QR bit clear)', run: () => withUdp((q) => q, async (s) => dnsMalformed(await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 500 }), /QR bit clear/)) },
  { kind: 'DNS', name: 'only answers with a wrong id', run: () => withUdp((q) => { const b = Buffer.from(q); b.writeUInt16BE(q.readUInt16BE(0) ^ 0xffff, 0); b.writeUInt16BE(RESPONSE, 2); return b; }, async (s) => {
    const r = await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 300, retries: 1 });
    dnsMalformed(r, /foreign transaction id/);
    expect(r.attempts).toBe(2);
  }) },
  { kind: 'DNS', name: 'truncated (TC) with nothing on TCP', run: () => withUdp((q) => Buffer.concat([header(q, RESPONSE | 0x0200, [1, 0, 0, 0]), q.subarray(12)]), async (s) => {
    const r = await queryDns({ server: s, name: 'harbor.example.test', timeoutMs: 500 });
    expect(['malformed', 'timeout']).toContain(r.outcome);
    expect(r.detail).toMatch(/truncated \(TC\) and the TCP retry failed/);
  }) },
  { kind: 'DNS', name: 'random bytes, through the dns suite', run: () => withUdp(() => randomBytes(64).fill(0, 2, 4), async (s) => {
    const ctx = testContext({ dns: { names: ['harbor.example.test'], resolvers: [{ name: 'garbage', address: s, role: 'node' }] }, timeouts: { connectMs: 300, requestMs: 300, runMs: 10_000 } });
    hasFinding(await runNoCrash([dnsResolve], ctx), 'dns.servfail', /garbage/);
  }) },

  // HTTP bodies from a real loopback "Harbor"
  { kind: 'HTTP', name: '/v2/ answers 200 with garbage JSON', run: () => withHttp((_q, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"oops": [1, 2,'); }, async (url) => {
    hasFinding(await runNoCrash(pick(harborChecks, 'ping'), harborCtx(url)), 'harbor.unreachable');
  }) },
  { kind: 'HTTP', name: 'an HTML 502 error page from a proxy', run: () => withHttp((_q, res) => { res.writeHead(502, { 'content-type': 'text/html' }); res.end('<html><body><h1>502 Bad Gateway</h1>nginx</body></html>'); }, async (url) => {
    const f = await runNoCrash([...pick(robotAuthChecks, 'challenge'), ...pick(harborChecks, 'ping')], harborCtx(url));
    hasFinding(f, 'harbor.unreachable', /502/);
  }) },
  { kind: 'HTTP', name: 'a 64 MiB body', run: () => withHttp((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1 << 20, 'a');
    let n = 0;
    const pump = () => { while (n < 64) { n++; if (!res.write(chunk)) { res.once('drain', pump); return; } } res.end(); };
    pump();
  }, async (url) => {
    hasFinding(await runNoCrash([...pick(robotAuthChecks, 'challenge'), ...pick(harborChecks, 'ping')], harborCtx(url)), 'harbor.unreachable');
  }) },
  { kind: 'HTTP', name: 'slowloris: headers, then a byte every 200 ms', ms: 10_000, run: () => withHttp((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const t = setInterval(() => res.write(' '), 200);
    res.on('close', () => clearInterval(t));
  }, async (url) => {
    hasFinding(await runNoCrash([...pick(robotAuthChecks, 'challenge'), ...pick(harborChecks, 'ping')], harborCtx(url)), 'harbor.unreachable');
  }) },

  // TLS garbage on the HTTPS port
  { kind: 'TLS', name: 'random bytes instead of a ServerHello', run: () => withTcp((s) => s.end(randomBytes(2048)), async (port) => {
    hasFinding(await runNoCrash(pick(tlsChecks, 'handshake'), testContext({ harbor: { url: `https://127.0.0.1:${port}` }, timeouts: FAST })), 'net.tls-handshake-failed');
  }) },
  { kind: 'TLS', name: 'connection closed at once', run: () => withTcp((s) => s.destroy(), async (port) => {
    hasFinding(await runNoCrash(pick(tlsChecks, 'handshake'), testContext({ harbor: { url: `https://127.0.0.1:${port}` }, timeouts: FAST })), 'net.tls-handshake-failed');
  }) },
  { kind: 'TLS', name: 'accepts, never answers', run: () => withTcp(() => undefined, async (port) => {
    hasFinding(await runNoCrash(pick(tlsChecks, 'handshake'), testContext({ harbor: { url: `https://127.0.0.1:${port}` }, timeouts: FAST })), 'net.tls-handshake-failed');
  }) },

  // JWTs from the token service (the /v2/ challenge's realm on loopback)
  ...(
    [
      ['not a JWT', JSON.stringify({ token: 'not-a-jwt' })],
      ['payload not base64url', JSON.stringify({ token: jwtWith('%%%not-base64%%%') })],
      ['payload not JSON', JSON.stringify({ token: jwtWith(b64url('hello')) })],
      ['no token field', JSON.stringify({ expires_in: 1800 })],
      ['an HTML login page with 200', '<html><body>Please log in</body></html>'],
    ] as const
  ).map(([name, body]): BadInput => ({
    kind: 'JWT',
    name,
    run: () => withHttp(tokenService(body), async (url) => {
      hasFinding(await runNoCrash(pick(robotAuthChecks, 'challenge', 'token'), harborCtx(url)), 'auth.credentials-invalid');
    }),
  })),

  // kubeconfig (kubernetes.kubeconfig / context): UsageErrors before anything is contacted
  { kind: 'kubeconfig', name: 'malformed YAML', run: () => usageError(() => loadKubeConfig(kubeTarget(kubeconfigFile('bad.kubeconfig', 'apiVersion: v1\nclusters: [oops\n'))), /kubernetes\.kubeconfig: .*bad\.kubeconfig is not a valid kubeconfig/) },
  { kind: 'kubeconfig', name: 'empty file', run: () => usageError(() => loadKubeConfig(kubeTarget(kubeconfigFile('empty.kubeconfig', ''))), /empty\.kubeconfig is not a valid kubeconfig/) },
  { kind: 'kubeconfig', name: 'missing context', run: () => usageError(() => loadKubeConfig(kubeTarget(kubeconfigFile('ok.kubeconfig', kubeconfig()), 'prod')), /kubernetes\.context: context "prod" is not in the kubeconfig/) },
  { kind: 'kubeconfig', name: 'context names an undefined cluster', run: () => usageError(() => loadKubeConfig(kubeTarget(kubeconfigFile('nocluster.kubeconfig', kubeconfig({ clusterName: 'gone' })))), /context "hybrid" names a cluster that is not defined/) },
  { kind: 'kubeconfig', name: 'missing client certificate file', run: () => usageError(() => loadKubeConfig(kubeTarget(kubeconfigFile('nocert.kubeconfig', kubeconfig({ cert: join(dir, 'gone.crt') })))), /user "me" client-certificate file .*gone\.crt does not exist/) },
  { kind: 'kubeconfig', name: 'missing certificate-authority file', run: () => usageError(() => loadKubeConfig(kubeTarget(kubeconfigFile('noca.kubeconfig', kubeconfig({ ca: join(dir, 'gone-ca.crt') })))), /cluster "eks" certificate-authority file .*gone-ca\.crt does not exist/) },
  { kind: 'kubeconfig', name: 'missing kubeconfig file', run: () => usageError(() => loadKubeConfig(kubeTarget(join(dir, 'nope.kubeconfig'))), /kubernetes\.kubeconfig: file .*nope\.kubeconfig does not exist/) },

  // dockerconfigjson (pull secrets): each problem names the field; the pull-secrets check turns
  // them into auth.pull-secret-malformed
  ...(
    [
      ['not base64', '!!!not base64!!!', '.dockerconfigjson', /not valid base64/],
      ['not JSON', b64('{not json'), '.dockerconfigjson', /not valid JSON/],
      ['no auths', b64('{"credsStore":"desktop"}'), 'auths', /no "auths" object/],
      ['auths is an array', b64('{"auths":[1]}'), 'auths', /no "auths" object/],
      ['auth not base64', b64('{"auths":{"harbor.example.test":{"auth":"%%%"}}}'), 'auths["harbor.example.test"].auth', /auth is not valid base64/],
      ['auth without a colon', b64(JSON.stringify({ auths: { 'harbor.example.test': { auth: b64('robot-only') } } })), 'auths["harbor.example.test"].auth', /no colon/],
      ['entry without credentials', b64('{"auths":{"harbor.example.test":null}}'), 'auths["harbor.example.test"]', /neither auth nor username/],
      ['no .dockerconfigjson key', undefined, '.dockerconfigjson', /has no \.dockerconfigjson key/],
    ] as const
  ).map(([name, data, field, re]): BadInput => ({
    kind: 'dockerconfigjson',
    name,
    run: () => {
      const { entries, problems } = parsePullSecret(pullSecret(data));
      expect(entries).toEqual([]);
      expect(problems.map((p) => p.field)).toEqual([field]);
      expect(problems[0]!.detail).toMatch(re);
    },
  })),

  // Through the CLI: user mistakes exit 2 with one clear line; lint findings exit 1
  ...(
    [
      ['target: alias expansion bomb', () => ['run', '--target', file('bomb.yaml', YAML_BOMB)], 2, /bomb\.yaml: malformed YAML: .*alias/i],
      ['target: CA bundle in DER', () => ['run', '--target', file('der.yaml', `harbor:\n  url: https://h.example.test\n  caBundle: ${file('ca.der', Buffer.from(pki.root.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))}\n`)], 2, /harbor\.caBundle: .*ca\.der is not a PEM certificate file/],
      ['target: private key as CA bundle', () => ['run', '--target', file('key.yaml', `harbor:\n  url: https://h.example.test\n  caBundle: ${file('key.pem', pki.server.keyPem)}\n`)], 2, /harbor\.caBundle: .*key\.pem is a private key/],
      ['lint nodeconfig: alias expansion bomb', () => ['lint', 'nodeconfig', '--json', file('bomb-nc.yaml', YAML_BOMB)], 1, /node\.nodeconfig-invalid/],
      ['lint nodeconfig: MIME multipart', () => ['lint', 'nodeconfig', file('mime.txt', 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n--B\n')], 2, /MIME multipart user data is not supported/],
      ['lint harbor: malformed YAML', () => ['lint', 'harbor', file('harbor.yml', 'hostname: h\nhttps: {port: 443\n')], 2, /harbor\.yml: malformed YAML at line \d+:\d+/],
    ] as const
  ).map(([name, args, code, re]): BadInput => ({
    kind: 'CLI',
    name,
    ms: 30_000,
    run: async () => {
      const r = await cli([...args()]);
      expect(r.stdout + r.stderr).toMatch(re);
      expect(r.exitCode).toBe(code);
      expect(r.stdout + r.stderr).not.toMatch(STACK);
      expect(r.stderr).not.toMatch(/internal error|TypeError|ReferenceError/);
    },
  })),
];

/** Fails the row when it does not finish in time: a hang is a bug like a crash. */
async function bounded(p: Promise<void> | void, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (hang)`)), ms);
  });
  try {
    await Promise.race([Promise.resolve(p), hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('bad input: a clear error or finding, no crash, no hang', () => {
  it.each(CASES.map((c) => [`${c.kind}: ${c.name}`, c] as const))('%s', async (label, c) => {
    await bounded(c.run(), c.ms ?? 5_000, label);
  }, 40_000);

  it('README states the number of cases', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`Bad input: ${CASES.length} cases in test/bad-input.test.ts`);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });
});
