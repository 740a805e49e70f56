import { readFileSync } from 'node:fs';
import { finding } from '../../findings/make-finding.ts';
import type { Finding } from '../../findings/finding.ts';
import { loadCaBundle } from '../../net/ca-bundle.ts';
import { grantedActions, pullScope, requestToken } from '../../registry/auth.ts';
import type { ApiOutcome } from '../../registry/harbor-api.ts';
import { harborUrl } from '../../registry/http.ts';
import { fetchManifest } from '../../registry/manifest.ts';
import { harborImages, projectOf } from '../../registry/probe-images.ts';
import { isTransportOwned, registryReachability, transportOutcome } from '../../registry/reachability.ts';
import { targetPath, type Target } from '../../target/load.ts';
import { blocked, notApplicable, notConfigured, type Check, type CheckContext, type CheckOutput } from '../check.ts';
import { harborCall, ldapPing, ldapSettings, type LdapSettings } from './harbor-ldap-api.ts';
import { probeLdapEndpoint, type LdapReach } from './ldap-endpoint.ts';
import { parseLdapUrl, type LdapEndpoint } from './ldap-url.ts';
import { readPingAnswer, type PingVerdict } from './ping-answer.ts';

/**
 * LDAP authentication (harbor suite), judged only when Harbor's own configuration says
 * `auth_mode: ldap_auth` (read with harbor.admin, a system admin): the connection's protection
 * (ldap:// in clear, ldap_verify_cert off), the LDAP server as hybrid-doctor reaches it (TCP, TLS
 * trust), Harbor's own view (`POST /ldap/ping`: its dial and its search DN bind), its user and
 * group searches, and an LDAP user's login and pull. Harbor's ping cannot tell a refused
 * connection from an untrusted certificate (both are "ldap server network timeout"), so the
 * ping's dial failure is named by hybrid-doctor's own probe of the same endpoint.
 */

const SUITE = 'harbor' as const;

const needsAdmin = (t: Target) =>
  t.harbor.admin ? true : { kind: 'not-configured' as const, reason: "needs harbor.admin (a system admin) to read Harbor's auth_mode and LDAP settings" };

/** A Harbor API answer the checks could not use: transport once per run, else not checked. */
async function unreadable(ctx: CheckContext, path: string, o: Extract<ApiOutcome<unknown>, { ok: false }>): Promise<CheckOutput> {
  if ('failure' in o) {
    if (isTransportOwned(o.failure) || o.failure.cause === 'auth.realm-untrusted') return transportOutcome(ctx, o.failure);
    return blocked('harbor.unreachable', `the Harbor API did not answer ${path} (${o.failure.detail})`, { transport: o.failure });
  }
  const ev = { status: o.status, body: o.bodySnippet };
  if (o.status === 401 || o.status === 403) return notConfigured(`the Harbor API answered ${path} with HTTP ${o.status}: harbor.admin is refused or is not a system admin`, ev);
  return blocked('harbor.unreachable', `the Harbor API answered ${path} with HTTP ${o.status}`, ev);
}

type LdapMode = { ok: true; s: LdapSettings; ep: LdapEndpoint | { error: string } } | { ok: false; out: CheckOutput };

/** Harbor's LDAP settings, when it is in ldap_auth; otherwise the not-checked output. */
async function ldapMode(ctx: CheckContext): Promise<LdapMode> {
  const r = await ldapSettings(ctx);
  if (!r.ok) return { ok: false, out: await unreadable(ctx, '/configurations', r) };
  const s = r.json;
  if (s.auth_mode !== 'ldap_auth') return { ok: false, out: notApplicable(`Harbor authenticates with auth_mode ${s.auth_mode ?? '(not shown)'}, not ldap_auth`, { auth_mode: s.auth_mode ?? null }) };
  return { ok: true, s, ep: parseLdapUrl(s.ldap_url ?? '') };
}

/** The trust bundle for ldaps: harbor.ldap.caBundle, else harbor.caBundle, else Node's roots. */
function ldapTrust(t: Target): string[] | undefined {
  if (t.harbor.ldap?.caBundle) return [readFileSync(targetPath(t, t.harbor.ldap.caBundle), 'utf8')];
  return loadCaBundle(t).pem;
}

