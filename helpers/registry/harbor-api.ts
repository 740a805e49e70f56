import type { CheckContext } from '../checks/check.ts';
import { adminCredentials, untrustedRealmReason, type Credentials } from './auth.ts';
import { evidenceHeaders, harborUrl, httpRequest, TransportError, type TransportFailure } from './http.ts';

/** Read-only Harbor API v2.0 calls (swagger v2.13.5) the checks need. */

export type ApiOutcome<T> =
  | { ok: true; status: number; json: T; headers: Record<string, string>; ms: number }
  | { ok: false; status: number; headers: Record<string, string>; bodySnippet: string; ms: number }
  | { ok: false; status: 0; failure: TransportFailure };

/** GET /api/v2.0<path>; admin credentials when `auth` is true (and configured). */
export async function harborGet<T>(ctx: CheckContext, path: string, opts: { auth?: boolean; text?: boolean; accept?: string } = {}): Promise<ApiOutcome<T>> {
  const url = new URL(`/api/v2.0${path}`, harborUrl(ctx.target));
  const headers: Record<string, string> = { accept: opts.accept ?? (opts.text ? 'text/plain' : 'application/json') };
  const creds: Credentials | undefined = opts.auth ? adminCredentials(ctx) : undefined;
  // The admin password follows the credential realm rule too (https on the Harbor origin, or trusted).
  const untrusted = creds ? untrustedRealmReason(ctx.target, url) : undefined;
  if (untrusted) return { ok: false, status: 0, failure: { cause: 'auth.realm-untrusted', kind: 'other', detail: `admin credentials for ${url.origin}/api/v2.0 withheld: ${untrusted}` } };
  if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  try {
    const res = await httpRequest(ctx, url, { headers, maxBytes: 1 << 20 });
    const ms = Math.round(res.totalMs);
    const text = res.body.toString('utf8');
    if (res.status >= 200 && res.status < 300 && !res.truncated) {
      if (opts.text) return { ok: true, status: res.status, json: text as T, headers: evidenceHeaders(res.headers), ms };
      try {
        return { ok: true, status: res.status, json: JSON.parse(text) as T, headers: evidenceHeaders(res.headers), ms };
      } catch {
        /* not JSON: reported as a failed answer */
      }
    }
    return { ok: false, status: res.status, headers: evidenceHeaders(res.headers), bodySnippet: text.slice(0, 256), ms };
  } catch (err) {
    if (err instanceof TransportError) return { ok: false, status: 0, failure: err.failure };
    throw err;
  }
}

export type HarborHealth = { status?: string; components?: { name?: string; status?: string; error?: string }[] };

/** GET /api/v2.0/health, once per run (harbor/health and the checks that explain a slow or failed pull by it). */
export function harborHealth(ctx: CheckContext): Promise<ApiOutcome<HarborHealth>> {
  return ctx.once('harbor:health', () => harborGet<HarborHealth>(ctx, '/health'));
}

/**
 * The components on a pull's path (core, registry, database, redis) Harbor itself reports
 * unhealthy; empty when it reports them healthy or cannot be asked.
 */
export async function unhealthyPullPath(ctx: CheckContext): Promise<string[]> {
  const r = await harborHealth(ctx);
  if (!r.ok) return [];
  const comps = Array.isArray(r.json.components) ? r.json.components : [];
  return comps.filter((c) => c.status !== 'healthy' && ['core', 'registry', 'database', 'redis'].includes(c.name ?? '')).map((c) => c.name!);
}

/** Harbor `Robot` (swagger definitions/Robot), the fields we inspect. */
export interface HarborRobot {
  id: number;
  name: string;
  level?: string;
  disable?: boolean;
  /** Unix seconds; -1 = never expires. */
  expires_at?: number;
  duration?: number | null;
  permissions?: { kind?: string; namespace?: string; access?: { resource?: string; action?: string; effect?: string }[] }[];
}

/**
 * The part of a robot name Harbor stores (the API's `q=name=` filter matches it): the name
 * without the `robot$` prefix (`k8s-robot`, `library+ci`).
 */
export function robotStoredName(fullName: string): string {
  const i = fullName.indexOf('$');
  return i >= 0 ? fullName.slice(i + 1) : fullName;
}

/** A project robot's full name `robot$<project>+<name>`: its project, else undefined (system robot). */
export function robotProject(fullName: string): string | undefined {
  const stored = robotStoredName(fullName);
  const plus = stored.indexOf('+');
  return plus > 0 ? stored.slice(0, plus) : undefined;
}

export type RobotLookup =
  | { ok: true; robot: HarborRobot | undefined; query: string; project?: string }
  | { ok: false; outcome: ApiOutcome<unknown>; query: string };

const ROBOT_PAGE = 100;
const ROBOT_PAGES_MAX = 10;

/**
 * Looks the robot up by its full name (admin credentials), memoised per run. `robot: undefined`
 * with ok=true means Harbor lists no such robot.
 *
 * Real Harbor (building.md, difference 1; src/server/v2.0/handler/robot.go ListRobot): without
 * `Level`, /robots lists system robots only; project robots are listed with
 * `q=Level=project,ProjectID=<id>`, the id read from GET /projects/<name>. `q` is URL-decoded a
 * second time by Harbor (src/lib/q/builder.go), so a `+` in a name would arrive as a space: the
 * query never carries a project robot's name; the full name is matched here, page by page.
 */
