import type { FindingParams } from '../findings/finding.ts';

/**
 * The catalog's template language. A template is plain text with:
 *
 * - `{name}`: the value of param `name`.
 * - `{name|words}`: the value, or `words` when the param is absent (e.g. `{host|<registry>}` in a
 *   command: a placeholder the reader fills in, chosen by the template's author for that spot).
 * - `[[ ... ]]`: an optional segment, rendered only when every `{name}` inside it (without
 *   `|words`) has a value, dropped whole otherwise: `[[ ({detail})]]`, `[[, expected {expected}]]`.
 * - `[[ ... || other words ]]`: the same, with `other words` in place of a dropped segment:
 *   `[[Pod {namespace}/{pod}||A pod]] references ...`.
 *
 * Where a bare `{name}` outside a segment has no value:
 * - in a remediation STEP the step is dropped (a command is never printed with a made-up value);
 * - in prose (title, message, explanation, summary) only the params of {@link PROSE_NOUNS} may be
 *   bare; they read as a neutral noun ("the registry"). Every other param must sit in a segment or
 *   carry `|words` (render.test.ts enforces it), so no template ever renders filler such as
 *   "(no further detail)" or "the expected value".
 *
 * Some params are derived from others for commands ({@link DERIVED_PARAMS}) and are never stored.
 */

/** Params that may appear bare in prose: their generic noun reads correctly in every sentence that uses them. */
export const PROSE_NOUNS: Readonly<Record<string, string>> = {
  host: 'the registry',
  image: 'the image',
  resolver: 'the resolver',
};

/**
 * Params computed from `host` (registry `host[:port]` as in an image reference):
 * - `hostport`: host with the port `openssl s_client -connect` needs (`:443` added when absent);
 * - `hostname`: the host without port or IPv6 brackets;
 * - `sni`: `hostname` when it is a DNS name (TLS sends no SNI for an IP address).
 */
export const DERIVED_PARAMS: Readonly<Record<string, string>> = { hostport: 'host', hostname: 'host', sni: 'host' };

const PLACEHOLDER = /\{(\w+)(?:\|([^{}]*))?\}/g;
const SEGMENT = /\[\[([\s\S]*?)\]\]/g;
/** A segment or a placeholder, in one pass: values put in are never read again as template. */
const TOKEN = /\[\[([\s\S]*?)\]\]|\{(\w+)(?:\|([^{}]*))?\}/g;

/** Splits `host[:port]` (also `[v6]:port`, bare v6) into hostname and port. */
export function splitHostPort(host: string): { hostname: string; port?: string } {
  const h = host.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(h);
  if (v6) return { hostname: v6[1]!, ...(v6[2] ? { port: v6[2] } : {}) };
  if ((h.match(/:/g) ?? []).length > 1) return { hostname: h };
  const m = /^(.*):(\d+)$/.exec(h);
  return m ? { hostname: m[1]!, port: m[2]! } : { hostname: h };
}

const isIp = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');

function valueOf(params: FindingParams, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v))) return undefined;
  return String(v);
}

/** The params a template sees: the given ones plus {@link DERIVED_PARAMS}. */
export function withDerived(params: FindingParams): FindingParams {
  const host = valueOf(params, 'host');
  if (!host) return params;
  const { hostname, port } = splitHostPort(host);
  const bracketed = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    ...params,
    hostname,
    hostport: `${bracketed}:${port ?? '443'}`,
    ...(isIp(hostname) ? {} : { sni: hostname }),
  };
}

/** Fills placeholders; `undefined` when a bare placeholder has no value and `bare` gives none. */
function fill(text: string, params: FindingParams, bare: (key: string) => string | undefined): string | undefined {
  let complete = true;
  const out = text.replace(PLACEHOLDER, (_, key: string, words: string | undefined) => {
    const v = valueOf(params, key) ?? words ?? bare(key);
    if (v === undefined) complete = false;
    return v ?? '';
  });
  return complete ? out : undefined;
}

/**
 * Renders one template. `kind: 'step'` returns undefined when the step needs a param that is
 * absent (the caller drops it); `kind: 'prose'` always returns text.
 */
export function renderTemplate(template: string, params: FindingParams, kind: 'prose' | 'step'): string | undefined {
  const all = withDerived(params);
  // A bare non-noun param in prose is a catalog bug (render.test.ts); `<name>` keeps it visible.
  const bare = kind === 'step' ? () => undefined : (k: string) => PROSE_NOUNS[k] ?? `<${k}>`;
  let complete = true;
  const out = template.replace(TOKEN, (_, inner: string | undefined, key: string | undefined, words: string | undefined) => {
    if (inner !== undefined) {
      const bar = inner.indexOf('||');
      const [main, other] = bar < 0 ? [inner, ''] : [inner.slice(0, bar), inner.slice(bar + 2)];
      return fill(main, all, () => undefined) ?? other;
    }
    const v = valueOf(all, key!) ?? words ?? bare(key!);
    if (v === undefined) complete = false;
    return v ?? '';
  });
  return complete ? out : undefined;
}

/** Placeholder names a template uses: `bare` outside segments without `|words`, `all` of them. */
export function placeholders(template: string): { all: string[]; bare: string[] } {
  const all = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const outside = template.replace(SEGMENT, '');
  const bare = [...outside.matchAll(PLACEHOLDER)].filter((m) => m[2] === undefined).map((m) => m[1]!);
  return { all: [...new Set(all)], bare: [...new Set(bare)] };
}
