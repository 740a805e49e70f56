import { request } from 'undici';
import type { CheckContext } from '../check.ts';
import { adminCredentials, untrustedRealmReason, type Credentials } from '../../registry/auth.ts';
import type { ApiOutcome } from '../../registry/harbor-api.ts';
import { classifyTransportError, evidenceHeaders, harborUrl, registryDispatcher } from '../../registry/http.ts';

/**
 * The Harbor API calls of the LDAP checks (swagger v2.13.5): the stored configuration, Harbor's
 * own LDAP ping and searches (admin), and an LDAP user's login. Every call is read-only: the ping
 * only binds, the searches only search. Credentials follow the realm rule (https on the Harbor
 * origin, or harbor.trustedRealms) like every other Harbor API call.
 */

/** The LDAP part of `GET /api/v2.0/configurations` (values only; Harbor never returns passwords). */
export interface LdapSettings {
  auth_mode?: string;
  ldap_url?: string;
  ldap_base_dn?: string;
  ldap_filter?: string;
  ldap_uid?: string;
  ldap_scope?: number;
  ldap_search_dn?: string;
  ldap_verify_cert?: boolean;
  ldap_timeout?: number;
  ldap_group_base_dn?: string;
  ldap_group_search_filter?: string;
  ldap_group_attribute_name?: string;
}

const SETTING_KEYS = ['auth_mode', 'ldap_url', 'ldap_base_dn', 'ldap_filter', 'ldap_uid', 'ldap_scope', 'ldap_search_dn', 'ldap_verify_cert', 'ldap_timeout', 'ldap_group_base_dn', 'ldap_group_search_filter', 'ldap_group_attribute_name'] as const;

/** Harbor answers `{key: {value, editable}}`; older answers and the emulator give plain values. */
export function ldapSettingsFrom(json: unknown): LdapSettings {
  const o = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of SETTING_KEYS) {
    const v = o[k];
    const value = v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
    if (value !== undefined && value !== null) out[k] = value;
  }
  return out as LdapSettings;
}

/** One call to /api/v2.0<path> with `creds` (admin by default); never throws for transport faults. */
export async function harborCall<T>(ctx: CheckContext, method: 'GET' | 'POST', path: string, opts: { body?: unknown; creds?: Credentials } = {}): Promise<ApiOutcome<T>> {
  const url = new URL(`/api/v2.0${path}`, harborUrl(ctx.target));
  const creds = opts.creds ?? adminCredentials(ctx);
  const untrusted = creds ? untrustedRealmReason(ctx.target, url) : undefined;
  if (untrusted) return { ok: false, status: 0, failure: { cause: 'auth.realm-untrusted', kind: 'other', detail: `credentials for ${url.origin}/api/v2.0 withheld: ${untrusted}` } };
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'hybrid-doctor' };
  if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const t0 = performance.now();
  try {
    const res = await request(url, {
      dispatcher: registryDispatcher(ctx.target),
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.target.timeouts.requestMs)]),
      headersTimeout: ctx.target.timeouts.requestMs,
      bodyTimeout: ctx.target.timeouts.requestMs,
    });
    const text = (await res.body.text()).slice(0, 1 << 20);
    const hdrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.join(', ') : v;
    const ms = Math.round(performance.now() - t0);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      try {
        return { ok: true, status: res.statusCode, json: (text ? JSON.parse(text) : undefined) as T, headers: evidenceHeaders(hdrs), ms };
      } catch {
        /* not JSON: a failed answer below */
      }
    }
    return { ok: false, status: res.statusCode, headers: evidenceHeaders(hdrs), bodySnippet: text.slice(0, 256), ms };
  } catch (err) {
    return { ok: false, status: 0, failure: classifyTransportError(err, url.hostname) };
  }
}

/** GET /configurations (system admin), memoised for the run. */
export function ldapSettings(ctx: CheckContext): Promise<ApiOutcome<LdapSettings>> {
  return ctx.once('harbor-ldap:settings', async () => {
    const r = await harborCall<unknown>(ctx, 'GET', '/configurations');
    return r.ok ? { ...r, json: ldapSettingsFrom(r.json) } : r;
  });
}

/**
 * POST /ldap/ping with the stored settings, memoised. The body carries no password: Harbor then
 * binds with the stored ldap_search_password (controller Ping → defaultPassword), so this tests
 * what logins use. ldap_timeout is not part of the ping body, so Harbor dials without a deadline
 * of its own (go-ldap DefaultTimeout 0): the request timeout bounds it.
 */
export function ldapPing(ctx: CheckContext, s: LdapSettings): Promise<ApiOutcome<{ success?: boolean; message?: string }>> {
  return ctx.once('harbor-ldap:ping', () =>
    harborCall(ctx, 'POST', '/ldap/ping', {
      body: {
        ldap_url: s.ldap_url ?? '',
        ldap_base_dn: s.ldap_base_dn ?? '',
        ldap_filter: s.ldap_filter ?? '',
        ldap_uid: s.ldap_uid ?? '',
        ldap_scope: s.ldap_scope ?? 2,
        ldap_search_dn: s.ldap_search_dn ?? '',
        ldap_verify_cert: s.ldap_verify_cert ?? true,
      },
    }),
  );
}
