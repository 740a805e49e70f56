import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHarbor, type FakeHarbor } from '../../fixtures/registry/fake-harbor.ts';
import { harborChecks } from '../checks/harbor/index.ts';
import { robotAuthChecks } from '../checks/robot-auth/index.ts';
import { causesByCheck, runChecks, testContext } from '../checks/test-context.ts';
import { createPki } from '../net/test-pki.ts';
import { closeRegistryDispatcher } from './http.ts';
import { untrustedRealmReason } from './auth.ts';

/**
 * The credential realm rule against real loopback servers: a TLS "Harbor", a second TLS server
 * on another port (another origin) and a plain-HTTP server, each recording the Authorization
 * headers it RECEIVED. Credentials may reach only an https realm on the Harbor URL's origin or
 * an origin listed in harbor.trustedRealms; anything else gets no request with credentials and
 * an auth.realm-untrusted finding.
 */
const ROBOT = 'robot$k8s-robot';
const SECRET = 'realm-rule-Robot-Secret-9';
const ADMIN = 'realm-rule-Admin-Pass-9';
let harbor: FakeHarbor;
let other: FakeHarbor;
let plain: FakeHarbor;
let ca: string;

beforeAll(async () => {
  const pki = await createPki();
  const tls = { key: pki.server.keyPem, cert: pki.serverChainPem() };
  const accounts = { [ROBOT]: SECRET, admin: ADMIN };
  [harbor, other, plain] = await Promise.all([startFakeHarbor({ tls, accounts }), startFakeHarbor({ tls, accounts }), startFakeHarbor({ accounts })]);
  ca = join(mkdtempSync(join(tmpdir(), 'hd-realm-')), 'ca.pem');
  writeFileSync(ca, pki.caBundlePem());
});

afterAll(async () => {
  await Promise.all([harbor?.close(), other?.close(), plain?.close()]);
  for (const t of targets) await closeRegistryDispatcher(t);
});

const targets: ReturnType<typeof testContext>['target'][] = [];
function ctx(url: string, trustedRealms?: string[], admin = false) {
  const c = testContext(
    {
      harbor: { url, caBundle: ca, ...(trustedRealms ? { trustedRealms } : {}), ...(admin ? { admin: { username: 'admin', password: { env: 'HD_REALM_UNUSED' } } } : {}) },
      robot: { name: ROBOT, secret: { env: 'HD_REALM_UNUSED' } },
      images: [{ ref: `${new URL(url).host}/library/busybox:1.36` }],
    },
    { robotSecret: SECRET, ...(admin ? { adminPassword: ADMIN } : {}) },
  );
  targets.push(c.target);
  return c;
}
process.env.HD_REALM_UNUSED ??= 'unused-env-value';

const reset = () => {
  for (const s of [harbor, other, plain]) s.received.length = 0;
};