export function lookupRobot(ctx: CheckContext, fullName: string): Promise<RobotLookup> {
  return ctx.once(`harbor:robot:${fullName}`, async (): Promise<RobotLookup> => {
    const project = robotProject(fullName);
    let q: string;
    if (project) {
      const p = await getProject(ctx, project);
      if (!p.ok) return { ok: false, outcome: p, query: `/projects/${project}` };
      if (typeof p.json.project_id !== 'number') return { ok: true, robot: undefined, query: `/projects/${project}`, project };
      q = `Level=project,ProjectID=${p.json.project_id}`;
    } else {
      // System robot names have no "+" (Harbor's robot name rule), so the name filter is safe.
      q = `Level=system,name=${robotStoredName(fullName)}`;
    }
    for (let page = 1; page <= ROBOT_PAGES_MAX; page++) {
      const r = await harborGet<HarborRobot[]>(ctx, `/robots?q=${encodeURIComponent(q)}&page=${page}&page_size=${ROBOT_PAGE}`, { auth: true });
      if (!r.ok || !Array.isArray(r.json)) return { ok: false, outcome: r, query: q };
      const robot = r.json.find((x) => x.name === fullName);
      if (robot) return { ok: true, robot, query: q, ...(project ? { project } : {}) };
      const total = Number(r.headers['x-total-count'] ?? NaN);
      if (r.json.length < ROBOT_PAGE || !(total > page * ROBOT_PAGE)) break;
    }
    return { ok: true, robot: undefined, query: q, ...(project ? { project } : {}) };
  });
}

/** The first message of Harbor's error envelope `{"errors":[{"code","message"}]}`, if any. */
export function harborErrorMessage(body: string): string | undefined {
  try {
    const j = JSON.parse(body) as { errors?: { message?: unknown }[] };
    const m = j.errors?.[0]?.message;
    return typeof m === 'string' && m.trim() ? m.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Robot facts safe for evidence (no secret). */
export function robotEvidence(r: HarborRobot): Record<string, unknown> {
  return { id: r.id, name: r.name, level: r.level, disable: r.disable, expires_at: r.expires_at, duration: r.duration, permissions: r.permissions };
}

/** Does the robot's permission list grant pull on `project`? */
export function robotGrantsPull(r: HarborRobot, project: string): boolean {
  return (r.permissions ?? []).some(
    (p) =>
      (p.kind ?? 'project') === 'project' &&
      (p.namespace === '*' || p.namespace === project) &&
      (p.access ?? []).some((a) => a.resource === 'repository' && a.action === 'pull' && (a.effect ?? 'allow') !== 'deny'),
  );
}

/** Harbor `Project` subset. */
export interface HarborProject {
  project_id?: number;
  name: string;
  metadata?: Record<string, string | undefined>;
}

/** GET /projects/{name} (admin when configured), memoised. */
export function getProject(ctx: CheckContext, name: string): Promise<ApiOutcome<HarborProject>> {
  return ctx.once(`harbor:project:${name}`, () => harborGet<HarborProject>(ctx, `/projects/${encodeURIComponent(name)}`, { auth: true }));
}

/** swagger ScannerRegistration, the fields we show. */
export interface HarborScanner {
  name?: string;
  uuid?: string;
  url?: string;
  disabled?: boolean;
  is_default?: boolean;
  health?: string;
}

/**
 * GET /projects/{id}/scanner (admin), memoised: the project's scanner or the default one.
 * With no scanner at all Harbor answers 200 with an empty body (GetScannerOfProject writes a nil
 * payload), read here as `scanner: undefined`.
 */
export function getProjectScanner(ctx: CheckContext, project: HarborProject): Promise<{ ok: true; scanner: HarborScanner | undefined } | { ok: false; outcome: Extract<ApiOutcome<unknown>, { ok: false }> }> {
  return ctx.once(`harbor:scanner:${project.name}`, async () => {
    const path = typeof project.project_id === 'number' ? `/projects/${project.project_id}/scanner` : `/projects/${encodeURIComponent(project.name)}/scanner`;
    const r = await harborGet<string>(ctx, path, { auth: true, text: true, accept: 'application/json' });
    if (!r.ok) return { ok: false as const, outcome: r };
    const text = r.json.trim();
    if (text === '' || text === 'null') return { ok: true as const, scanner: undefined };
    try {
      const j = JSON.parse(text) as HarborScanner | null;
      return { ok: true as const, scanner: j && (j.name || j.uuid) ? j : undefined };
    } catch {
      return { ok: false as const, outcome: { ok: false as const, status: r.status, headers: r.headers, bodySnippet: text.slice(0, 256), ms: r.ms } };
    }
  });
}

/** GET /systeminfo, memoised. */
export function getSystemInfo(ctx: CheckContext): Promise<ApiOutcome<{ external_url?: string; registry_url?: string; harbor_version?: string; auth_mode?: string }>> {
  return ctx.once('harbor:systeminfo', () => harborGet(ctx, '/systeminfo', { auth: Boolean(adminCredentials(ctx)) }));
}
