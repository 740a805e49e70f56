import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarborEmulator, type EmulatorConfig, type RunningEmulator } from '../../../fixtures/sandbox/harbor-emulator/server.ts';
import { freePort, pushImage, startRegistry, type TestRegistry } from '../../registry/test-registry.ts';
import { imagePullChecks } from '../image-pull/index.ts';
import { robotAuthChecks } from '../robot-auth/index.ts';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { harborChecks } from './index.ts';

/**
 * How the tool reads real Harbor v2.13.5 where it differs from what the emulator used to answer
 * (/work/shared/harbor/building.md, "Where the emulator differed from real Harbor"). The emulator
 * now answers as real Harbor does in each respect (fixtures/sandbox/harbor-emulator/contract.test.ts
 * pins the wire texts); these rows pin what the checks conclude from them. Real components:
 * Debian's docker-registry behind the emulator, plain HTTP on loopback.
 */
const ADMIN = 'Adm1n-Passw0rd';
const SECRET = 'Rob0t-Secret-123';
let registry: TestRegistry;
const emus: Record<string, RunningEmulator> = {};

process.env.UNUSED_ROBOT ??= 'unused-env-robot';
process.env.UNUSED_ADMIN ??= 'unused-env-admin';

async function emulator(extra: Partial<EmulatorConfig>): Promise<RunningEmulator> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startHarborEmulator({
    host: '127.0.0.1',
    port,
    externalUrl: url,
    registryUpstream: registry.url,
    ...(registry.auth ? { registryUsername: registry.username!, registryPassword: registry.password! } : {}),
    adminPassword: ADMIN,
    projects: [
      { name: 'secure', public: false, metadata: { auto_scan: true, prevent_vul: true, severity: 'high' } },
      { name: 'notation', public: false, metadata: { auto_scan: true, prevent_vul: true, severity: 'high', enable_content_trust: true } },
      { name: 'cosign', public: false, metadata: { auto_scan: true, prevent_vul: true, severity: 'high', enable_content_trust_cosign: true } },
    ],
    robots: [{ name: 'k8s-robot', level: 'system', secret: SECRET, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] }],
    scans: { 'secure/vulnerable:1.0': { severity: 'Critical', summary: { Critical: 1 }, cves: ['CVE-2024-0001'] } },
    ...extra,
  });
}