describe('credential realm rule', () => {
  const cases: { name: string; url: () => string; realm: () => string; trusted?: () => string[]; sentTo?: () => FakeHarbor; withheldFrom: () => FakeHarbor[] }[] = [
    { name: 'https realm on the Harbor origin: credentials sent (control)', url: () => harbor.origin, realm: () => `${harbor.origin}/service/token`, sentTo: () => harbor, withheldFrom: () => [other, plain] },
    { name: 'https realm on another port: withheld', url: () => harbor.origin, realm: () => `${other.origin}/service/token`, withheldFrom: () => [harbor, other, plain] },
    { name: 'http realm: withheld', url: () => harbor.origin, realm: () => `${plain.origin}/service/token`, withheldFrom: () => [harbor, other, plain] },
    { name: 'same server under another host name: withheld', url: () => harbor.origin, realm: () => `https://localhost:${harbor.port}/service/token`, withheldFrom: () => [harbor, other, plain] },
    { name: 'realm with userinfo: withheld', url: () => harbor.origin, realm: () => `https://x:y@127.0.0.1:${harbor.port}/service/token`, withheldFrom: () => [harbor, other, plain] },
    { name: 'another origin listed in trustedRealms: sent (control)', url: () => harbor.origin, realm: () => `${other.origin}/service/token`, trusted: () => [other.origin], sentTo: () => other, withheldFrom: () => [harbor, plain] },
    { name: 'http Harbor, realm on its own origin, not trusted: withheld', url: () => plain.origin, realm: () => `${plain.origin}/service/token`, withheldFrom: () => [harbor, other, plain] },
    { name: 'http Harbor listed in trustedRealms: sent (explicit opt-in)', url: () => plain.origin, realm: () => `${plain.origin}/service/token`, trusted: () => [plain.origin], sentTo: () => plain, withheldFrom: () => [harbor, other] },
  ];

  it.each(cases)('$name', async ({ url, realm, trusted, sentTo, withheldFrom }) => {
    reset();
    for (const s of [harbor, other, plain]) s.setRealm(realm());
    const results = await runChecks(robotAuthChecks, ctx(url(), trusted?.()));
    const map = causesByCheck(results);
    for (const s of withheldFrom()) expect(s.credentialedTokenRequests(), s.origin).toEqual([]);
    if (sentTo) {
      const got = sentTo().credentialedTokenRequests();
      expect(got.length).toBeGreaterThan(0);
      expect(Buffer.from(got[0]!.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe(`${ROBOT}:${SECRET}`);
      expect(map.token).toEqual([]);
    } else {
      expect(map.token).toEqual(['auth.realm-untrusted']);
      const f = results.find((r) => r.id === 'token')!.findings[0]!;
      expect(f.message).toMatch(/did not send credentials to/);
      expect(f.evidence).toMatchObject({ credentialsSent: false });
    }
    expect(JSON.stringify(results)).not.toContain(SECRET);
  });

  it('the admin password is not sent to an http Harbor API unless trusted (robot-auth and harbor suites)', async () => {
    reset();
    plain.setRealm(`${plain.origin}/service/token`);
    const results = await runChecks([...robotAuthChecks, ...harborChecks], ctx(plain.origin, undefined, true));
    // Only the anonymous token's Bearer header may reach it; never Basic credentials.
    expect(plain.received.filter((r) => r.authorization && !r.authorization.startsWith('Bearer '))).toEqual([]);
    const map = causesByCheck(results.map((r) => ({ ...r, id: `${r.suite}/${r.id}` })));
    const all = Object.values(map).flat();
    // One finding for the withheld robot secret (token realm) and one for the withheld admin password (API); no harbor.unreachable.
    expect(all.filter((c) => c === 'auth.realm-untrusted')).toHaveLength(2);
    expect(all).not.toContain('harbor.unreachable');
    reset();
    await runChecks([...robotAuthChecks, ...harborChecks], ctx(plain.origin, [plain.origin], true));
    expect(plain.received.filter((r) => r.path.startsWith('/api/') && r.authorization).length).toBeGreaterThan(0);
  });

  it.each([
    ['https://h.example/service/token', 'https://h.example', undefined, undefined],
    ['https://h.example:443/t', 'https://h.example', undefined, undefined],
    ['https://h.example:8443/t', 'https://h.example', undefined, /not on the Harbor URL's origin/],
    ['http://h.example/t', 'https://h.example', undefined, /in clear/],
    ['https://token.example/t', 'https://h.example', ['https://token.example/'], undefined],
    ['http://token.example/t', 'https://h.example', ['https://token.example'], /in clear/],
    ['https://evil.example/t', 'https://h.example', ['https://token.example'], /not on the Harbor URL's origin/],
  ])('untrustedRealmReason(%s, harbor %s, trusted %j)', (realm, url, trustedRealms, expected) => {
    const t = testContext({ harbor: { url, ...(trustedRealms ? { trustedRealms } : {}) } }).target;
    const r = untrustedRealmReason(t, new URL(realm));
    if (expected) expect(r).toMatch(expected);
    else expect(r).toBeUndefined();
  });
});