/** What hybrid-doctor's own probe concludes about the endpoint (shared by ldap-reach and ldap-ping). */
type ReachVerdict =
  | { kind: 'ok'; reach: LdapReach }
  | { kind: 'unresolvable'; reach: LdapReach }
  | { kind: 'unreachable' | 'untrusted'; reach: LdapReach; detail: string; code?: string }
  /** The certificate does not verify, but Harbor does not verify it either (ldap_verify_cert: false). */
  | { kind: 'unverified-accepted'; reach: LdapReach };

function reachVerdict(ctx: CheckContext, s: LdapSettings, ep: LdapEndpoint): Promise<ReachVerdict> {
  return ctx.once(`harbor-ldap:reach:${ep.url}`, async (): Promise<ReachVerdict> => {
    const t = ctx.target;
    const connectAddress = t.harbor.ldap?.connectAddress;
    const reach = await probeLdapEndpoint(ep, {
      ...(connectAddress ? { connectAddress } : {}),
      ...(ep.protocol === 'ldaps' ? { ca: ldapTrust(t) } : {}),
      connectTimeoutMs: t.timeouts.connectMs,
      handshakeTimeoutMs: t.timeouts.requestMs,
      signal: ctx.signal,
    });
    const code = reach.errorCode;
    switch (reach.outcome) {
      case 'name-not-resolved':
        return { kind: 'unresolvable', reach };
      case 'connection-refused':
      case 'connection-timeout':
        return { kind: 'unreachable', reach, detail: `${reach.outcome.replace('-', ' ')} at ${reach.address}${code ? ` (${code})` : ''}`, ...(code ? { code } : {}) };
      case 'handshake-failed':
      case 'plain-http':
        return { kind: 'unreachable', reach, detail: `TLS handshake with ${reach.address} failed${reach.errorText ? `: ${reach.errorText}` : ''}`, ...(code ? { code } : {}) };
      case 'ok':
        if (reach.verify && !reach.verify.ok) {
          if (s.ldap_verify_cert === false) return { kind: 'unverified-accepted', reach };
          return { kind: 'untrusted', reach, detail: `${reach.verify.code ?? 'verify failed'}${reach.verify.message ? `: ${reach.verify.message}` : ''}${reach.leaf ? ` (served ${reach.leaf.subject.replace(/\n/g, ', ')}, issued by ${reach.leaf.issuer.replace(/\n/g, ', ')})` : ''}`, ...(reach.verify.code ? { code: reach.verify.code } : {}) };
        }
        return { kind: 'ok', reach };
    }
  });
}

function reachFinding(v: Extract<ReachVerdict, { kind: 'unreachable' | 'untrusted' }>, ep: LdapEndpoint, url: string, host: string): Finding {
  const params = { url, host, address: ep.host, port: ep.port, detail: v.detail, ...(v.code ? { code: v.code } : {}) };
  const evidence = { probe: v.reach };
  return v.kind === 'untrusted'
    ? finding('harbor.ldap-untrusted-cert', { subject: ep.url, params, evidence })
    : finding('harbor.ldap-unreachable', { subject: ep.url, params, evidence });
}

const settingsCheck: Check = {
  id: 'ldap-settings',
  suite: SUITE,
  title: "Harbor's LDAP connection is encrypted and its certificate verified",
  applies: needsAdmin,
  async run(ctx) {
    const m = await ldapMode(ctx);
    if (!m.ok) return m.out;
    const { s, ep } = m;
    const evidence = { settings: s };
    if ('error' in ep) return notApplicable(`ldap_url is not usable (${ep.error}); ldap-ping reports what Harbor makes of it`, evidence);
    const url = s.ldap_url ?? ep.url;
    const findings: Finding[] = [];
    const host = harborUrl(ctx.target).host;
    if (ep.protocol === 'ldap') findings.push(finding('harbor.ldap-plaintext', { subject: ep.url, params: { url, host, address: ep.host }, evidence }));
    else if (s.ldap_verify_cert === false) findings.push(finding('harbor.ldap-verify-cert-disabled', { subject: ep.url, params: { url, host, address: ep.host, port: ep.port }, evidence }));
    return { findings, evidence };
  },
};