beforeAll(async () => {
  registry = await startRegistry();
  const push = { base: registry.url, ...(registry.auth ? { authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` } : {}) };
  await pushImage(push, 'secure/vulnerable', '1.0', 'amd64');
  await pushImage(push, 'notation/app', '1.0', 'amd64');
  await pushImage(push, 'cosign/app', '1.0', 'amd64');
  emus.scanner = await emulator({ scanner: { name: 'sandbox-adapter' } });
  emus.noScanner = await emulator({});
  emus.registryDown = await emulator({ scanner: { name: 'sandbox-adapter' }, registryUpstream: `http://127.0.0.1:${await freePort()}`, upstreamTimeoutMs: 2000 });
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(emus).map((e) => e.close()));
  await registry?.stop();
});

function ctxFor(e: RunningEmulator, opts: { image: string; admin?: boolean; projects?: string[] }) {
  const host = new URL(e.url).host;
  return testContext(
    {
      harbor: { url: e.url, trustedRealms: [e.url], projects: opts.projects ?? [], ...(opts.admin === false ? {} : { admin: { username: 'admin', password: { env: 'UNUSED_ADMIN' } } }) },
      robot: { name: 'robot$k8s-robot', secret: { env: 'UNUSED_ROBOT' } },
      images: [{ ref: `${host}/${opts.image}`, platforms: ['linux/amd64'] }],
      nodes: { platforms: ['linux/amd64'] },
      timeouts: { connectMs: 3000, requestMs: 5000, runMs: 60_000 },
    },
    { robotSecret: SECRET, ...(opts.admin === false ? {} : { adminPassword: ADMIN }) },
  );
}

async function run(ctx: ReturnType<typeof ctxFor>) {
  const results = await runChecks([...robotAuthChecks, ...imagePullChecks, ...harborChecks], ctx);
  for (const r of results) if (r.status === 'errored') throw new Error(`${r.suite}/${r.id} errored: ${r.reason}`);
  const map = Object.fromEntries(Object.entries(causesByCheck(results.map((r) => ({ ...r, id: `${r.suite}/${r.id}` })))).filter(([, v]) => v.length));
  return { map, results, findings: results.flatMap((r) => r.findings) };
}

/** Texts a reader sees must not carry template debris or made-up values. */
function expectReadable(findings: { title: string; message: string }[]): void {
  for (const f of findings) for (const t of [f.title, f.message]) expect(t).not.toMatch(/a component|component a|\bundefined\b|\bnull\b|\(\s*\)|\{\w+[|}]|\[\[/);
}

describe('the tool against real Harbor v2.13.5 semantics (building.md differences 2, 3, 4, 8, 9)', () => {
  it.each([
    // Difference 2 (src/controller/scan/checker.go): no scanner → prevent_vul skipped, the pull succeeds;
    // the posture check says the policy is not enforced.
    ['prevent_vul without a scanner', 'noScanner', 'secure/vulnerable:1.0', {
      'harbor/project-posture': ['harbor.vulnerability-policy-unenforced'],
    }, /Project secure has "Prevent vulnerable images from running" \(severity high\) on, but Harbor has no scanner for it, so vulnerable images are served/],
    // With a scanner and a critical finding: 412 with the vulnerability text.
    ['prevent_vul with a scanner', 'scanner', 'secure/vulnerable:1.0', {
      'image-pull/policy': ['image.policy-vulnerability'],
    }, /cannot be pulled due to configured policy/],
    // Difference 3 (src/server/middleware/contenttrust/contentrust.go): enable_content_trust is Notation.
    ['enable_content_trust (Notation), unsigned image', 'scanner', 'notation/app:1.0', {
      'image-pull/policy': ['image.policy-unsigned'],
      'harbor/content-trust': ['harbor.content-trust-enforced'],
    }, /The image is not signed by notation\./],
    // Difference 4: cosign's text.
    ['enable_content_trust_cosign, unsigned image', 'scanner', 'cosign/app:1.0', {
      'image-pull/policy': ['image.policy-unsigned'],
      'harbor/content-trust': ['harbor.content-trust-enforced'],
    }, /The image is not signed by cosign\./],
  ] as const)('%s', async (_n, which, image, expected, text) => {
    const { map, findings } = await run(ctxFor(emus[which]!, { image }));
    expect(map).toEqual(expected);
    expect(findings.map((f) => f.message).join('\n')).toMatch(text);
    expectReadable(findings);
  });

  it('content trust findings name the signer Harbor enforces', async () => {
    const { findings } = await run(ctxFor(emus.scanner!, { image: 'notation/app:1.0', projects: ['notation', 'cosign'] }));
    expect(findings.filter((f) => f.cause === 'harbor.content-trust-enforced').map((f) => f.message)).toEqual([
      'Project notation only serves images signed by notation: an unsigned image fails to pull with HTTP 412',
      'Project cosign only serves images signed by cosign: an unsigned image fails to pull with HTTP 412',
    ]);
  });

  // Difference 8: with the registry down, core answers a manifest request with 502 and an empty
  // body; /health names the registry. Every message must read well (it used to read
  // "reports component a component 502").
  it('registry down: harbor.unhealthy, readable, from health and from the pull', async () => {
    const { map, findings } = await run(ctxFor(emus.registryDown!, { image: 'secure/vulnerable:1.0' }));
    expect(map['harbor/health']).toEqual(['harbor.unhealthy']);
    const health = findings.find((f) => f.cause === 'harbor.unhealthy' && f.check === 'harbor/health');
    expect(health?.message).toMatch(/^Harbor on 127\.0\.0\.1:\d+ is unhealthy: its registry component reports unhealthy \(failed to check health: /);
    const pull = findings.filter((f) => f.check?.startsWith('image-pull/'));
    expect(pull.map((f) => `${f.check} ${f.cause}: ${f.message}`)).toEqual([`image-pull/manifest harbor.unhealthy: Harbor on ${new URL(emus.registryDown!.url).host} is unhealthy; it answered HTTP 502`]);
    expectReadable(findings);
  });

  // Difference 9 (src/server/v2.0/handler/systeminfo.go): anonymous systeminfo has no
  // harbor_version (nor the URLs). That is "not disclosed", never a finding of a wrong version,
  // and never a pass of a comparison that was not made.
  it.each([
    ['anonymous', false, 'not-checked', 'not disclosed to anonymous users'],
    ['admin', true, 'passed', 'v2.13.5-emulator'],
  ] as const)('systeminfo as %s (admin configured: %s): %s, version "%s", no finding', async (_n, admin, status, version) => {
    const { results } = await run(ctxFor(emus.scanner!, { image: 'cosign/app:1.0', admin }));
    const si = results.find((r) => r.suite === 'harbor' && r.id === 'systeminfo')!;
    expect(si.status).toBe(status);
    expect(si.findings).toEqual([]);
    expect(si.evidence).toMatchObject({ systeminfo: { harbor_version: version } });
    if (!admin) expect(si.reason).toMatch(/no external_url or registry_url to anonymous users \(version not disclosed to anonymous users either\): configure harbor\.admin/);
  });
});
