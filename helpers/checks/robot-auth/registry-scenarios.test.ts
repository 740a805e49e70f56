import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarborEmulator, type EmulatorConfig, type RunningEmulator } from '../../../fixtures/sandbox/harbor-emulator/server.ts';
import { freePort, pushImage, pushIndex, startRegistry, type TestRegistry } from '../../registry/test-registry.ts';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { harborChecks } from '../harbor/index.ts';
import { imagePullChecks } from '../image-pull/index.ts';
import { robotAuthChecks } from './index.ts';

/**
 * Scenario table against real components: Debian's docker-registry behind the Harbor core
 * emulator (in-process), plain HTTP on loopback. Exact cause ids per check are asserted.
 */
const ADMIN = 'Adm1n-Passw0rd';
const SECRET = 'Rob0t-Secret-123';
let registry: TestRegistry;
let emu: RunningEmulator;
let unhealthy: RunningEmulator;
let badRealm: RunningEmulator;
/** The origin badRealm advertises as its token realm (a closed loopback port). */
let badRealmOrigin: string;
const servers: net.Server[] = [];

function config(url: string, reg: TestRegistry, extra: Partial<EmulatorConfig> = {}): EmulatorConfig {
  const now = Math.floor(Date.now() / 1000);
  const pull = (ns: string) => [{ kind: 'project' as const, namespace: ns, access: [{ resource: 'repository', action: 'pull' }] }];
  return {
    host: '127.0.0.1',
    port: Number(new URL(url).port),
    externalUrl: url,
    registryUpstream: reg.url,
    ...(reg.auth ? { registryUsername: reg.username!, registryPassword: reg.password! } : {}),
    adminPassword: ADMIN,
    projects: [
      { name: 'library', public: false, metadata: { auto_scan: true, prevent_vul: false } },
      { name: 'secure', public: false, metadata: { auto_scan: true, prevent_vul: true, severity: 'high' } },
    ],
    robots: [
      { name: 'k8s-robot', level: 'system', secret: SECRET, permissions: pull('*') },
      { name: 'off-robot', level: 'system', secret: SECRET, disabled: true, permissions: pull('*') },
      { name: 'old-robot', level: 'system', secret: SECRET, expiresAt: now - 86_400, permissions: pull('*') },
      { name: 'soon-robot', level: 'system', secret: SECRET, expiresAt: now + 3 * 86_400, permissions: pull('*') },
      { name: 'secure-only', level: 'system', secret: SECRET, permissions: pull('secure') },
      // Project robots, robot$library+<name> (the form Harbor 2.x creates per project).
      { name: 'k8s-robot', level: 'project', secret: SECRET, permissions: pull('library') },
      { name: 'off-robot', level: 'project', secret: SECRET, disabled: true, permissions: pull('library') },
      { name: 'old-robot', level: 'project', secret: SECRET, expiresAt: now - 86_400, permissions: pull('library') },
      { name: 'soon-robot', level: 'project', secret: SECRET, expiresAt: now + 3 * 86_400, permissions: pull('library') },
      { name: 'push-only', level: 'project', secret: SECRET, permissions: [{ kind: 'project', namespace: 'library', access: [{ resource: 'repository', action: 'push' }] }] },
    ],
    scans: { 'secure/vulnerable:1.0': { severity: 'Critical', summary: { Critical: 1 }, cves: ['CVE-2024-0001'] } },
    scanner: { name: 'sandbox-adapter' },
    ...extra,
  };
}

// parseTarget resolves secret sources; the checks use the in-memory secrets given to testContext.
process.env.UNUSED_ROBOT ??= 'unused-env-robot';
process.env.UNUSED_ADMIN ??= 'unused-env-admin';

