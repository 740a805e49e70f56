import type { Secret } from './types.ts';
import { redactor } from '../redact.ts';

/**
 * Image pull secrets as the kubelet reads them: `kubernetes.io/dockerconfigjson`
 * (`.dockerconfigjson` = `{"auths": {KEY: {auth | username+password}}}`) or the legacy
 * `kubernetes.io/dockercfg` (`.dockercfg` = `{KEY: {...}}`), and docker's rules for which `auths`
 * key serves an image's registry (kubernetes pkg/credentialprovider keyring.go: scheme ignored,
 * host and port must match exactly, `*` globs one DNS label, key path is a prefix of the image
 * path, `index.docker.io` / `docker.io` aliases).
 *
 * Credentials stay in memory; problems name the field, never the value.
 */

export const PULL_SECRET_TYPES = ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg'] as const;

export interface AuthEntry {
  /** The `auths` key as written. */
  key: string;
  username?: string;
  password?: string;
}

export interface SecretProblem {
  /** `type`, `.dockerconfigjson`, `auths`, `auths["h"].auth`, ... */
  field: string;
  detail: string;
}

export interface ParsedPullSecret {
  entries: AuthEntry[];
  problems: SecretProblem[];
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeB64(s: string): string | undefined {
  const t = s.replace(/\s+/g, '');
  if (!B64.test(t) || t.length % 4 === 1) return undefined;
  return Buffer.from(t, 'base64').toString('utf8');
}

/**
 * Registers what a cluster Secret holds with the process-wide redactor (k8sgpt's "Sensitive"
 * idea): every data value, raw (base64) and decoded, before anything can print it. Values
 * shorter than 8 characters that are not credentials are left out: they would blank words.
 */
function registerSecretData(secret: Secret): void {
  for (const v of Object.values(secret.data ?? {})) {
    if (typeof v !== 'string' || v.length < 8) continue;
    redactor.add(v);
    const dec = decodeB64(v);
    if (dec !== undefined && dec.length >= 8) redactor.add(dec);
  }
}

/** Parses a pull secret; a wrong type, bad base64, bad JSON, missing `auths` or bad `auth` are problems. */
export function parsePullSecret(secret: Secret): ParsedPullSecret {
  registerSecretData(secret);
  const problems: SecretProblem[] = [];
  const type = secret.type ?? 'Opaque';
  if (!(PULL_SECRET_TYPES as readonly string[]).includes(type)) {
    return { entries: [], problems: [{ field: 'type', detail: `type is ${type}; the kubelet only reads kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg` }] };
  }
  const dataKey = type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : '.dockercfg';
  const raw = secret.data?.[dataKey];
  if (raw === undefined) return { entries: [], problems: [{ field: dataKey, detail: `the secret has no ${dataKey} key` }] };
  const text = decodeB64(raw);
  if (text === undefined) return { entries: [], problems: [{ field: dataKey, detail: `${dataKey} is not valid base64` }] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { entries: [], problems: [{ field: dataKey, detail: `${dataKey} is not valid JSON` }] };
  }
  let auths: unknown = json;
  if (type === 'kubernetes.io/dockerconfigjson') {
    auths = (json as { auths?: unknown } | null)?.auths;
    if (auths === undefined || auths === null || typeof auths !== 'object' || Array.isArray(auths)) {
      return { entries: [], problems: [{ field: 'auths', detail: `${dataKey} has no "auths" object` }] };
    }
  }
  if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) return { entries: [], problems: [{ field: dataKey, detail: `${dataKey} is not a JSON object` }] };
  const entries: AuthEntry[] = [];
  for (const [key, v] of Object.entries(auths as Record<string, unknown>)) {
    const e = (v ?? {}) as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown; registrytoken?: unknown };
    const entry: AuthEntry = { key };
    // Every credential of the entry is masked from here on, whatever the entry's other problems.
    for (const t of [e.auth, e.identitytoken, e.registrytoken]) if (typeof t === 'string') redactor.add(t);
    if (typeof e.auth === 'string' && e.auth !== '') {
      const dec = decodeB64(e.auth);
      const colon = dec?.indexOf(':') ?? -1;
      if (dec === undefined || colon < 0) {
        problems.push({ field: `auths["${key}"].auth`, detail: dec === undefined ? 'auth is not valid base64' : 'auth is not base64(username:password) (no colon)' });
        continue;
      }
      entry.username = dec.slice(0, colon);
      entry.password = dec.slice(colon + 1);
      redactor.add(entry.password, entry.username);
    } else if (typeof e.username === 'string') {
      entry.username = e.username;
      entry.password = typeof e.password === 'string' ? e.password : '';
      redactor.add(entry.password, entry.username);
    } else {
      problems.push({ field: `auths["${key}"]`, detail: 'entry has neither auth nor username/password' });
      continue;
    }
    entries.push(entry);
  }
  if (entries.length === 0 && problems.length === 0) problems.push({ field: 'auths', detail: '"auths" is empty' });
  return { entries, problems };
}

