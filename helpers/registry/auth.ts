import { decodeJwt } from 'jose';
import type { CheckContext } from '../checks/check.ts';
import { evidenceHeaders, harborUrl, httpRequest, TransportError, type TransportFailure } from './http.ts';
import { blocked, type CheckOutput } from '../checks/check.ts';
import { finding } from '../findings/make-finding.ts';
import { reportOnce } from './reachability.ts';
import type { BearerChallenge } from './www-authenticate.ts';

/**
 * Docker Registry v2 token flow (distribution "token authentication specification"):
 * `GET /v2/` → 401 with `WWW-Authenticate: Bearer realm=…,service=…` → `GET realm?service=…&
 * scope=repository:<repo>:pull` (Basic credentials for a robot, none for anonymous) →
 * `{token, expires_in, issued_at}`; the JWT's `access` claim lists the granted actions.
 */

export interface Credentials {
  username: string;
  password: string;
}

/** One `access` entry of a registry token (distribution token spec). */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** Token claims as evidence: the decoded payload, never the signature or the raw token. */
export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  nbf?: number;
  access: TokenAccess[];
}

export type TokenOutcome =
  | { kind: 'token'; status: number; token: string; claims: TokenClaims; expiresIn?: number; ms: number }
  /** Credentials were withheld: the realm fails the credential realm rule (nothing was sent). */
  | { kind: 'untrusted-realm'; realm: string; reason: string }
  /** The realm answered, but not with a usable token (401/403/5xx/garbage). */
  | { kind: 'rejected'; status: number; headers: Record<string, string>; bodySnippet: string; ms: number }
  /** The realm could not be reached at all. */
  | { kind: 'unreachable'; failure: TransportFailure };

/**
 * Decodes a registry token for inspection. `jose.decodeJwt` reads the payload without
 * verifying the signature: we only look at what the token service granted; the registry
 * verifies it. Throws for a token that is not a JWT.
 */
export function decodeTokenClaims(token: string): TokenClaims {
  const p = decodeJwt(token);
  const rawAccess = Array.isArray(p.access) ? (p.access as unknown[]) : [];
  const access: TokenAccess[] = rawAccess
    .filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null)
    .map((a) => ({
      type: String(a.type ?? ''),
      name: String(a.name ?? ''),
      actions: Array.isArray(a.actions) ? a.actions.map(String) : [],
    }));
  return {
    ...(p.iss !== undefined ? { iss: p.iss } : {}),
    ...(p.sub !== undefined ? { sub: p.sub } : {}),
    ...(p.aud !== undefined ? { aud: p.aud } : {}),
    ...(p.exp !== undefined ? { exp: p.exp } : {}),
    ...(p.iat !== undefined ? { iat: p.iat } : {}),
    ...(p.nbf !== undefined ? { nbf: p.nbf } : {}),
    access,
  };
}

/** Actions the claims grant on `repository:<name>` (empty when none). */
export function grantedActions(claims: TokenClaims, repository: string): string[] {
  const out = new Set<string>();
  for (const a of claims.access) if (a.type === 'repository' && a.name === repository) for (const x of a.actions) out.add(x);
  return [...out];
}

/** `repository:<repo>:pull` */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** Does the realm use the same scheme and host[:port] as the Harbor URL nodes use? */
export function realmMatchesHarbor(realm: string, harbor: URL): { matches: boolean; realmOrigin?: string } {
  let r: URL;
  try {
    r = new URL(realm);
  } catch {
    return { matches: false };
  }
  return { matches: r.protocol === harbor.protocol && r.host === harbor.host, realmOrigin: r.origin };
}

/**
 * The credential realm rule (issue 7): credentials (robot secret, admin password, pull-secret
 * passwords) go only to an https URL on the origin (scheme, host, port) of the target's Harbor
 * URL, or to an origin the target lists in `harbor.trustedRealms` (an http:// origin there is an
 * explicit opt-in). A realm with userinfo is never trusted. Returns why not, or undefined when
 * the URL may receive credentials. Callers check BEFORE building any Authorization header.
 * `diagnose` without a target runs on a placeholder target (`https://registry.invalid`) and
 * runs no suite that sends credentials; were one added, every realm would fail this rule there.
 */
export function untrustedRealmReason(target: CheckContext['target'], url: URL): string | undefined {
  const harbor = harborUrl(target);
  if (url.username || url.password) return `the realm URL carries userinfo`;
  const trusted = new Set<string>();
  for (const t of target.harbor.trustedRealms ?? []) {
    try {
      trusted.add(new URL(t).origin);
    } catch {
      /* the schema validates URLs; an unparsable entry trusts nothing */
    }
  }
  if (trusted.has(url.origin)) return undefined;
  if (url.protocol !== 'https:') return `the realm ${url.origin} is ${url.protocol.replace(/:$/, '')}, so the credentials would travel in clear (list ${url.origin} in harbor.trustedRealms to allow it)`;
  if (url.origin !== harbor.origin) return `the realm ${url.origin} is not on the Harbor URL's origin ${harbor.origin} and not listed in harbor.trustedRealms`;
  return undefined;
}