const reachCheck: Check = {
  id: 'ldap-reach',
  suite: SUITE,
  title: 'the LDAP server accepts connections and its ldaps certificate verifies (from hybrid-doctor)',
  applies: needsAdmin,
  async run(ctx) {
    const m = await ldapMode(ctx);
    if (!m.ok) return m.out;
    if ('error' in m.ep) return notApplicable(`ldap_url is not usable (${m.ep.error}); ldap-ping reports what Harbor makes of it`);
    const v = await reachVerdict(ctx, m.s, m.ep);
    const evidence = { probe: v.reach };
    if (v.kind === 'unresolvable') {
      return notConfigured(`hybrid-doctor cannot resolve ${m.ep.host} (Harbor core uses its own resolver); set harbor.ldap.connectAddress to check the LDAP server from here`, evidence);
    }
    if (v.kind === 'unreachable' || v.kind === 'untrusted') return { findings: [reachFinding(v, m.ep, m.s.ldap_url ?? m.ep.url, harborUrl(ctx.target).host)], evidence };
    return { findings: [], evidence };
  },
};

/** Harbor's ping verdict (memoised through ldapPing), or the output when it could not be asked. */
async function pingVerdict(ctx: CheckContext, s: LdapSettings): Promise<{ ok: true; v: PingVerdict } | { ok: false; out: CheckOutput }> {
  const r = await ldapPing(ctx, s);
  if (!r.ok) return { ok: false, out: await unreadable(ctx, '/ldap/ping', r) };
  return { ok: true, v: readPingAnswer(r.json) };
}

const pingCheck: Check = {
  id: 'ldap-ping',
  suite: SUITE,
  title: 'Harbor reaches its LDAP server and binds with its search DN (POST /api/v2.0/ldap/ping)',
  applies: needsAdmin,
  async run(ctx) {
    const m = await ldapMode(ctx);
    if (!m.ok) return m.out;
    const { s, ep } = m;
    const p = await pingVerdict(ctx, s);
    if (!p.ok) return p.out;
    const v = p.v;
    const url = s.ldap_url ?? '';
    const host = harborUrl(ctx.target).host;
    const subject = 'error' in ep ? url || 'ldap_url' : ep.url;
    const evidence: Record<string, unknown> = { ping: v };
    switch (v.kind) {
      case 'ok':
        return { findings: [], evidence };
      case 'bind-refused':
        return { findings: [finding('harbor.ldap-bind-failed', { subject, params: { url, host, name: s.ldap_search_dn ?? '(empty)', detail: v.detail }, evidence })], evidence };
      case 'url-unusable':
        return { findings: [finding('harbor.ldap-unreachable', { subject, params: { url, host, detail: `${v.detail}${'error' in ep ? ` — ${ep.error}` : ''}` }, evidence })], evidence };
      case 'unknown':
        return notConfigured(`Harbor's LDAP ping answered something hybrid-doctor does not know: ${v.detail}`, evidence);
      case 'dial-failed': {
        if ('error' in ep) return { findings: [finding('harbor.ldap-unreachable', { subject, params: { url, host, detail: `${v.detail} — ${ep.error}` }, evidence })], evidence };
        // Harbor says only "network timeout": hybrid-doctor's probe of the same endpoint names it.
        const r = await reachVerdict(ctx, s, ep);
        evidence.probe = r.reach;
        if (r.kind === 'unreachable' || r.kind === 'untrusted') {
          const cause = r.kind === 'untrusted' ? 'harbor.ldap-untrusted-cert' : 'harbor.ldap-unreachable';
          return blocked(cause, `Harbor's ping fails too (${v.detail}): the same fault ldap-reach reports`, evidence);
        }
        const tlsNote = ep.protocol !== 'ldaps' ? '' : r.kind === 'unverified-accepted' ? ' (its certificate does not verify, which ldap_verify_cert: false lets Harbor ignore)' : ' and its certificate verifies';
        const seen = r.kind === 'unresolvable' ? `hybrid-doctor cannot resolve ${ep.host} either` : `hybrid-doctor itself connects to ${r.reach.address}${tlsNote}, so the fault is on Harbor core's side (its DNS, routes, firewall, or its trust store)`;
        return { findings: [finding('harbor.ldap-unreachable', { subject, params: { url, host, address: ep.host, port: ep.port, detail: `Harbor's ping says "${v.detail}"; ${seen}` }, evidence })], evidence };
      }
    }
  },
};

type UserSearch = { ok: true; users: { username?: string }[] } | { ok: false; status: number; body: string } | { ok: false; out: CheckOutput };

