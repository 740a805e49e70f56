import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki, createRootCa, type Pki } from '../../net/test-pki.ts';
import { freePort } from '../../registry/test-registry.ts';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { harborLdapChecks } from './index.ts';

/**
 * The LDAP checks' verdicts over Harbor's own answers. Harbor's LDAP API is served on loopback
 * with the exact bodies Harbor v2.13.5 writes (GET /configurations `{key: {value, editable}}`;
 * PingLdap `{success, message: "error: <sentinel>"}`; user search 200 list or 500; group search
 * 404 when nothing matches — see ping-answer.ts and src/server/v2.0/handler/ldap.go), and the
 * "LDAP server" is a real TLS listener with a certificate from the test PKI (the reach probe only
 * connects and handshakes). The same verdicts against real Harbor and slapd are the sandbox's
 * LDAP faults (test/sandbox/harbor-faults.test.ts).
 */

interface HarborLdapState {
  settings: Record<string, unknown>;
  /** Harbor's LdapPingResult: `success` is omitted when false (omitempty). */
  ping: { success?: boolean; message?: string };
  users: { status: number; body: unknown };
  groups: { status: number; body: unknown };
}

let harbor: http.Server;
let harborUrl: string;
let ldaps: tls.Server;
let ldapsPort: number;
let closedPort: number;
let pki: Pki;
let dir: string;
let otherCaFile: string;
let state: HarborLdapState;

const ADMIN = 'Adm1n-Passw0rd';
// The loader reads secret sources even when tests hand the secrets in memory.
process.env.UNUSED_ADMIN ??= 'unused-env-admin';
const settings = (over: Record<string, unknown> = {}) => ({
  auth_mode: 'ldap_auth',
  ldap_url: `ldaps://ldap.test:${ldapsPort}`,
  ldap_base_dn: 'ou=users,dc=sandbox,dc=test',
  ldap_filter: '(objectClass=person)',
  ldap_uid: 'uid',
  ldap_scope: 2,
  ldap_search_dn: 'cn=admin,dc=sandbox,dc=test',
  ldap_verify_cert: true,
  ldap_group_base_dn: 'ou=groups,dc=sandbox,dc=test',
  ldap_group_search_filter: '(objectClass=groupOfNames)',
  ...over,
});
const healthy = (): HarborLdapState => ({
  settings: settings(),
  ping: { success: true },
  users: { status: 200, body: [{ username: 'dev1', realname: 'Developer One', email: 'dev1@sandbox.test' }] },
  groups: { status: 200, body: [{ group_name: 'developers', ldap_group_dn: 'cn=developers,ou=groups,dc=sandbox,dc=test' }] },
});