/**
 * Requests a token from the realm; transport failures become `unreachable`, never a throw. With
 * credentials, a realm that fails the credential realm rule gets no request at all
 * (`untrusted-realm`).
 */
export async function requestToken(ctx: CheckContext, challenge: BearerChallenge, scope: string, creds?: Credentials): Promise<TokenOutcome> {
  let url: URL;
  try {
    url = new URL(challenge.realm, harborUrl(ctx.target));
  } catch {
    return { kind: 'unreachable', failure: { cause: 'auth.token-realm-unreachable', kind: 'other', detail: `realm "${challenge.realm}" is not a URL` } };
  }
  if (creds) {
    const reason = untrustedRealmReason(ctx.target, url);
    if (reason) return { kind: 'untrusted-realm', realm: `${url.origin}${url.pathname}`, reason };
  }
  if (challenge.service !== undefined) url.searchParams.set('service', challenge.service);
  url.searchParams.append('scope', scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  try {
    const res = await httpRequest(ctx, url, { headers, maxBytes: 256 * 1024 });
    if (res.status === 200) {
      let body: { token?: unknown; access_token?: unknown; expires_in?: unknown } = {};
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        /* not JSON: treated as a rejected answer below */
      }
      const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
      if (token) {
        try {
          const claims = decodeTokenClaims(token);
          return { kind: 'token', status: 200, token, claims, ...(typeof body.expires_in === 'number' ? { expiresIn: body.expires_in } : {}), ms: Math.round(res.totalMs) };
        } catch {
          /* opaque (non-JWT) token: no claims to inspect */
          return { kind: 'token', status: 200, token, claims: { access: [] }, ms: Math.round(res.totalMs) };
        }
      }
    }
    return { kind: 'rejected', status: res.status, headers: evidenceHeaders(res.headers), bodySnippet: res.body.subarray(0, 256).toString('utf8'), ms: Math.round(res.totalMs) };
  } catch (err) {
    if (err instanceof TransportError) return { kind: 'unreachable', failure: err.failure };
    throw err;
  }
}

/** The robot's credentials from the target and ctx.secrets, or undefined when not configured. */
export function robotCredentials(ctx: CheckContext): Credentials | undefined {
  const name = ctx.target.robot?.name;
  const secret = ctx.secrets.robotSecret;
  return name && secret !== undefined ? { username: name, password: secret } : undefined;
}

/** The admin credentials for the Harbor API, or undefined. */
export function adminCredentials(ctx: CheckContext): Credentials | undefined {
  const u = ctx.target.harbor.admin?.username;
  const p = ctx.secrets.adminPassword;
  return u && p !== undefined ? { username: u, password: p } : undefined;
}

/** Memoised robot pull token for one repository (one token request per repository per run). */
export function robotPullToken(ctx: CheckContext, challenge: BearerChallenge, repository: string): Promise<TokenOutcome> {
  const creds = robotCredentials(ctx);
  return ctx.once(`registry:token:robot:${repository}`, () => requestToken(ctx, challenge, pullScope(repository), creds));
}

/** Memoised anonymous pull token for one repository. */
export function anonymousPullToken(ctx: CheckContext, challenge: BearerChallenge, repository: string): Promise<TokenOutcome> {
  return ctx.once(`registry:token:anonymous:${repository}`, () => requestToken(ctx, challenge, pullScope(repository)));
}

/** Token outcome as evidence (claims without signature; never the token). */
export function tokenEvidence(t: TokenOutcome): Record<string, unknown> {
  if (t.kind === 'token') return { status: t.status, claims: t.claims, expiresIn: t.expiresIn, ms: t.ms };
  if (t.kind === 'rejected') return { status: t.status, headers: t.headers, body: t.bodySnippet, ms: t.ms };
  if (t.kind === 'untrusted-realm') return { notSent: 'credentials withheld', realm: t.realm, reason: t.reason };
  return { transport: t.failure };
}

/**
 * The `auth.realm-untrusted` finding, once per realm and run (robot-auth, pull-secrets and the
 * Harbor API may all meet the same realm); later callers get `{ blockedBy }` evidence only.
 */
export async function untrustedRealmOutcome(ctx: CheckContext, t: { realm: string; reason: string }, subject?: string): Promise<CheckOutput> {
  const host = harborUrl(ctx.target).host;
  const evidence = { realm: t.realm, reason: t.reason, credentialsSent: false };
  if (!(await reportOnce(ctx, `auth.realm-untrusted:${t.realm}`))) return blocked('auth.realm-untrusted', `credentials withheld from the token realm ${t.realm} (reported once per run, by another check)`, evidence);
  return { findings: [finding('auth.realm-untrusted', { subject: subject ?? host, params: { host, url: t.realm, detail: t.reason }, evidence })], evidence };
}
