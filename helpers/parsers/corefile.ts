/**
 * A CoreDNS Corefile parser (Caddyfile syntax, as CoreDNS uses it). There is no maintained npm
 * Corefile parser, so this is a small one covering what Corefiles contain: server blocks with
 * one or more keys (`.:53`, `dns://example.com:1053`, `10.0.0.0/24`), snippets `(name) { ... }`,
 * directives with arguments, nested blocks, `#` comments, "quoted" and `backquoted` arguments,
 * `import` (kept as a directive, not expanded) and environment placeholders `{$VAR}` / `{%VAR%}`
 * (kept verbatim). Malformed input throws CorefileSyntaxError with the 1-based line number.
 * Reference: https://coredns.io/manual/configuration/ and Caddy v1's caddyfile lexer.
 */
export interface CorefileDirective {
  name: string;
  args: string[];
  line: number;
  /** Contents of `{ ... }` after the directive, if any. */
  block?: CorefileDirective[];
}

export interface CorefileServerKey {
  raw: string;
  scheme: string;
  /** Zone, lowercased, with a trailing dot ('.' for the root). */
  zone: string;
  port?: number;
}

export interface CorefileServerBlock {
  keys: CorefileServerKey[];
  line: number;
  directives: CorefileDirective[];
  /** Set for a snippet definition `(name) { ... }`; snippets serve nothing by themselves. */
  snippet?: string;
}

export interface Corefile {
  serverBlocks: CorefileServerBlock[];
}

export class CorefileSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'CorefileSyntaxError';
    this.line = line;
  }
}

interface Token {
  text: string;
  line: number;
  /** True for `{` / `}` that structure the file (not inside quotes, not a placeholder). */
  brace?: '{' | '}';
  /** First token on its line. */
  lineStart: boolean;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  let lastLine = 0;
  const push = (text: string, l: number, brace?: '{' | '}') => {
    tokens.push({ text, line: l, lineStart: l !== lastLine, ...(brace ? { brace } : {}) });
    lastLine = l;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '"' || c === '`') {
      const start = line;
      let text = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (c === '"' && src[i] === '\\' && (src[i + 1] === '"' || src[i + 1] === '\\')) { text += src[i + 1]; i += 2; continue; }
        if (src[i] === '\n') line++;
        text += src[i];
        i++;
      }
      if (i >= src.length) throw new CorefileSyntaxError(`unterminated ${c === '"' ? 'quoted string' : 'backquoted string'}`, start);
      i++;
      push(text, start);
      continue;
    }
    // Environment placeholders {$VAR} and {%VAR%} are words, not blocks.
    const env = /^\{(\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%)\}/.exec(src.slice(i, i + 200));
    if (c === '{' && !env) {
      // `{` glued to a word (e.g. `.:53{`) is still a brace.
      push('{', line, '{');
      i++;
      continue;
    }
    if (c === '}') { push('}', line, '}'); i++; continue; }
    let text = '';
    while (i < src.length && !/[\s#"`]/.test(src[i]!)) {
      const m = src[i] === '{' ? /^\{(\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%)\}/.exec(src.slice(i, i + 200)) : null;
      if (m) { text += m[0]; i += m[0].length; continue; }
      if (src[i] === '{' || src[i] === '}') break;
      text += src[i];
      i++;
    }
    push(text, line);
  }
  return tokens;
}

function parseKey(raw: string, line: number): CorefileServerKey {
  let rest = raw;
  let scheme = 'dns';
  const sm = /^([a-z]+):\/\//.exec(rest);
  if (sm) { scheme = sm[1]!; rest = rest.slice(sm[0].length); }
  let port: number | undefined;
  const pm = /:(\d+)$/.exec(rest);
  if (pm) { port = Number(pm[1]); rest = rest.slice(0, -pm[0].length); }
  else if (/:[^:]*$/.test(rest) && !rest.includes('[')) {
    const p = rest.slice(rest.lastIndexOf(':') + 1);
    if (p && !/^\{/.test(p)) throw new CorefileSyntaxError(`invalid port in server key "${raw}"`, line);
  }
  if (rest === '') rest = '.';
  const zone = rest === '.' ? '.' : `${rest.toLowerCase().replace(/\.$/, '')}.`;
  return { raw, scheme, zone, ...(port !== undefined ? { port } : {}) };
}

/** Parses Corefile text. Throws CorefileSyntaxError (with `line`) on malformed input. */
export function parseCorefile(src: string): Corefile {
  const tokens = tokenize(src);
  let p = 0;
  const serverBlocks: CorefileServerBlock[] = [];

  const parseBlockBody = (openLine: number): CorefileDirective[] => {
    const out: CorefileDirective[] = [];
    while (p < tokens.length) {
      const t = tokens[p]!;
      if (t.brace === '}') { p++; return out; }
      if (t.brace === '{') throw new CorefileSyntaxError('unexpected "{" (a block must follow a directive on the same line)', t.line);
      const d: CorefileDirective = { name: t.text, args: [], line: t.line };
      p++;
      while (p < tokens.length && !tokens[p]!.lineStart && !tokens[p]!.brace) { d.args.push(tokens[p]!.text); p++; }
      const n = tokens[p];
      if (n?.brace === '{' && n.line === d.line) {
        p++;
        d.block = parseBlockBody(n.line);
      }
      out.push(d);
    }
    throw new CorefileSyntaxError('unclosed "{"', openLine);
  };

  while (p < tokens.length) {
    const first = tokens[p]!;
    if (first.brace) throw new CorefileSyntaxError(`unexpected "${first.brace}" where a server block key (e.g. ".:53") was expected`, first.line);
    const keyTokens: Token[] = [];
    // Keys may span lines when separated by commas.
    while (p < tokens.length && !tokens[p]!.brace) {
      const t = tokens[p]!;
      if (keyTokens.length && t.lineStart && !keyTokens[keyTokens.length - 1]!.text.endsWith(',')) break;
      keyTokens.push(t);
      p++;
    }
    const open = tokens[p];
    if (!open || open.brace !== '{') {
      throw new CorefileSyntaxError(`server block "${keyTokens.map((k) => k.text).join(' ')}" has no "{ ... }"`, first.line);
    }
    p++;
    const directives = parseBlockBody(open.line);
    const rawKeys = keyTokens.flatMap((k) => k.text.split(',')).map((k) => k.trim()).filter(Boolean);
    const snippet = rawKeys.length === 1 && /^\(.+\)$/.test(rawKeys[0]!) ? rawKeys[0]!.slice(1, -1) : undefined;
    serverBlocks.push({
      keys: snippet ? [] : rawKeys.map((k) => parseKey(k, first.line)),
      line: first.line,
      directives,
      ...(snippet ? { snippet } : {}),
    });
  }
  return { serverBlocks };
}

/** True when `zone` (with trailing dot) contains `name`. */
export function zoneContains(zone: string, name: string): boolean {
  const n = `${name.toLowerCase().replace(/\.$/, '')}.`;
  return zone === '.' || n === zone || n.endsWith(`.${zone}`);
}