beforeAll(async () => {
  registry = await startRegistry();
  const push = { base: registry.url, ...(registry.auth ? { authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` } : {}) };
  await pushIndex(push, 'library/busybox', '1.36', ['amd64', 'arm64']);
  await pushImage(push, 'library/amd64only', '1.0', 'amd64');
  await pushImage(push, 'secure/vulnerable', '1.0', 'amd64');
  const port = await freePort();
  emu = await startHarborEmulator(config(`http://127.0.0.1:${port}`, registry));
  const p2 = await freePort();
  unhealthy = await startHarborEmulator(config(`http://127.0.0.1:${p2}`, registry, { healthOverrides: { redis: 'unhealthy' } }));
  const p3 = await freePort();
  const closed = await freePort();
  badRealmOrigin = `http://127.0.0.1:${closed}`;
  badRealm = await startHarborEmulator({ ...config(`http://127.0.0.1:${p3}`, registry), externalUrl: badRealmOrigin });
}, 60_000);

afterAll(async () => {
  for (const s of servers) s.close();
  await Promise.all([emu?.close(), unhealthy?.close(), badRealm?.close()]);
  await registry?.stop();
});

const BUSY = () => `127.0.0.1:${new URL(emu.url).port}/library/busybox:1.36`;
const img = (path: string, e = emu) => `127.0.0.1:${new URL(e.url).port}/${path}`;

function ctxFor(opts: { robot?: string; secret?: string; admin?: boolean; images?: { ref: string; platforms?: string[] }[]; url?: string; nodes?: string[]; timeouts?: Record<string, number>; trustedRealms?: string[] }) {
  return testContext(
    {
      // The loopback servers speak plain HTTP: trusting their origins is the explicit opt-in the
      // credential realm rule needs (https on the Harbor origin, or listed in trustedRealms).
      harbor: { url: opts.url ?? emu.url, trustedRealms: opts.trustedRealms ?? [...new Set([opts.url ?? emu.url, emu.url])], ...(opts.admin ? { admin: { username: 'admin', password: { env: 'UNUSED_ADMIN' } } } : {}) },
      ...(opts.robot ? { robot: { name: opts.robot, secret: { env: 'UNUSED_ROBOT' } } } : {}),
      images: opts.images ?? [{ ref: BUSY() }],
      nodes: { platforms: opts.nodes ?? ['linux/amd64', 'linux/arm64'] },
      // Default requestMs (5 s): the emulator's pull path answers in milliseconds
      // (fixtures/sandbox/harbor-emulator/latency.test.ts).
      timeouts: opts.timeouts ?? { connectMs: 3000, requestMs: 5000, runMs: 120_000 },
    },
    { ...(opts.robot ? { robotSecret: opts.secret ?? SECRET } : {}), ...(opts.admin ? { adminPassword: ADMIN } : {}) },
  );
}

// harbor/config lints a harbor.yml file (helpers/harbor-config/harbor-config.test.ts); these
// scenarios are about the live registry and API.
const HARBOR_API_CHECKS = harborChecks.filter((c) => c.id !== 'config');
const ALL = [...robotAuthChecks, ...imagePullChecks, ...HARBOR_API_CHECKS];
/** Non-empty cause lists only, for compact assertions. */
async function causes(ctx: ReturnType<typeof ctxFor>, checks = ALL) {
  const results = await runChecks(checks, ctx);
  for (const r of results) if (r.status === 'errored') throw new Error(`${r.suite}/${r.id} errored: ${r.reason}`);
  const out = causesByCheck(results.map((r) => ({ ...r, id: `${r.suite}/${r.id}` })));
  // Not-checked checks: `suite/id` → "kind" or "blocked by CAUSE".
  const notChecked = Object.fromEntries(results.filter((r) => r.status === 'not-checked').map((r) => [`${r.suite}/${r.id}`, r.blockedBy ? `blocked by ${r.blockedBy}` : r.notChecked]));
  return { map: Object.fromEntries(Object.entries(out).filter(([, v]) => v.length)), results, notChecked };
}

describe('robot-auth / image-pull / harbor against docker-registry + Harbor emulator', () => {
  it('healthy: only the info posture finding for library (prevent_vul off); every check judged', async () => {
    const { map, results, notChecked } = await causes(ctxFor({ robot: 'robot$k8s-robot', admin: true }));
    if (map['image-pull/blobs']) console.log('BLOBS', JSON.stringify(results.find((r) => r.id === 'blobs')?.evidence).slice(0, 1500));
    expect(map).toEqual({ 'harbor/project-posture': ['harbor.prevent-vul-off'] });
    expect(notChecked).toEqual({});
    expect(results.every((r) => r.status === 'passed')).toBe(true);
  });

  it.each([
    ['wrong secret, no admin', { robot: 'robot$k8s-robot', secret: 'wrong-secret-1' }, {
      'robot-auth/scope': 'blocked by auth.credentials-invalid', 'robot-auth/expiry': 'not-configured',
      'image-pull/manifest': 'blocked by robot-auth/token', 'image-pull/platforms': 'blocked by robot-auth/token', 'image-pull/blobs': 'blocked by robot-auth/token', 'image-pull/policy': 'blocked by robot-auth/token',
    }],
    ['mangled name "robot"', { robot: 'robot' }, {
      'robot-auth/token': 'blocked by auth.robot-name-mangled', 'robot-auth/scope': 'blocked by auth.robot-name-mangled', 'robot-auth/expiry': 'not-configured',
      'image-pull/manifest': 'blocked by robot-auth/token', 'image-pull/platforms': 'blocked by robot-auth/token', 'image-pull/blobs': 'blocked by robot-auth/token', 'image-pull/policy': 'blocked by robot-auth/token',
    }],
  ])('a check whose precondition failed is not-checked, never passed: %s', async (_n, opts, expected) => {
    const { notChecked, results } = await causes(ctxFor(opts), [...robotAuthChecks, ...imagePullChecks]);
    expect(notChecked).toEqual(expected);
    expect(results.find((r) => r.id === 'manifest')!.reason).toMatch(/grants no pull on library\/busybox \(see robot-auth\/token\)/);
  });

  it.each([
    ['wrong secret, no admin', { robot: 'robot$k8s-robot', secret: 'wrong-secret-1' }, { 'robot-auth/token': ['auth.credentials-invalid'] }],
    ['wrong secret, admin', { robot: 'robot$k8s-robot', secret: 'wrong-secret-1', admin: true }, { 'robot-auth/token': ['auth.credentials-invalid'] }],
    ['mangled name "robot"', { robot: 'robot' }, { 'robot-auth/name-form': ['auth.robot-name-mangled'] }],
    ['mangled name "robot-robot"', { robot: 'robot-robot' }, { 'robot-auth/name-form': ['auth.robot-name-mangled'] }],
    ['disabled robot, admin', { robot: 'robot$off-robot', admin: true }, { 'robot-auth/token': ['auth.robot-disabled'] }],
    ['disabled robot, no admin', { robot: 'robot$off-robot' }, { 'robot-auth/token': ['auth.credentials-invalid'] }],
    ['expired robot, admin', { robot: 'robot$old-robot', admin: true }, { 'robot-auth/token': ['auth.robot-expired'] }],
    ['robot without pull on library, admin', { robot: 'robot$secure-only', admin: true }, { 'robot-auth/token': ['auth.insufficient-scope'] }],
  ])('%s', async (_n, opts, expected) => {
    const { map } = await causes(ctxFor(opts), [...robotAuthChecks, ...imagePullChecks]);
    expect(map).toEqual(expected);
  });

  it.each(['robot$soon-robot', 'robot$library+soon-robot'])('%s, expiring in 3 days → auth.robot-expiring-soon', async (robot) => {
    const { map } = await causes(ctxFor({ robot, admin: true }), robotAuthChecks);
    expect(map).toEqual({ 'robot-auth/expiry': ['auth.robot-expiring-soon'] });
  });

  // building.md, difference 1 (src/server/v2.0/handler/robot.go ListRobot, src/lib/q/builder.go):
  // real Harbor lists project robots only for q=Level=project,ProjectID=<id> and URL-decodes q
  // twice; a lookup by name never found robot$library+..., so these were auth.credentials-invalid
  // and the expiry check passed without a robot.
  it.each([
    ['healthy project robot', 'robot$library+k8s-robot', SECRET, {}, {}],
    ['disabled project robot', 'robot$library+off-robot', SECRET, { 'robot-auth/token': ['auth.robot-disabled'] }, {}],
    ['expired project robot', 'robot$library+old-robot', SECRET, { 'robot-auth/token': ['auth.robot-expired'] }, { 'robot-auth/expiry': 'blocked by auth.robot-expired' }],
    ['project robot without pull', 'robot$library+push-only', SECRET, { 'robot-auth/token': ['auth.insufficient-scope'] }, {}],
    ['project robot, wrong secret', 'robot$library+k8s-robot', 'wrong-secret-1', { 'robot-auth/token': ['auth.credentials-invalid'] }, {}],
    ['project robot that does not exist', 'robot$library+ghost', SECRET, { 'robot-auth/token': ['auth.credentials-invalid'] }, { 'robot-auth/expiry': 'blocked by robot-auth/token' }],
  ])('%s (%s) → its own cause, admin', async (_n, robot, secret, expected, notCheckedExpected) => {
    const { map, results, notChecked } = await causes(ctxFor({ robot, secret, admin: true }), robotAuthChecks);
    expect(map).toEqual(expected);
    const nc = Object.fromEntries(Object.entries(notChecked).filter(([k]) => k === 'robot-auth/expiry'));
    expect(nc).toEqual(notCheckedExpected);
    // The expiry check passes only with the robot record in its evidence.
    const expiry = results.find((r) => r.id === 'expiry')!;
    if (expiry.status === 'passed') expect(expiry.evidence).toMatchObject({ robot: { name: robot } });
  });

  // building.md, difference 11 (src/server/v2.0/handler/base.go RequireSystemAccess): a robot
  // listing robots gets 403 with its own name as the message; the expiry check says who was
  // refused instead of passing or guessing.
  it('harbor.admin set to a robot: the robot lookup is refused (403, its name), expiry not-configured', async () => {
    const ctx = testContext(
      { harbor: { url: emu.url, trustedRealms: [emu.url], admin: { username: 'robot$k8s-robot', password: { env: 'UNUSED_ADMIN' } } }, robot: { name: 'robot$soon-robot', secret: { env: 'UNUSED_ROBOT' } }, images: [{ ref: BUSY() }], nodes: { platforms: ['linux/amd64', 'linux/arm64'] } },
      { robotSecret: SECRET, adminPassword: SECRET },
    );
    const [expiry] = await runChecks(robotAuthChecks.filter((c) => c.id === 'expiry'), ctx);
    expect(expiry?.status).toBe('not-checked');
    expect(expiry?.notChecked).toBe('not-configured');
    expect(expiry?.reason).toMatch(/^the robot record could not be read with harbor\.admin \(HTTP 403, refused for robot\$k8s-robot\)/);
  });

  it('no robot, private project → auth.credentials-missing', async () => {
    const { map } = await causes(ctxFor({}), robotAuthChecks);
    expect(map).toEqual({ 'robot-auth/anonymous': ['auth.credentials-missing'] });
  });

  it.each([
    ['missing tag', () => [{ ref: `${img('library/busybox')}:9.99` }], { 'image-pull/manifest': ['image.not-found'] }],
    // 404 "repository library/nope not found" (building.md, difference 7)
    ['missing repository', () => [{ ref: `${img('library/nope')}:1.0` }], { 'image-pull/manifest': ['image.not-found'] }],
    ['amd64-only on arm64 nodes', () => [{ ref: `${img('library/amd64only')}:1.0` }], { 'image-pull/platforms': ['image.platform-missing'] }],
    ['vulnerable + prevent_vul → 412', () => [{ ref: `${img('secure/vulnerable')}:1.0`, platforms: ['linux/amd64'] }], { 'image-pull/policy': ['image.policy-vulnerability'] }],
    ['invalid reference', () => [{ ref: `${img('Library/busybox')}:1.36` }], { 'image-pull/reference': ['image.invalid-reference'] }],
  ])('%s', async (_n, images, expected) => {
    const { map } = await causes(ctxFor({ robot: 'robot$k8s-robot', images: images() }), imagePullChecks);
    expect(map).toEqual(expected);
  });

  it('health with an unhealthy component', async () => {
    const { map, results } = await causes(ctxFor({ url: unhealthy.url, images: [] }), HARBOR_API_CHECKS);
    expect(map).toEqual({ 'harbor/health': ['harbor.unhealthy'] });
    const f = results.flatMap((r) => r.findings).find((x) => x.cause === 'harbor.unhealthy')!;
    expect(f.message).toBe(`Harbor on ${new URL(unhealthy.url).host} is unhealthy: its redis component reports unhealthy (redis is unhealthy (emulated by healthOverrides))`);
  });

  // nginx in front of Harbor answers 502 with an empty body when the service behind it is down.
  it('a Harbor answering 502 with an empty body: the status is said, nothing is made up', async () => {
    const server = http.createServer((_req, res) => res.writeHead(502, { 'content-length': '0' }).end());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const { results } = await causes(ctxFor({ url, robot: 'robot$k8s-robot', images: [{ ref: `${new URL(url).host}/library/busybox:1.36` }] }));
    const found = results.flatMap((r) => r.findings);
    const api = found.find((x) => x.cause === 'harbor.unreachable')!;
    // The first check to meet it reports it (robot-auth's /v2/ challenge when a robot is configured).
    expect(api.message).toMatch(new RegExp(`^The Harbor API at ${url}/\\S* does not answer as expected \\(HTTP 502\\)`));
    for (const x of found) {
      for (const t of [x.title, x.message, x.remediation.summary, ...x.remediation.steps]) expect(t).not.toMatch(/a component|no further detail|the expected value|\bundefined\b|\(\s*\)|\{\w+[|}]/);
    }
  });

  it('realm on an unreachable loopback port → auth.token-realm-unreachable once', async () => {
    // The realm's origin is trusted here so that only its reachability is under test.
    const { map } = await causes(ctxFor({ url: badRealm.url, trustedRealms: [badRealm.url, badRealmOrigin], robot: 'robot$k8s-robot', images: [{ ref: img('library/busybox:1.36', badRealm) }] }), [...robotAuthChecks, ...imagePullChecks]);
    expect(map).toEqual({ 'robot-auth/challenge': ['auth.token-realm-unreachable'] });
  });

  it('realm on another origin, not trusted → auth.realm-untrusted from the token check, nothing sent', async () => {
    const { map, results } = await causes(ctxFor({ url: badRealm.url, trustedRealms: [badRealm.url], robot: 'robot$k8s-robot', images: [{ ref: img('library/busybox:1.36', badRealm) }] }), [...robotAuthChecks, ...imagePullChecks]);
    // The realm is off the Harbor URL: Harbor's external URL is the root cause (its unreachable
    // realm only a consequence); the withheld robot secret is reported on its own.
    expect(map).toEqual({ 'robot-auth/challenge': ['harbor.external-url-mismatch'], 'robot-auth/token': ['auth.realm-untrusted'] });
    expect(results.find((r) => r.id === 'token')?.findings[0]?.params).toMatchObject({ url: `${badRealmOrigin}/service/token` });
  });

  it('refused port → one net.connection-refused for all three suites', async () => {
    const port = await freePort();
    const { map, results, notChecked } = await causes(ctxFor({ url: `http://127.0.0.1:${port}`, robot: 'robot$k8s-robot', images: [{ ref: `127.0.0.1:${port}/library/busybox:1.36` }] }));
    expect(map).toEqual({ 'robot-auth/challenge': ['net.connection-refused'] });
    expect(results.find((r) => r.id === 'manifest')?.evidence).toMatchObject({ [`127.0.0.1:${port}/library/busybox:1.36`]: { notChecked: { kind: 'blocked', blockedBy: 'net.connection-refused' } } });
    // Everything else could not be judged: not-checked, blocked by the one reported cause.
    expect(Object.entries(notChecked).filter(([, v]) => v !== 'blocked by net.connection-refused')).toEqual([['robot-auth/expiry', 'not-configured'], ['harbor/project-posture', 'not-configured'], ['harbor/content-trust', 'not-configured']]);
    expect(results.filter((r) => r.status === 'passed').map((r) => `${r.suite}/${r.id}`)).toEqual(['robot-auth/name-form', 'image-pull/reference']);
  });

  it('HTML garbage on /v2/ → harbor.unreachable from the challenge', async () => {
    const s = http.createServer((_q, r) => { r.writeHead(200, { 'content-type': 'text/html' }); r.end('<html>welcome to nginx</html>'); });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    // 200 without a challenge is "not token auth"; make it 502 garbage instead
    s.removeAllListeners('request');
    s.on('request', (_q, r) => { r.writeHead(502, { 'content-type': 'text/html' }); r.end('<html>bad gateway</html>'); });
    const { map } = await causes(ctxFor({ url: `http://127.0.0.1:${port}`, robot: 'robot$k8s-robot', images: [] }), robotAuthChecks);
    expect(map).toEqual({ 'robot-auth/challenge': ['harbor.unreachable'] });
  });

  it('hanging endpoint → harbor.unreachable within the short timeout', async () => {
    const s = net.createServer(() => { /* accept and never answer */ });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    const t0 = Date.now();
    const { map } = await causes(ctxFor({ url: `http://127.0.0.1:${port}`, images: [], timeouts: { connectMs: 300, requestMs: 400, runMs: 5000 } }), harborChecks);
    expect(map).toEqual({ 'harbor/ping': ['harbor.unreachable'] });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('digest mismatch through a corrupting proxy → image.pull-interrupted', async () => {
    const up = new URL(emu.url);
    const s = http.createServer((q, r) => {
      const u = http.request({ host: up.hostname, port: up.port, path: q.url, method: q.method, headers: q.headers }, (ur) => {
        const blob = /\/blobs\/sha256:/.test(q.url ?? '');
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => {
          const b = Buffer.concat(chunks);
          if (blob && b.length) b[b.length - 1] = b[b.length - 1]! ^ 0xff;
          r.writeHead(ur.statusCode ?? 500, ur.headers);
          r.end(b);
        });
      });
      q.pipe(u);
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    // Tokens are issued by the emulator (realm = emulator); the registry traffic goes through the proxy.
    const { map } = await causes(ctxFor({ url: `http://127.0.0.1:${port}`, robot: 'robot$k8s-robot', images: [{ ref: `127.0.0.1:${port}/library/busybox:1.36` }] }), imagePullChecks);
    expect(map).toEqual({ 'image-pull/blobs': ['image.pull-interrupted'] });
  });

  it('secrets never reach findings or evidence', async () => {
    const { results } = await causes(ctxFor({ robot: 'robot$k8s-robot', secret: 'wrong-secret-1', admin: true }));
    const text = JSON.stringify(results);
    expect(text).not.toContain('wrong-secret-1');
    expect(text).not.toContain(ADMIN);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
  });
});
