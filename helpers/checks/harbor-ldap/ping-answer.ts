/**
 * What Harbor's `POST /api/v2.0/ldap/ping` answer means. The handler (src/server/v2.0/handler/
 * ldap.go, PingLdap) always answers 200 with `{success, message}`, the message being
 * `"error: " + err` for the sentinel errors of src/pkg/ldap/ldap.go (TestConfig) and the
 * controller (src/controller/ldap/controller.go):
 *
 * - `ldap server network timeout` (ErrLDAPServerTimeout): go-ldap's DialURL failed. It wraps every
 *   dial error as ErrorNetwork, so this one text covers refused, timed out, unresolvable, and a
 *   TLS handshake core rejects (certificate not trusted): Harbor cannot tell them apart.
 * - `fail to ping LDAP server` (ErrLDAPPingFail): opening the session failed for another reason —
 *   in practice ldap_url itself (unknown scheme, bad host:port) — nothing was dialled.
 * - `invalid credential` (ErrInvalidCredential): the search DN bind got LDAP result 49.
 * - `empty password` (ErrEmptyPassword), `empty search dn` (ErrEmptySearchDN): nothing to bind with.
 *
 * Other bind errors are swallowed by TestConfig (it returns success), and the ping never
 * searches: a wrong base DN passes it (the user search finds that).
 */
export type PingVerdict =
  | { kind: 'ok' }
  | { kind: 'dial-failed'; detail: string }
  | { kind: 'url-unusable'; detail: string }
  | { kind: 'bind-refused'; detail: string }
  | { kind: 'unknown'; detail: string };

const BIND = ['invalid credential', 'empty password', 'empty search dn'];

export function readPingAnswer(body: unknown): PingVerdict {
  const b = (body && typeof body === 'object' ? body : {}) as { success?: unknown; message?: unknown };
  if (b.success === true) return { kind: 'ok' };
  const message = typeof b.message === 'string' ? b.message.trim() : '';
  const text = message.replace(/^error:\s*/i, '');
  const lower = text.toLowerCase();
  if (lower === 'ldap server network timeout') return { kind: 'dial-failed', detail: message };
  if (lower === 'fail to ping ldap server') return { kind: 'url-unusable', detail: message };
  if (BIND.includes(lower)) return { kind: 'bind-refused', detail: message };
  return { kind: 'unknown', detail: message || JSON.stringify(body).slice(0, 200) };
}
