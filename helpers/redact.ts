/**
 * Redaction: every string that reaches a report, log, snapshot or error message passes here.
 * Known secrets (robot secret, admin password, pull-secret passwords learnt at run time) are
 * registered with `add()` and replaced wherever they occur, also in base64 forms
 * (dockerconfigjson `auth`, Basic headers); generic patterns catch secrets that were never
 * registered: Authorization / X-Registry-Auth / Cookie headers, Bearer tokens, JWTs, URL
 * userinfo, `key = value` / `key: value` / `"key": "value"` for keys that name secrets (TOML,
 * YAML, JSON, env files, kubeconfigs), command-line flags (`curl -u`, `--docker-password`,
 * `docker login -p`, `--creds`, `echo … | docker login --password-stdin`), query-string tokens,
 * PEM private keys, AWS access keys and well-known token formats.
 *
 * Prose about secrets must survive (catalog messages say "give a secret as {env: VAR}"): key
 * patterns need the key to stand alone and, for the YAML `key: value` form, a single token as
 * the whole rest of the line; a Basic credential must decode to `user:password`.
 */
export const REDACTED = '«redacted»';

/** Keys whose values are secrets (case-insensitive), optionally prefixed (`harbor_admin_password`, `AWS_SECRET_ACCESS_KEY`). */
const KEY =
  '(?:[a-z0-9]+[_-])*(?:password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|id[_-]?token|identity[_-]?token|registry[_-]?token|auth|api[_-]?key|secret[_-]?access[_-]?key|session[_-]?token|client-key-data|activation[_-]?code|private[_-]?key|encryption[_-]?key)';
/** What may stand before a key: line start, space, brace, bracket, comma, quote, `(`, `;`, `&`, `?`, `=`. */
const KEY_START = `(?:^|[\\s{\\[,"'(;&?=])`;
/** Registry tools whose `login` takes `-p PASSWORD`. */
const LOGIN_TOOLS = '(?:docker|podman|nerdctl|buildah|skopeo|helm(?:\\s+registry)?|oras|crane\\s+auth|regctl\\s+registry|finch|harbor)';
/** Flags whose value is a secret (`--docker-password=x`, `--password x`, `--token x`). */
const SECRET_FLAGS =
  '--(?:(?:docker|registry|harbor|admin|robot|src|dest|proxy|db|redis)-)?(?:password|passwd|secret|client-secret|token|registry-token|identity-token|activation-code|aws-secret-access-key|secret-access-key|session-token)';
/**
 * Placeholders are not secrets: remediation steps say `--docker-password=SECRET`, `curl -u
 * 'robot$NAME:SECRET'`, `<password>`, `$ROBOT_SECRET`, `$(cat secret-file)`, `base64(user:password)`.
 * A negative lookahead at the start of a value: a placeholder followed by the value's end
 * (`(?-i:…)`: ALL-CAPS even in case-insensitive rules; regexp modifiers need Node 23+).
 * A bare boolean is not a secret either (`offline_token=true` in Docker's token URLs).
 */
const PH = String.raw`(?!(?:(?-i:[A-Z][A-Z_]*)|true|false|<[^>\s]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([^)\n]*\)|base64\([^)\n]*\)|\.\.\.|…|\*+|«redacted»)(?:$|[\s"'` + '`' + String.raw`,;)}\]@&]))`;
/** Characters that end an unquoted value (whitespace, quotes, backtick). */
const V = String.raw`[^\s"'` + '`' + ']';
/** A base64 run that is a whole word. */
const B64 = '[A-Za-z0-9+/]{6,}={0,2}(?![A-Za-z0-9+/=])';

/** A Basic credential is base64(`user:password`); "Basic authentication" or "Basic realm" are not. */
function isBasicCredential(b64: string): boolean {
  const s = Buffer.from(b64, 'base64').toString('utf8');
  return s.includes(':') && s.length >= 2 && !/[\u0000-\u001f\ufffd]/.test(s);
}

type Rule = [RegExp, string | ((...m: string[]) => string)];
const rx = (source: string, flags: string) => new RegExp(source, flags);

