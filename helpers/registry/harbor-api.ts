import type { CheckContext } from '../checks/check.ts';
import { adminCredentials, untrustedRealmReason, type Credentials } from './auth.ts';
import { evidenceHeaders, harborUrl, httpRequest, TransportError, type TransportFailure } from './http.ts';

/** Read-only Harbor API v2.0 calls (swagger v2.13.5) the checks need. */

export type ApiOutcome<T> =
  | { ok: true; status: number; json: T; headers: Record<string, string>; ms: number }
  | { ok: false; status: number; headers: Record<string, string>; bodySnippet: string; ms: number }
  | { ok: false; status: 0; failure: TransportFailure };

/** GET /api/v2.0<path>; admin credentials when `auth` is true (and configured). */
export async function harborGet<T>(ctx: CheckContext, path: string, opts: { auth?: boolean; text?: boolean } = {}): Promise<ApiOutcome<T>> {
  const url = new URL(`/api/v2.0${path}`, harborUrl(ctx.target));
  const headers: Record<string, string> = { accept: opts.text ? 'text/plain' : 'application/json' };
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

/**
 * Looks the robot up by name (admin credentials), memoised per run. `robot: undefined` with
 * ok=true means no such robot.
 */
export function lookupRobot(ctx: CheckContext, fullName: string): Promise<{ ok: true; robot: HarborRobot | undefined } | { ok: false; outcome: ApiOutcome<unknown> }> {
  return ctx.once(`harbor:robot:${fullName}`, async () => {
    const q = encodeURIComponent(`name=${robotStoredName(fullName)}`);
    const r = await harborGet<HarborRobot[]>(ctx, `/robots?q=${q}&page_size=100`, { auth: true });
    if (!r.ok || !Array.isArray(r.json)) return { ok: false as const, outcome: r };
    const robot = r.json.find((x) => x.name === fullName) ?? r.json.find((x) => robotStoredName(x.name) === robotStoredName(fullName));
    return { ok: true as const, robot };
  });
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

/** GET /systeminfo, memoised. */
export function getSystemInfo(ctx: CheckContext): Promise<ApiOutcome<{ external_url?: string; registry_url?: string; harbor_version?: string; auth_mode?: string }>> {
  return ctx.once('harbor:systeminfo', () => harborGet(ctx, '/systeminfo', { auth: Boolean(adminCredentials(ctx)) }));
}
