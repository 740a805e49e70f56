/**
 * Redaction: every string that reaches a report, log, snapshot or error message passes here.
 * Known secrets (robot secret, admin password) are registered when the target is loaded and
 * replaced wherever they occur, also in base64 forms (dockerconfigjson `auth`, Basic headers);
 * generic patterns catch tokens that were never registered (Bearer/Basic headers, JWTs,
 * `"auth": "..."` in docker configs, `password = "..."` in TOML).
 */
export const REDACTED = '«redacted»';

const PATTERNS: [RegExp, string][] = [
  [/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(basic|bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1$2$3 ${REDACTED}`],
  [/\b(bearer)\s+[A-Za-z0-9._~+/-]{16,}=*/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/("(?:auth|password|secret|identitytoken|registrytoken|token|access_token|refresh_token)"\s*:\s*")[^"]*(")/gi, `$1${REDACTED}$2`],
  // `password = "x"` (TOML), `password: x` (YAML). The key must stand alone (line start, space,
  // brace, comma or quote before it) so prose such as `robot.secret: give a secret` is left alone.
  [/((?:^|[\s{,"'])(?:password|secret|token|activationCode)\s*(?:=\s*["']?|:\s*["']|:[ \t]*(?=[^\s"']*$|[^\s"']*[,}\s]*$)))[^"'\s,}]+/gim, `$1${REDACTED}`],
  [/(\.dockerconfigjson["']?\s*[:=]\s*["']?)[A-Za-z0-9+/=]{8,}/g, `$1${REDACTED}`],
];

const SECRET_KEY = /^(password|secret|auth|token|authorization|identitytoken|registrytoken|activationcode)$/i;

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret value; it and its base64 forms are removed from every redacted text. */
  add(secret: string | undefined, user?: string): void {
    if (!secret || secret.length < 4) return;
    this.#secrets.add(secret);
    this.#secrets.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    if (user) this.#secrets.add(Buffer.from(`${user}:${secret}`).toString('base64').replace(/=+$/, ''));
  }

  text(value: string): string {
    let out = value;
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return out;
  }

  /**
   * Deep-redacts any JSON-like value: every string leaf through `text()`, values of keys that
   * name secrets blanked. Walks the structure (rather than redacting serialised JSON) so the
   * patterns can never cut through an escaped quote.
   */
  value<T>(value: T, opts: { nameKeys?: readonly string[] } = {}): T {
    // `nameKeys`: keys whose values are names, not secrets, although the key reads like one
    // (a finding's `secret` param is the pull secret's NAME); their values still pass `text()`.
    const names = new Set(opts.nameKeys ?? []);
    const walk = (v: unknown, key?: string): unknown => {
      if (typeof v === 'string') return key && !names.has(key) && SECRET_KEY.test(key) && v !== '' ? REDACTED : this.text(v);
      if (Array.isArray(v)) return v.map((x) => walk(x));
      if (v && typeof v === 'object') {
        if (v instanceof Date) return v.toISOString();
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
      }
      return v;
    };
    return walk(value) as T;
  }
}

/** Process-wide redactor: the target loader registers secrets here; reporters and the CLI use it. */
export const redactor = new Redactor();
