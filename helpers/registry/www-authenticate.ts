/**
 * `WWW-Authenticate` parser (RFC 7235 §2.1 / §4.1 challenge grammar):
 *
 *   WWW-Authenticate = 1#challenge
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 *
 * Why hand-written: npm has no maintained parser for RFC 7235 challenge lists. `www-authenticate`
 * (0.6.x) is a Basic/Digest *client* with a lenient primitive parser, and `auth-header` (1.0.0,
 * unmaintained since 2017) parses a single challenge per header. Registries send
 * `Bearer realm="…",service="…",scope="repository:a/b:pull"` — scopes contain commas and colons,
 * realms may contain escaped quotes — and a header may carry several challenges
 * (`Basic realm="x", Bearer realm="y"`), which both break.
 */

/** One challenge: scheme as sent, params with lower-cased names (values verbatim, unescaped). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
  token68?: string;
}

/** Thrown for a header that does not follow the grammar; `position` is the offending index. */
export class ChallengeParseError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'ChallengeParseError';
    this.position = position;
  }
}

// tchar per RFC 7230 §3.2.6
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/** Parses a header value (or several joined with ", ") into its challenges. */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const s = header;
  const n = s.length;
  let i = 0;
  const out: AuthChallenge[] = [];

  const isWs = (c: string | undefined) => c === ' ' || c === '\t';
  const skipWs = () => {
    while (i < n && isWs(s[i])) i++;
  };
  const readToken = (at: number): [string, number] => {
    let j = at;
    while (j < n && TCHAR.test(s[j]!)) j++;
    return [s.slice(at, j), j];
  };
  const readQuoted = (at: number): [string, number] => {
    // s[at] === '"'
    let j = at + 1;
    let v = '';
    while (j < n) {
      const c = s[j]!;
      if (c === '\\') {
        if (j + 1 >= n) throw new ChallengeParseError('dangling escape in quoted string', j);
        v += s[j + 1];
        j += 2;
        continue;
      }
      if (c === '"') return [v, j + 1];
      v += c;
      j++;
    }
    throw new ChallengeParseError('unterminated quoted string', at);
  };
  /** Tries `token BWS "=" BWS (token / quoted-string)` at `at`; null when it is not a param. */
  const tryParam = (at: number): { name: string; value: string; end: number } | null => {
    const [name, afterName] = readToken(at);
    if (!name) return null;
    let j = afterName;
    while (j < n && isWs(s[j])) j++;
    if (s[j] !== '=') return null;
    j++;
    while (j < n && isWs(s[j])) j++;
    if (s[j] === '"') {
      const [value, end] = readQuoted(j);
      return { name, value, end };
    }
    const [value, end] = readToken(j);
    // `abc=` / `abc==`: token68 padding, not a param (the caller decides what it is).
    if (!value) return null;
    return { name, value, end };
  };

  while (i < n) {
    while (i < n && (isWs(s[i]) || s[i] === ',')) i++;
    if (i >= n) break;
    const [scheme, afterScheme] = readToken(i);
    if (!scheme) throw new ChallengeParseError(`expected an auth scheme, got "${s[i]}"`, i);
    i = afterScheme;
    const ch: AuthChallenge = { scheme, params: {} };
    out.push(ch);
    if (i < n && !isWs(s[i]) && s[i] !== ',') throw new ChallengeParseError('expected space after auth scheme', i);
    skipWs();
    if (i >= n || s[i] === ',') continue;

    // First item after the scheme: an auth-param or a token68.
    const first = tryParam(i);
    if (!first) {
      let j = i;
      while (j < n && TOKEN68_CHAR.test(s[j]!)) j++;
      while (j < n && s[j] === '=') j++;
      if (j === i) throw new ChallengeParseError('expected auth-param or token68', i);
      ch.token68 = s.slice(i, j);
      i = j;
      skipWs();
      if (i < n && s[i] !== ',') throw new ChallengeParseError('expected "," after token68', i);
      continue;
    }
    ch.params[first.name.toLowerCase()] = first.value;
    i = first.end;

    // Further params, separated by commas; a comma followed by something that is not
    // `token =` starts the next challenge.
    for (;;) {
      skipWs();
      if (i >= n) break;
      if (s[i] !== ',') throw new ChallengeParseError('expected "," between parameters', i);
      let j = i;
      while (j < n && (isWs(s[j]) || s[j] === ',')) j++;
      if (j >= n) {
        i = j;
        break;
      }
      const p = tryParam(j);
      if (!p) {
        i = j;
        break; // next challenge
      }
      const key = p.name.toLowerCase();
      if (Object.hasOwn(ch.params, key)) throw new ChallengeParseError(`duplicate parameter "${key}"`, j);
      ch.params[key] = p.value;
      i = p.end;
    }
  }
  return out;
}

/** The Bearer challenge fields a registry client needs. */
export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
  error?: string;
}

/** First challenge with the given scheme (case-insensitive). */
export function findChallenge(challenges: AuthChallenge[], scheme: string): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme.toLowerCase() === scheme.toLowerCase());
}

/** The Bearer challenge with its realm, or undefined when there is none or it lacks a realm. */
export function bearerChallenge(challenges: AuthChallenge[]): BearerChallenge | undefined {
  const c = findChallenge(challenges, 'bearer');
  const realm = c?.params.realm;
  if (!c || !realm) return undefined;
  return {
    realm,
    ...(c.params.service !== undefined ? { service: c.params.service } : {}),
    ...(c.params.scope !== undefined ? { scope: c.params.scope } : {}),
    ...(c.params.error !== undefined ? { error: c.params.error } : {}),
  };
}