/** GET /ldap/users/search for the target's LDAP user (or everyone), memoised. */
function userSearch(ctx: CheckContext, username: string): Promise<UserSearch> {
  return ctx.once(`harbor-ldap:users:${username}`, async (): Promise<UserSearch> => {
    const path = `/ldap/users/search?username=${encodeURIComponent(username)}`;
    const r = await harborCall<{ username?: string }[]>(ctx, 'GET', path);
    if (r.ok) return { ok: true, users: Array.isArray(r.json) ? r.json : [] };
    if (!('failure' in r) && r.status >= 500) return { ok: false, status: r.status, body: r.bodySnippet };
    return { ok: false, out: await unreadable(ctx, path, r) };
  });
}

/** Blocks a check that needs a working LDAP ping; undefined when the ping succeeded. */
async function blockedByPing(ctx: CheckContext, s: LdapSettings): Promise<CheckOutput | undefined> {
  const p = await pingVerdict(ctx, s);
  if (!p.ok) return p.out;
  if (p.v.kind === 'ok') return undefined;
  return blocked('harbor/ldap-ping', `Harbor's LDAP ping fails (${p.v.detail}): nothing can be searched or logged in`, { ping: p.v });
}

const searchCheck: Check = {
  id: 'ldap-search',
  suite: SUITE,
  title: 'Harbor finds LDAP users (and groups) under its base DNs',
  applies: needsAdmin,
  async run(ctx) {
    const m = await ldapMode(ctx);
    if (!m.ok) return m.out;
    const { s, ep } = m;
    const stop = await blockedByPing(ctx, s);
    if (stop) return stop;
    const url = s.ldap_url ?? '';
    const host = harborUrl(ctx.target).host;
    const subject = 'error' in ep ? url : ep.url;
    const username = ctx.target.harbor.ldap?.user?.username ?? '';
    const findings: Finding[] = [];
    const evidence: Record<string, unknown> = {};
    const u = await userSearch(ctx, username);
    if (!u.ok && 'out' in u) return u.out;
    const query = `(&${s.ldap_filter ?? ''}(${s.ldap_uid ?? 'uid'}=${username || '*'}))`;
    if (u.ok) {
      evidence.users = { query, found: u.users.length, first: u.users.slice(0, 5).map((x) => x.username) };
      if (u.users.length === 0) {
        findings.push(finding('harbor.ldap-base-dn-wrong', { subject, params: { url, host, field: 'ldap_base_dn', value: s.ldap_base_dn ?? '', ...(username ? { name: username } : {}), detail: `no entry matches ${query} (scope ${s.ldap_scope ?? '?'})` }, evidence: { ...evidence } }));
      }
    } else {
      evidence.users = { query, status: u.status, body: u.body };
      findings.push(finding('harbor.ldap-base-dn-wrong', { subject, params: { url, host, field: 'ldap_base_dn', value: s.ldap_base_dn ?? '', ...(username ? { name: username } : {}), detail: `Harbor's user search fails with HTTP ${u.status} after a successful bind (Harbor logs the LDAP error, e.g. "No Such Object")` }, evidence: { ...evidence } }));
    }
    if (s.ldap_group_base_dn) {
      // With only a DN, Harbor searches under it with ldap_group_search_filter and returns the first group.
      const path = `/ldap/groups/search?groupdn=${encodeURIComponent(s.ldap_group_base_dn)}`;
      const g = await harborCall<{ group_name?: string; ldap_group_dn?: string }[]>(ctx, 'GET', path);
      if (g.ok) evidence.groups = { base: s.ldap_group_base_dn, found: Array.isArray(g.json) ? g.json.map((x) => x.ldap_group_dn) : [] };
      else if (!('failure' in g) && (g.status === 404 || g.status >= 500)) {
        evidence.groups = { base: s.ldap_group_base_dn, status: g.status, body: g.bodySnippet };
        findings.push(finding('harbor.ldap-base-dn-wrong', { subject, params: { url, host, field: 'ldap_group_base_dn', value: s.ldap_group_base_dn, detail: g.status === 404 ? `no group matches ${s.ldap_group_search_filter ?? '(no filter)'} under it` : `Harbor's group search fails with HTTP ${g.status}` }, evidence: { groups: evidence.groups } }));
      } else return unreadable(ctx, path, g);
    }
    return { findings, evidence };
  },
};