beforeAll(async () => {
  pki = await createPki({ server: { dnsNames: ['ldap.test'], ipAddresses: ['127.0.0.1'] } });
  dir = await mkdtemp(path.join(tmpdir(), 'hd-ldap-checks-'));
  await writeFile(path.join(dir, 'ca.crt'), pki.caBundlePem());
  otherCaFile = path.join(dir, 'other-ca.crt');
  await writeFile(otherCaFile, (await createRootCa({}, 'Hybrid Doctor Unrelated')).certPem);
  ldaps = tls.createServer({ key: pki.server.keyPem, cert: pki.serverChainPem() }, (s) => s.end());
  await new Promise<void>((r) => ldaps.listen(0, '127.0.0.1', r));
  ldapsPort = (ldaps.address() as net.AddressInfo).port;
  closedPort = await freePort();
  harbor = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (auth !== `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`) return send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }] });
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && u.pathname === '/api/v2.0/configurations') return send(200, Object.fromEntries(Object.entries(state.settings).map(([k, v]) => [k, { value: v, editable: true }])));
    if (req.method === 'POST' && u.pathname === '/api/v2.0/ldap/ping') return send(200, state.ping);
    if (req.method === 'GET' && u.pathname === '/api/v2.0/ldap/users/search') return send(state.users.status, state.users.body);
    if (req.method === 'GET' && u.pathname === '/api/v2.0/ldap/groups/search') return send(state.groups.status, state.groups.body);
    send(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  });
  await new Promise<void>((r) => harbor.listen(0, '127.0.0.1', r));
  harborUrl = `http://127.0.0.1:${(harbor.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => harbor?.close(r));
  await new Promise((r) => ldaps?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ctx(opts: { admin?: boolean; caBundle?: string } = {}) {
  const admin = opts.admin ?? true;
  return testContext(
    {
      // Plain HTTP on loopback: listing the origin is the explicit opt-in the realm rule asks for.
      harbor: {
        url: harborUrl,
        trustedRealms: [harborUrl],
        caBundle: opts.caBundle ?? path.join(dir, 'ca.crt'),
        ...(admin ? { admin: { username: 'admin', password: { env: 'UNUSED_ADMIN' } } } : {}),
        ldap: { connectAddress: '127.0.0.1' },
      },
      timeouts: { connectMs: 2000, requestMs: 3000, runMs: 60_000 },
    },
    admin ? { adminPassword: ADMIN } : {},
  );
}

async function verdicts(c: ReturnType<typeof ctx>) {
  const results = await runChecks(harborLdapChecks, c);
  for (const r of results) if (r.status === 'errored') throw new Error(`${r.id} errored: ${r.reason}`);
  const causes = Object.fromEntries(Object.entries(causesByCheck(results)).filter(([, v]) => v.length));
  const notChecked = Object.fromEntries(results.filter((r) => r.status === 'not-checked').map((r) => [r.id, r.blockedBy ? `blocked by ${r.blockedBy}` : r.notChecked]));
  return { causes, notChecked };
}

describe('harbor-ldap checks over Harbor v2.13.5 answers', () => {
  it.each<{ name: string; change: (s: HarborLdapState) => void; causes: Record<string, string[]>; notChecked?: Record<string, string>; caBundle?: () => string }>([
    { name: 'healthy (ldaps, verified, users and groups found)', change: () => {}, causes: {}, notChecked: { 'ldap-user-pull': 'not-configured' } },
    {
      name: 'db_auth: nothing to judge',
      change: (s) => (s.settings = { auth_mode: 'db_auth' }),
      causes: {},
      notChecked: { 'ldap-settings': 'not-applicable', 'ldap-reach': 'not-applicable', 'ldap-ping': 'not-applicable', 'ldap-search': 'not-applicable', 'ldap-user-pull': 'not-configured' },
    },
    { name: 'ldap_verify_cert: false', change: (s) => (s.settings = settings({ ldap_verify_cert: false })), causes: { 'ldap-settings': ['harbor.ldap-verify-cert-disabled'] } },
    // The guide's own example: ldap:// on 389 (here: the TLS port, as plain TCP).
    { name: 'ldap:// in clear', change: (s) => (s.settings = settings({ ldap_url: `ldap://ldap.test:${ldapsPort}` })), causes: { 'ldap-settings': ['harbor.ldap-plaintext'] } },
    {
      name: 'wrong search password',
      change: (s) => (s.ping = { message: 'error: invalid credential' }),
      causes: { 'ldap-ping': ['harbor.ldap-bind-failed'] },
      notChecked: { 'ldap-search': 'blocked by harbor/ldap-ping', 'ldap-user-pull': 'not-configured' },
    },
    {
      name: 'LDAP down: hybrid-doctor is refused too, Harbor says network timeout',
      change: (s) => {
        s.settings = settings({ ldap_url: `ldaps://ldap.test:${closedPort}` });
        s.ping = { message: 'error: ldap server network timeout' };
      },
      causes: { 'ldap-reach': ['harbor.ldap-unreachable'] },
      notChecked: { 'ldap-ping': 'blocked by harbor.ldap-unreachable', 'ldap-search': 'blocked by harbor/ldap-ping', 'ldap-user-pull': 'not-configured' },
    },
    {
      name: 'untrusted certificate: hybrid-doctor names what Harbor calls a network timeout',
      caBundle: () => otherCaFile,
      change: (s) => (s.ping = { message: 'error: ldap server network timeout' }),
      causes: { 'ldap-reach': ['harbor.ldap-untrusted-cert'] },
      notChecked: { 'ldap-ping': 'blocked by harbor.ldap-untrusted-cert', 'ldap-search': 'blocked by harbor/ldap-ping', 'ldap-user-pull': 'not-configured' },
    },
    {
      name: 'core cannot reach what hybrid-doctor reaches',
      change: (s) => (s.ping = { message: 'error: ldap server network timeout' }),
      causes: { 'ldap-ping': ['harbor.ldap-unreachable'] },
      notChecked: { 'ldap-search': 'blocked by harbor/ldap-ping', 'ldap-user-pull': 'not-configured' },
    },
    { name: 'base DN that does not exist (500)', change: (s) => (s.users = { status: 500, body: { errors: [{ code: 'UNKNOWN', message: 'internal server error' }] } }), causes: { 'ldap-search': ['harbor.ldap-base-dn-wrong'] } },
    { name: 'base DN without users (empty list)', change: (s) => (s.users = { status: 200, body: [] }), causes: { 'ldap-search': ['harbor.ldap-base-dn-wrong'] } },
    { name: 'group base DN without groups (404)', change: (s) => (s.groups = { status: 404, body: { errors: [{ code: 'NOT_FOUND', message: 'group name:, group DN:ou=groups,dc=sandbox,dc=test' }] } }), causes: { 'ldap-search': ['harbor.ldap-base-dn-wrong'] } },
  ])('$name', async ({ change, causes, notChecked, caBundle }) => {
    state = healthy();
    change(state);
    const v = await verdicts(ctx(caBundle ? { caBundle: caBundle() } : {}));
    expect(v.causes).toEqual(causes);
    if (notChecked) expect(v.notChecked).toEqual(notChecked);
  });

  it('without harbor.admin every LDAP check says so (not checked, never passed)', async () => {
    state = healthy();
    const v = await verdicts(ctx({ admin: false }));
    expect(v.causes).toEqual({});
    expect(v.notChecked).toEqual({ 'ldap-settings': 'not-configured', 'ldap-reach': 'not-configured', 'ldap-ping': 'not-configured', 'ldap-search': 'not-configured', 'ldap-user-pull': 'not-configured' });
  });
});