const RULES: Rule[] = [
  // PEM private keys: the whole block (also JSON-escaped `\n`), then a block cut off before its END line.
  [/(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----)/g, `$1${REDACTED}$2`],
  [/(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?!«)(?:[A-Za-z0-9+/=\s:,-]|\\[rn])+/g, `$1${REDACTED}`],
  // Headers: Authorization / Proxy-Authorization (any scheme), X-Registry-Auth (base64 JSON), cookies, *-Token headers.
  [rx(String.raw`\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(basic|bearer|token|negotiate|digest|aws4-hmac-sha256)\s+${PH}[^\s"',` + '`]+', 'gi'), `$1$2 ${REDACTED}`],
  [rx(String.raw`\b(x-registry-auth|x-registry-config|x-harbor-csrf-token|x-amz-security-token|x-auth-token|x-api-key|private-token)(["']?\s*[:=]\s*["']?)${PH}[^\s"',` + '`]+', 'gi'), `$1$2${REDACTED}`],
  [/(^|[\s"'])((?:set-)?cookie["']?\s*:\s*["']?)[^\n"'`]+/gim, `$1$2${REDACTED}`],
  [/\b(bearer)\s+[A-Za-z0-9._~+/-]{16,}=*/gi, `$1 ${REDACTED}`],
  // `Basic dXNlcjpwYXNz` anywhere, when it decodes to user:password.
  [rx(String.raw`\b(basic)(\s+)(${B64})`, 'gi'), (m, b, sp, v) => (isBasicCredential(v) ? `${b}${sp}${REDACTED}` : m)],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // URL userinfo: scheme://user:password@host (the user stays: it names the account, not the secret).
  [rx(String.raw`\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:"'<>` + '`' + String.raw`]*):${PH}([^\s/@"'<>` + '`' + ']*)@', 'gi'), `$1$2:${REDACTED}@`],
  // Schemeless user:password@host (`robot$x:SECRET@harbor`), not an image `name:tag@sha256:…`.
  [rx(String.raw`(^|[\s"'=(,[` + '`' + String.raw`])([^\s:@/"'=(,[` + '`' + String.raw`]+):${PH}([^\s@/"'` + '`' + String.raw`]+)@(?=[A-Za-z0-9[])(?![a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-f0-9]{32,})`, 'gi'), `$1$2:${REDACTED}@`],
  // Query strings: ?token=…, &access_token=…, presigned URL signatures.
  [rx(String.raw`([?&](?:token|access_token|refresh_token|id_token|code|password|secret|client_secret|signature|sig|api_key|apikey|key|x-amz-signature|x-amz-credential|x-amz-security-token)=)${PH}[^&\s"'#<>` + '`]+', 'gi'), `$1${REDACTED}`],
  // Command lines: curl -u / ctr --user / crictl and skopeo --creds user:password, secret flags, `login -p`.
  [rx(String.raw`((?:^|\s)(?:-u|--user|--proxy-user|-U)(?:\s+|=)["']?)([^\s:"'` + '`' + String.raw`]+):${PH}${V}+`, 'g'), `$1$2:${REDACTED}`],
  [rx(String.raw`((?:^|\s)--creds(?:\s+|=)["']?)([^\s:"'` + '`' + String.raw`]+):${PH}${V}+`, 'g'), `$1$2:${REDACTED}`],
  [rx(String.raw`((?:^|\s)--creds(?:\s+|=)["']?)${PH}([^\s:"'` + '`' + String.raw`]+)(?=["']?(?:\s|$))`, 'g'), `$1${REDACTED}`],
  [rx(String.raw`((?:^|\s)${SECRET_FLAGS}(?:\s+|=)["']?)${PH}${V}+`, 'gi'), `$1${REDACTED}`],
  [rx(String.raw`(\b${LOGIN_TOOLS}\s+login\b[^\n|;&]*?\s-p(?:\s+|=)?["']?)${PH}${V}+`, 'gi'), `$1${REDACTED}`],
  // `echo PASS | docker login --password-stdin`, `printf '%s' PASS | …`, `… --password-stdin <<< PASS`.
  [rx(String.raw`(\b(?:echo|printf)\s+(?:-[neE]+\s+)?(?:'%s'\s+|"%s"\s+)?)${PH}("[^"\n]*"|'[^'\n]*'|[^\s|"']+)(?=\s*\|[^\n]*--password-stdin)`, 'g'), `$1${REDACTED}`],
  [rx(String.raw`(--password-stdin[^\n]*?<<<\s*)${PH}("[^"\n]*"|'[^'\n]*'|[^\s"']+)`, 'g'), `$1${REDACTED}`],
  // key = "value" / "key": "value" / key: 'value' (TOML, JSON, YAML quoted), whole quoted value.
  [rx(String.raw`(${KEY_START}${KEY}["']?\s*[:=]\s*)"${PH}(?:[^"\\\n]|\\.)*"`, 'gim'), `$1"${REDACTED}"`],
  [rx(String.raw`(${KEY_START}${KEY}["']?\s*[:=]\s*)'${PH}[^'\n]*'`, 'gim'), `$1'${REDACTED}'`],
  // key=value (env files, TOML unquoted, --from-literal=password=x).
  [rx(String.raw`(${KEY_START}${KEY}\s*=\s*)${PH}[^\s"',};&` + '`]+', 'gim'), `$1${REDACTED}`],
  // YAML `key: value` only when the value is one token ending the line (prose has more words).
  [rx(String.raw`(${KEY_START}${KEY}:[ \t]*)${PH}(?=[^\s"',}]+[,}\s]*$)[^\s"',}]+`, 'gim'), `$1${REDACTED}`],
  [/(\.dockerconfigjson["']?\s*[:=]\s*["']?)[A-Za-z0-9+/=]{8,}/g, `$1${REDACTED}`],
  // .netrc (`machine h login u password p`), htpasswd bcrypt hashes (Harbor's registry credentials).
  [rx(String.raw`(\bmachine\s+\S+\s+login\s+\S+\s+password\s+)${PH}\S+`, 'g'), `$1${REDACTED}`],
  [/\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}/g, REDACTED],
  // Well-known token formats.
  [/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, REDACTED],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{36})\b/g, REDACTED],
];

// Keys of JSON-like values whose string values are blanked whole. Prefixes only with `_`
// (`harbor_admin_password`, `aws_secret_access_key`): `namespace-secret` and the like are labels.
const SECRET_KEY = /^(?:[a-z0-9]+_)*(password|passwd|secret|client[_-]?secret|auth|token|access[_-]?token|refresh[_-]?token|authorization|identitytoken|registrytoken|activationcode|secretaccesskey|secret_access_key|sessiontoken|session_token|client-key-data|private[_-]?key|api[_-]?key|x-registry-auth|cookie)$/i;

export class Redactor {
  readonly #secrets = new Set<string>();

  /**
   * Registers a secret value; it and its base64 forms (alone, and as `user:secret` for Basic
   * headers and dockerconfigjson `auth`) are removed from every redacted text. Values shorter
   * than 4 characters are not registered (they would blank ordinary words).
   */
  add(secret: string | undefined, user?: string): void {
    if (!secret || secret.length < 4) return;
    this.#secrets.add(secret);
    // The secret inside ANY base64 stream (`anyuser:secret`, a JSON document, …): for each of the
    // three alignments, the characters that encode only the secret's bytes (8+ characters, so a
    // match is never chance), standard and url-safe alphabets.
    const bytes = Buffer.from(secret);
    for (const k of [0, 1, 2]) {
      const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
      const core = enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
      if (core.length >= 8) {
        this.#secrets.add(core);
        this.#secrets.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
      }
    }
    this.#secrets.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    this.#secrets.add(Buffer.from(secret).toString('base64url').replace(/=+$/, ''));
    if (secret.includes('"') || secret.includes('\\')) this.#secrets.add(JSON.stringify(secret).slice(1, -1));
    const enc = encodeURIComponent(secret);
    if (enc !== secret) this.#secrets.add(enc);
    if (user !== undefined) this.#secrets.add(Buffer.from(`${user}:${secret}`).toString('base64').replace(/=+$/, ''));
  }

  text(value: string): string {
    let out = value;
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    for (const [re, rep] of RULES) out = out.replace(re, rep as string);
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

/** Process-wide redactor: the target loader and the checks that read cluster secrets register secrets here; reporters and the CLI use it. */
export const redactor = new Redactor();

// AWS credentials the SDK may read from the environment (eks checks) are masked like the target's.
for (const k of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) redactor.add(process.env[k]);