const userPullCheck: Check = {
  id: 'ldap-user-pull',
  suite: SUITE,
  title: 'an LDAP user logs in to Harbor with their LDAP password and pulls',
  applies: (t) => {
    const a = needsAdmin(t);
    if (a !== true) return a;
    return t.harbor.ldap?.user ? true : { kind: 'not-configured', reason: 'no harbor.ldap.user in the target' };
  },
  async run(ctx) {
    const m = await ldapMode(ctx);
    if (!m.ok) return m.out;
    const stop = await blockedByPing(ctx, m.s);
    if (stop) return stop;
    const user = ctx.target.harbor.ldap!.user!.username;
    const password = ctx.secrets.ldapUserPassword;
    if (password === undefined) return notConfigured('harbor.ldap.user.password was not read');
    const image = harborImages(ctx.target)[0];
    if (!image) return notApplicable('no image in the target is on the Harbor host');
    const found = await userSearch(ctx, user);
    if (!(found.ok && found.users.some((x) => x.username === user))) {
      return blocked('harbor/ldap-search', `Harbor's LDAP search does not find ${user}, so it cannot log in`);
    }
    const host = harborUrl(ctx.target).host;
    const creds = { username: user, password };
    // In ldap_auth the registry login is the LDAP password (the CLI secret exists only in oidc_auth).
    const login = await harborCall<{ username?: string }>(ctx, 'GET', '/users/current', { creds });
    const evidence: Record<string, unknown> = { user, image: image.ref };
    if (!login.ok) {
      if ('failure' in login || (login.status !== 401 && login.status !== 403)) return unreadable(ctx, '/users/current', login);
      evidence.login = { status: login.status, body: login.bodySnippet };
      return { findings: [finding('auth.credentials-invalid', { subject: `ldap-user/${user}`, params: { host, image: image.ref, status: login.status, detail: `LDAP user ${user} cannot log in to Harbor (GET /api/v2.0/users/current) although Harbor finds the user: the password in harbor.ldap.user is not the LDAP password` }, evidence })], evidence };
    }
    evidence.login = { status: login.status };
    const v2 = await registryReachability(ctx);
    if (!v2.ok) return transportOutcome(ctx, v2.failure);
    if (!v2.probe.bearer) return blocked('robot-auth/challenge', `GET /v2/ answered HTTP ${v2.probe.status} without a Bearer challenge`);
    const repo = image.parsed.ref.repository;
    const tok = await requestToken(ctx, v2.probe.bearer, pullScope(repo), creds);
    if (tok.kind === 'unreachable') return transportOutcome(ctx, tok.failure);
    if (tok.kind === 'untrusted-realm') return blocked('auth.realm-untrusted', `credentials withheld from the token realm ${tok.realm}: ${tok.reason}`);
    if (tok.kind === 'rejected') {
      evidence.token = { status: tok.status, body: tok.bodySnippet };
      return { findings: [finding('auth.credentials-invalid', { subject: `ldap-user/${user}`, params: { host, image: image.ref, status: tok.status, detail: `the token service refuses LDAP user ${user}` }, evidence })], evidence };
    }
    const actions = grantedActions(tok.claims, repo);
    evidence.token = { actions };
    if (!actions.includes('pull')) {
      return { findings: [finding('auth.insufficient-scope', { subject: `ldap-user/${user}`, params: { host, image: image.ref, detail: `LDAP user ${user} logs in but has no pull on project ${projectOf(repo)} (add the user or their LDAP group as a project member)` }, evidence })], evidence };
    }
    const man = await fetchManifest(ctx, repo, image.parsed.ref.reference, tok.token);
    if (man.kind === 'ok') {
      evidence.manifest = { digest: man.digest, mediaType: man.mediaType };
      return { findings: [], evidence };
    }
    // Anything else about the image itself is the image-pull suite's (same image, robot credentials).
    const why = man.kind === 'http' ? `HTTP ${man.status}` : man.kind === 'transport' ? man.failure.detail : man.detail;
    return blocked('image-pull/manifest', `the manifest of ${image.ref} does not come back for ${user} either (${why})`, evidence);
  },
};

/** The LDAP checks of the harbor suite. */
export const harborLdapChecks: Check[] = [settingsCheck, reachCheck, pingCheck, searchCheck, userPullCheck];
