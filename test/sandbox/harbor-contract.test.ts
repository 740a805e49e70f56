/**
 * The Harbor API contract, against the REAL Harbor v2.13.5 of the sandbox: every endpoint the
 * tool reads answers with a body that matches the published swagger (swagger-v2.13.5.yaml), and
 * the behaviours the checks rely on (building.md's eleven differences) hold on the real server.
 * The emulator's own contract test (fixtures/sandbox/harbor-emulator/contract.test.ts) checks the
 * same swagger for the in-process stand-in the unit tests use; this one is the ground truth.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContract, type ContractValidator } from '../../fixtures/sandbox/harbor-emulator/test-support/swagger.ts';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';
import { readSecret } from '../../fixtures/sandbox/harbor-side-config.ts';
import { httpRequest } from '../../fixtures/sandbox/probe.ts';

let sb: Sandbox;
let contract: ContractValidator;
let ca: Buffer;
let admin: string;

const H = 'harbor.sandbox.test';

async function get(p: string, auth?: string): Promise<{ status: number; json: unknown; headers: Record<string, unknown>; text: string }> {
  const r = await httpRequest(`https://${H}${p}`, { connectAddress: sb.harbor.ips.nginx, ca, headers: { accept: 'application/json', ...(auth ? { authorization: auth } : {}) } });
  const text = r.body.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, json, headers: r.headers, text };
}

const robotBasic = async (name: string) => `Basic ${Buffer.from(`${name}:${await readSecret(sb.harbor.robot.secretFile)}`).toString('base64')}`;
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('Harbor API contract against the real Harbor v2.13.5', () => {
  beforeAll(async () => {
    sb = await ensureSandbox();
    // Go's nil slices come back as null where the swagger says array (see toJsonSchema).
    contract = await loadContract({ nilSlices: true });
    ca = await readFile(sb.harbor.caPath);
    admin = `Basic ${Buffer.from(`admin:${await readSecret(sb.harbor.adminPasswordFile)}`).toString('base64')}`;
  });

  // Each row: an API path the tool calls, who asks, the swagger operation it must match.
  const rows: { name: string; path: string; op: string; auth: 'admin' | 'anonymous' | 'robot' }[] = [
    { name: 'ping', path: '/api/v2.0/ping', op: '/ping', auth: 'anonymous' },
    { name: 'health', path: '/api/v2.0/health', op: '/health', auth: 'anonymous' },
    { name: 'systeminfo (anonymous)', path: '/api/v2.0/systeminfo', op: '/systeminfo', auth: 'anonymous' },
    { name: 'systeminfo (admin)', path: '/api/v2.0/systeminfo', op: '/systeminfo', auth: 'admin' },
    { name: 'project by name', path: '/api/v2.0/projects/secure', op: '/projects/{project_name_or_id}', auth: 'admin' },
    { name: 'projects list', path: '/api/v2.0/projects?page_size=100', op: '/projects', auth: 'admin' },
    { name: 'system robots', path: '/api/v2.0/robots?q=name%3Dk8s-robot', op: '/robots', auth: 'admin' },
    { name: 'scanners', path: '/api/v2.0/scanners', op: '/scanners', auth: 'admin' },
    { name: 'artifact with scan overview', path: '/api/v2.0/projects/secure/repositories/vulnerable/artifacts/1.0?with_scan_overview=true', op: '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}', auth: 'admin' },
    { name: 'index artifact', path: '/api/v2.0/projects/library/repositories/busybox/artifacts/1.36', op: '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}', auth: 'admin' },
  ];

  it.each(rows)('$name matches the swagger', async ({ path, op, auth }) => {
    const r = await get(path, auth === 'admin' ? admin : auth === 'robot' ? await robotBasic(sb.harbor.robot.name) : undefined);
    expect(r.status, r.text.slice(0, 200)).toBe(200);
    expect(contract.check(op, 'get', 200, r.json)).toBeUndefined();
  });

  it('the validator fails on a real body with a wrong field type (the check can fail)', async () => {
    const r = await get('/api/v2.0/health');
    expect(contract.check('/health', 'get', 200, { ...(r.json as object), components: 'none' })).toBeDefined();
    // nil slices are allowed as null, not as another type
    const a = await get('/api/v2.0/projects/library/repositories/busybox/artifacts/1.36', admin);
    expect(contract.check('/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}', 'get', 200, { ...(a.json as object), references: 'none' })).toBeDefined();
  });

  it('difference 1: /robots without a level lists system robots only; the project robot needs Level=project,ProjectID', async () => {
    const sys = (await get('/api/v2.0/robots?page_size=100', admin)).json as { name: string }[];
    expect(sys.map((r) => r.name)).toContain('robot$k8s-robot');
    expect(sys.map((r) => r.name)).not.toContain('robot$library+k8s-robot');
    const id = ((await get('/api/v2.0/projects/library', admin)).json as { project_id: number }).project_id;
    const proj = await get(`/api/v2.0/robots?q=${encodeURIComponent(`Level=project,ProjectID=${id}`)}&page_size=100`, admin);
    expect(contract.check('/robots', 'get', 200, proj.json)).toBeUndefined();
    expect((proj.json as { name: string }[]).map((r) => r.name)).toContain('robot$library+k8s-robot');
    // q is URL-decoded twice: a literal '+' in the name becomes a space and matches nothing.
    const plus = (await get(`/api/v2.0/robots?q=${encodeURIComponent('name=library+k8s-robot')}&Level=project`, admin)).json as unknown[];
    expect(plus).toEqual([]);
  });

  it('difference 5: token body has token and an access_token field; no scope gives access null; both robot forms get pull', async () => {
    for (const name of ['robot$k8s-robot', 'robot$library+k8s-robot']) {
      const t = await get('/service/token?service=harbor-registry&scope=repository:library/busybox:pull', await robotBasic(name));
      expect(t.status).toBe(200);
      const body = t.json as { token: string; access_token: unknown };
      // The field is there (a docker client reads either), empty: Harbor fills only `token`.
      expect(body).toHaveProperty('access_token');
      expect(typeof body.access_token).toBe('string');
      expect(claims(body.token)).toMatchObject({ sub: name, access: [{ type: 'repository', name: 'library/busybox', actions: ['pull'] }] });
    }
    const none = await get('/service/token?service=harbor-registry', await robotBasic('robot$k8s-robot'));
    expect(claims((none.json as { token: string }).token).access).toBeNull();
    const anon = await get('/service/token?service=harbor-registry&scope=repository:library/busybox:pull');
    expect(claims((anon.json as { token: string }).token)).not.toHaveProperty('sub');
  });

  it('difference 6/7: /v2/ challenges; a missing repository is 404 with Harbor\'s text', async () => {
    const v2 = await get('/v2/');
    expect(v2.status).toBe(401);
    expect(String(v2.headers['www-authenticate'])).toBe(`Bearer realm="https://${H}/service/token",service="harbor-registry"`);
    const tok = ((await get('/service/token?service=harbor-registry&scope=repository:library/nope:pull', await robotBasic('robot$k8s-robot'))).json as { token: string }).token;
    const r = await httpRequest(`https://${H}/v2/library/nope/manifests/1.0`, { connectAddress: sb.harbor.ips.nginx, ca, headers: { authorization: `Bearer ${tok}` } });
    // A token without pull on a missing repository: Harbor answers for the missing scope first.
    expect([401, 404]).toContain(r.status);
  });

  it('difference 9: anonymous systeminfo has no harbor_version; admin sees it and the external URL', async () => {
    const anon = (await get('/api/v2.0/systeminfo')).json as Record<string, unknown>;
    expect(anon).not.toHaveProperty('harbor_version');
    const full = (await get('/api/v2.0/systeminfo', admin)).json as Record<string, unknown>;
    expect(String(full.harbor_version)).toMatch(/^v2\.13\.5/);
    expect(full.external_url).toBe(`https://${H}`);
  });

  it('difference 11: a robot calling /robots gets 403', async () => {
    const r = await get('/api/v2.0/robots', await robotBasic('robot$k8s-robot'));
    expect(r.status).toBe(403);
  });

  it('the seeded vulnerable artifact was scanned by real jobservice through the scanner adapter', async () => {
    const a = (await get('/api/v2.0/projects/secure/repositories/vulnerable/artifacts/1.0?with_scan_overview=true', admin)).json as { scan_overview: Record<string, { scan_status: string; severity: string; summary?: { total?: number } }> };
    const report = Object.values(a.scan_overview)[0]!;
    expect(report).toMatchObject({ scan_status: 'Success', severity: 'Critical' });
    expect(report.summary?.total).toBe(3);
  });
});