interface Parsed {
  host: string;
  port: string;
  path: string;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * kubelet's ParseSchemelessURL + SplitHost: the scheme is dropped and host[:port] is compared AS
 * WRITTEN. WHATWG `new URL` would drop a default port (`host:443` → `host`), which the kubelet's
 * Go url.Parse keeps: a key `harbor.example.com:443` does NOT serve `harbor.example.com/...`.
 */
function parseKey(key: string): Parsed | undefined {
  const k = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = k.indexOf('/');
  const authority = (slash < 0 ? k : k.slice(0, slash)).replace(/^[^@]*@/, '').toLowerCase();
  const rawPath = slash < 0 ? '' : k.slice(slash).replace(/[?#].*$/, '');
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(authority);
  if (!m || !m[1]) return undefined;
  let host = m[1];
  // kubelet keyring: "/v1/" and "/v2/" path prefixes are equivalent to the bare host.
  const path = rawPath.replace(/^\/v[12](?=\/|$)/, '').replace(/\/+$/, '');
  if (DOCKER_HUB.has(host)) host = 'docker.io';
  return { host, port: m[2] ?? '', path };
}

function hostGlob(pattern: string, host: string): boolean {
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  return p.every((seg, i) => {
    const re = new RegExp(`^${seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*')}$`);
    return re.test(h[i]!);
  });
}

/**
 * Does the `auths` key serve `image` (registry host[:port] + repository path)? Mirrors the
 * kubelet's URLsMatch: same host (globs per label), same port (none ≠ 443), key path a prefix.
 */
export function authKeyMatches(key: string, registry: string, repository = ''): boolean {
  const k = parseKey(key);
  const r = parseKey(`${registry}/${repository}`);
  if (!k || !r) return false;
  if (!hostGlob(k.host, r.host)) return false;
  if (k.port !== r.port) return false;
  if (k.path === '' || k.path === '/') return true;
  return `${r.path}/`.startsWith(`${k.path}/`);
}

/** The entry that serves the image, if any (first match in key order, as the keyring does for equal specificity). */
export function matchingEntry(entries: readonly AuthEntry[], registry: string, repository = ''): AuthEntry | undefined {
  return entries.find((e) => authKeyMatches(e.key, registry, repository));
}

/**
 * A robot username that lost its name: `robot$k8s-robot` typed inside double quotes in a shell
 * becomes `robot` (or `robot-robot` with `$k8s` expanded empty). Returns the expected name when
 * the username looks mangled.
 */
export function mangledRobot(username: string, expected?: string): string | undefined {
  if (expected && username === expected) return undefined;
  if (/^robot\$?$/.test(username)) return expected ?? 'robot$<name>';
  if (expected?.startsWith('robot$')) {
    const rest = expected.slice('robot$'.length);
    // `$k8s-robot` inside double quotes: `$k8s` expands to '', leaving `robot-robot`.
    const afterVar = rest.replace(/^[A-Za-z0-9_]+/, '');
    if (username === `robot${afterVar}` || username === `robot${rest}` || username === `robot+${rest}`) return expected;
  }
  return undefined;
}
