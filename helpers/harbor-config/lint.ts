import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import type { Finding } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import { redactor } from '../redact.ts';
import { lintScrapeConfig } from '../checks/metrics/scrape-config.ts';
import { PREPARE_PLACEHOLDER_PATH, prepareProblems, TEMPLATE_KEY_PATH } from './prepare-rules.ts';
import { harborYmlSchema } from './schema.ts';

export interface HarborConfigLintOptions {
  /** The Harbor URL nodes use (the target's harbor.url): compared with hostname / external_url. */
  url?: string;
  /** The metrics URL Prometheus scrapes (the target's metrics.url): compared with `metric`. */
  metricsUrl?: string;
  /** Projects are expected to block vulnerable images (the target lists harbor.projects). */
  expectPreventVul?: boolean;
  /** Folder relative certificate paths are read from (default: the harbor.yml's folder). */
  baseDir?: string;
  /** Clock for certificate validity (tests). */
  now?: Date;
  /** A certificate expiring within this many days is a warning (default 30, the target's tls.expiryWarningDays). */
  expiryWarningDays?: number;
  /**
   * A Prometheus config to lint against Harbor's metrics endpoint: `metricsUrl` when given, else
   * the endpoint harbor.yml configures (http://hostname:metric.port/metric.path).
   */
  scrapeConfig?: { text: string; path: string };
}

export interface HarborConfigLint {
  findings: Finding[];
  /** Set when the file is not YAML: the CLI exits 2 with this message. */
  malformed?: string;
  evidence: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** The template's default passwords (make/harbor.yml.tmpl): reported, never printed. */
const DEFAULT_PASSWORDS = [
  { field: 'harbor_admin_password', value: 'Harbor12345' },
  { field: 'database.password', value: 'root123' },
] as const;

const TMP_PATH = /^\/(tmp|var\/tmp|dev\/shm|run)(\/|$)/;
/** Below this, logrotate rotates Harbor's logs away within minutes of a busy pull storm. */
const MIN_ROTATE_BYTES = 1024 * 1024;

function sizeBytes(v: string | number): number | undefined {
  if (typeof v === 'number') return v;
  const m = /^(\d+)([kMG]?)$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * ({ '': 1, k: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const)[m[2] as '' | 'k' | 'M' | 'G'];
}

/** The URL Harbor advertises, computed the way prepare does (configs.py, `public_url`). */
export function publicUrl(c: Obj): { url: string; field: 'external_url' | 'hostname' } | undefined {
  if (typeof c.external_url === 'string' && c.external_url) return { url: c.external_url, field: 'external_url' };
  if (typeof c.hostname !== 'string') return undefined;
  const https = isObj(c.https);
  const p = https ? ((c.https as Obj).port ?? 443) : (isObj(c.http) ? ((c.http as Obj).port ?? 80) : 80);
  const dflt = https ? 443 : 80;
  return { url: `${https ? 'https' : 'http'}://${c.hostname}${p === dflt ? '' : `:${String(p)}`}`, field: 'hostname' };
}

function origin(u: string): string | undefined {
  try {
    return new URL(u).origin;
  } catch {
    return undefined;
  }
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

/** The keys the schema knows at `path` (for "did you mean"). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let s: z.ZodType = harborYmlSchema;
  const unwrap = (t: z.ZodType): z.ZodType => {
    let cur = t;
    while (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
    return cur;
  };
  for (const seg of path) {
    const o = unwrap(s);
    if (!(o instanceof z.ZodObject)) return [];
    const next = (o.shape as Record<string, z.ZodType>)[String(seg)];
    if (!next) return [];
    s = next;
  }
  const o = unwrap(s);
  return o instanceof z.ZodObject ? Object.keys(o.shape) : [];
}

/** line:col of the value (or the key) at `path` in the YAML document. */
function position(doc: Document, lc: LineCounter, path: readonly PropertyKey[], key = false): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      keyNode = node;
    } else break;
  }
  const target = (key ? keyNode : (node ?? keyNode)) as { range?: [number, number, number] } | undefined;
  const offset = target?.range?.[0];
  return offset === undefined ? undefined : lc.linePos(offset);
}

/**
 * Lints harbor.yml text (Harbor v2.13): the template's schema (unknown keys are warnings, wrong
 * types and missing keys errors, with line:col), prepare's own rules, and the rules that matter
 * to nodes pulling from Harbor (URL, HTTPS files, default passwords, metrics, Trivy, retention).
 * YAML is read as 1.1, as prepare's PyYAML reads it (`yes` is a boolean). Malformed YAML sets
 * `malformed` and is one harbor.config-invalid finding. Password values never leave this function.
 */
export function lintHarborConfigText(text: string, subject: string, opts: HarborConfigLintOptions = {}): HarborConfigLint {
  const findings: Finding[] = [];
  const lc = new LineCounter();
  // uniqueKeys off: PyYAML keeps the last of duplicate keys, and so does prepare.
  const doc = parseDocument(text, { version: '1.1', lineCounter: lc, uniqueKeys: false, prettyErrors: true });
  const at = (p?: { line: number; col: number }) => (p ? ` (line ${p.line}:${p.col})` : '');
  const invalid = (field: string, detail: string, pos?: { line: number; col: number }) =>
    findings.push(finding('harbor.config-invalid', { subject, params: { path: subject, field, detail: `${detail}${at(pos)}` }, evidence: { field, ...(pos ?? {}) } }));

  const syntax = doc.errors[0];
  let value: unknown;
  let malformed: string | undefined;
  if (syntax) {
    const pos = syntax.linePos?.[0];
    malformed = `malformed YAML${pos ? ` at line ${pos.line}:${pos.col}` : ''}: ${syntax.message.split('\n')[0]}`;
  } else {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Alias expansion bombs ("Excessive alias count ...") throw here, not in parse.
      malformed = `malformed YAML: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  if (malformed) {
    invalid('(document)', malformed);
    return { findings, malformed, evidence: { file: subject } };
  }
  if (!isObj(value)) {
    invalid('(document)', `harbor.yml is a YAML mapping of settings, got ${value === null || value === undefined ? 'an empty document' : Array.isArray(value) ? 'a list' : typeof value}`);
    return { findings, evidence: { file: subject } };
  }
  const c = value;
  registerSecrets(c);

  // Schema of make/harbor.yml.tmpl.
  const r = harborYmlSchema.safeParse(c);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const path = issue.path as PropertyKey[];
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          const field = [...path, k].map(String).join('.');
          const near = knownKeys(path).map((n) => ({ n, d: levenshtein(n, k) })).filter((x) => x.d <= 2).sort((a, b) => a.d - b.d)[0]?.n;
          const pos = position(doc, lc, [...path, k], true);
          findings.push(finding('harbor.config-unknown-key', { subject, params: { path: subject, field, ...(near ? { expected: near } : {}), ...(pos ? { detail: `line ${pos.line}:${pos.col}` } : {}) }, evidence: { field, ...(pos ?? {}) } }));
        }
        continue;
      }
      const field = path.map(String).join('.') || '(top level)';
      const missing = path.length > 0 && path.reduce<unknown>((o, k) => (isObj(o) ? o[String(k)] : Array.isArray(o) ? o[Number(k)] : undefined), c) === undefined;
      invalid(field, missing ? 'missing (prepare reads it)' : issue.message, position(doc, lc, path));
    }
  }
  for (const p of prepareProblems(c)) invalid(p.field, p.detail, position(doc, lc, p.field.split('.')));
  // prepare stats the CA bundle (configs.py validate) and stops when it cannot.
  const caBundle = isObj(c.storage_service) ? c.storage_service.ca_bundle : undefined;
  if (typeof caBundle === 'string' && caBundle) {
    try {
      readFileSync(resolve(opts.baseDir ?? dirname(resolve(subject)), caBundle));
    } catch (err) {
      invalid('storage_service.ca_bundle', `cannot read ${caBundle} (${(err as NodeJS.ErrnoException).code ?? 'error'}); prepare stops with "Can not get file info"`, position(doc, lc, ['storage_service', 'ca_bundle']));
    }
  }

  // The URL Harbor advertises vs the one nodes use.
  const pub = publicUrl(c);
  if (pub && opts.url && origin(pub.url) !== origin(opts.url)) {
    findings.push(finding('harbor.external-url-mismatch', { subject, params: { url: pub.url, field: `harbor.yml ${pub.field}`, expected: opts.url }, evidence: { file: subject, advertised: pub.url, field: pub.field, expected: opts.url } }));
  }

  // HTTPS files.
  // Nginx's certificate must cover hostname, and the name nodes use when they reach nginx directly.
  // With external_url, nodes reach a proxy in front of Harbor, whose certificate is its own.
  const direct = !(typeof c.external_url === 'string' && c.external_url);
  const hostNames = [...new Set([typeof c.hostname === 'string' ? c.hostname : '', direct && opts.url ? hostOf(opts.url) : ''].filter(Boolean))];
  const host = hostNames[0];
  if (!isObj(c.https)) {
    if (c.https === undefined || c.https === null) findings.push(finding('harbor.config-http-only', { subject, params: { path: subject, ...(host ? { host } : {}) }, evidence: { file: subject } }));
  } else {
    findings.push(...certificateFindings(c.https, subject, hostNames, opts.baseDir ?? dirname(resolve(subject)), opts.now ?? new Date(), opts.expiryWarningDays ?? 30, (f) => position(doc, lc, ['https', f])));
  }

  // Default passwords: the finding says which field, never the value.
  const usesBundledDb = !isObj(c.external_database);
  for (const d of DEFAULT_PASSWORDS) {
    if (d.field === 'database.password' && !usesBundledDb) continue;
    const v = d.field === 'harbor_admin_password' ? c.harbor_admin_password : isObj(c.database) ? c.database.password : undefined;
    if (v === d.value) findings.push(finding('harbor.config-default-password', { subject, params: { path: subject, field: d.field }, evidence: { field: d.field, default: true } }));
  }

  // Metrics.
  const metric = isObj(c.metric) ? c.metric : undefined;
  const metricsUrl = opts.metricsUrl ? safeUrl(opts.metricsUrl) : undefined;
  const metricsParams = { path: subject, ...(opts.metricsUrl ? { url: opts.metricsUrl } : {}) };
  // prepare and its templates test `metric.enabled` with Python truthiness (`{% if metric.enabled %}`).
  if (!metric || !pythonTruthy(metric.enabled)) {
    findings.push(finding('harbor.config-metrics', { subject, params: { ...metricsParams, field: 'metric.enabled', detail: metric ? `metric.enabled is ${JSON.stringify(metric.enabled ?? null)}: Harbor serves no metrics` : 'no metric section: Harbor serves no metrics (the template leaves it commented out)' }, evidence: { metric: metric ?? null } }));
  } else if (metricsUrl) {
    const wantPort = metricsUrl.port || (metricsUrl.protocol === 'https:' ? '443' : '80');
    if (typeof metric.port === 'number' && String(metric.port) !== wantPort) findings.push(finding('harbor.config-metrics', { subject, params: { ...metricsParams, field: 'metric.port', detail: `Harbor serves metrics on port ${String(metric.port)}, not ${wantPort}` }, evidence: { metric } }));
    const path = typeof metric.path === 'string' ? (metric.path.startsWith('/') ? metric.path : `/${metric.path}`) : undefined;
    if (path !== undefined && path !== metricsUrl.pathname) findings.push(finding('harbor.config-metrics', { subject, params: { ...metricsParams, field: 'metric.path', detail: `Harbor serves metrics at ${path}, not ${metricsUrl.pathname}` }, evidence: { metric } }));
  }

  // The scrape config against the metrics URL (given, or the one harbor.yml configures).
  if (opts.scrapeConfig) {
    const own = metric && pythonTruthy(metric.enabled) && typeof c.hostname === 'string' && typeof metric.port === 'number' && typeof metric.path === 'string'
      ? `http://${c.hostname}:${metric.port}${metric.path.startsWith('/') ? '' : '/'}${metric.path}`
      : undefined;
    const url = opts.metricsUrl ?? own;
    if (url) findings.push(...lintScrapeConfig(opts.scrapeConfig.text, { metricsUrl: url, path: opts.scrapeConfig.path }).findings);
  }

  // Trivy, when projects are expected to block vulnerable images.
  if (opts.expectPreventVul) {
    const trivy = isObj(c.trivy) ? c.trivy : undefined;
    if (trivy?.skip_update === true && trivy.offline_scan !== true) {
      findings.push(finding('harbor.config-trivy-off', { subject, params: { path: subject, field: 'trivy.skip_update', detail: 'trivy.skip_update is true without offline_scan: Trivy never downloads its vulnerability database, so scans cannot find current vulnerabilities' }, evidence: { trivy } }));
    } else if (!trivy) {
      findings.push(finding('harbor.config-trivy-off', { subject, params: { path: subject, field: 'trivy', detail: 'no trivy section: Harbor looks installed without Trivy (install.sh --with-trivy), and without a scanner prevent_vul is not enforced' }, evidence: { trivy: null } }));
    }
  }

  // Data and log retention.
  const retention = (field: string, value: string, detail: string) =>
    findings.push(finding('harbor.config-retention', { subject, params: { path: subject, field, value, detail }, evidence: { field, value } }));
  if (typeof c.data_volume === 'string' && TMP_PATH.test(c.data_volume)) retention('data_volume', c.data_volume, 'a temporary file system: images, the database and job logs are lost at reboot');
  if (typeof c.data_volume === 'string' && c.data_volume && !isAbsolute(c.data_volume)) retention('data_volume', c.data_volume, 'not an absolute path: Docker mounts it relative to wherever compose runs, not where the data lives');
  const local = isObj(c.log) && isObj(c.log.local) ? c.log.local : undefined;
  if (local) {
    if (local.rotate_count === 0) retention('log.local.rotate_count', '0', 'prepare reads 0 as unset and keeps the default 50 files: rotation is not turned off, and the setting does not say what Harbor does');
    else if (local.rotate_count === 1) retention('log.local.rotate_count', '1', 'one rotated file: the logs of the previous rotation are gone at the next one');
    if (typeof local.location === 'string' && TMP_PATH.test(local.location)) retention('log.local.location', local.location, 'a temporary file system: Harbor logs are lost at reboot');
    const size = typeof local.rotate_size === 'string' || typeof local.rotate_size === 'number' ? sizeBytes(local.rotate_size) : undefined;
    if (size !== undefined && size > 0 && size < MIN_ROTATE_BYTES) retention('log.local.rotate_size', String(local.rotate_size), 'below 1M: logs rotate away within minutes on a busy registry');
  }

  return {
    findings,
    evidence: { file: subject, advertisedUrl: pub?.url ?? null, https: isObj(c.https), metric: metric ? { enabled: metric.enabled, port: metric.port, path: metric.path } : null, version: c._version ?? null },
  };
}

/** Passwords in harbor.yml join the redactor before anything can print them. */
function registerSecrets(c: Obj): void {
  const at = (...path: string[]) => path.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), c);
  for (const v of [at('harbor_admin_password'), at('database', 'password'), at('external_database', 'harbor', 'password'), at('external_redis', 'password'), at('trace', 'jaeger', 'password'), at('trivy', 'github_token')]) {
    if (typeof v === 'string' || typeof v === 'number') redactor.add(String(v));
  }
}

/** Python's truth value of a YAML scalar or collection (what prepare's `if x:` sees). */
function pythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.keys(v).length > 0;
  return true;
}

function hostOf(u: string): string {
  return safeUrl(u)?.hostname.replace(/^\[|\]$/g, '') ?? '';
}

function safeUrl(u: string): URL | undefined {
  try {
    return new URL(u);
  } catch {
    return undefined;
  }
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:]+)$/i;

/** https.certificate / https.private_key: readable, a matching pair, covering every host name, valid now. */
function certificateFindings(https: Obj, subject: string, hostNames: string[], baseDir: string, now: Date, warnDays: number, pos: (field: string) => { line: number; col: number } | undefined): Finding[] {
  const out: Finding[] = [];
  const host = hostNames[0];
  const bad = (field: string, detail: string, severity?: 'warning') => {
    const p = pos(field.replace(/^https\./, ''));
    out.push(finding('harbor.config-certificate', { subject, params: { path: subject, field, ...(host ? { host } : {}), detail: `${detail}${p ? ` (line ${p.line})` : ''}` }, evidence: { field, ...(p ?? {}) }, ...(severity ? { severity } : {}) }));
  };
  const read = (field: 'certificate' | 'private_key'): Buffer | undefined => {
    const v = https[field];
    if (typeof v !== 'string' || !v) { bad(`https.${field}`, 'not set (prepare: "The protocol is https but attribute ssl_cert is not set")'); return undefined; }
    if (v === PREPARE_PLACEHOLDER_PATH || v === TEMPLATE_KEY_PATH) { bad(`https.${field}`, `still the template's placeholder ${v}`); return undefined; }
    const file = resolve(baseDir, v);
    try {
      return readFileSync(file);
    } catch (err) {
      bad(`https.${field}`, `cannot read ${v} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const certPem = read('certificate');
  const keyPem = read('private_key');
  let cert: X509Certificate | undefined;
  if (certPem) {
    try {
      cert = new X509Certificate(certPem);
    } catch {
      bad('https.certificate', `${String(https.certificate)} is not a PEM certificate`);
    }
  }
  let keyDer: Buffer | undefined;
  if (keyPem) {
    try {
      keyDer = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    } catch (err) {
      const encrypted = /passphrase|encrypted/i.test((err as Error).message) || /ENCRYPTED/.test(keyPem.toString('latin1'));
      bad('https.private_key', encrypted ? `${String(https.private_key)} is encrypted: nginx cannot read a key that needs a passphrase` : `${String(https.private_key)} is not a PEM private key`);
    }
  }
  if (cert && keyDer && !cert.publicKey.export({ type: 'spki', format: 'der' }).equals(keyDer)) {
    bad('https.private_key', `${String(https.private_key)} is not the key of ${String(https.certificate)} (nginx refuses to start: "key values mismatch")`);
  }
  if (cert) {
    for (const name of hostNames) {
      const covered = IP.test(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name, { subject: 'never' }) !== undefined;
      if (!covered) bad('https.certificate', `${String(https.certificate)} does not cover ${name}: its SANs are ${cert.subjectAltName ?? 'absent (CN only, which clients ignore)'}`);
    }
    const notAfter = new Date(cert.validTo);
    const notBefore = new Date(cert.validFrom);
    if (notAfter.getTime() < now.getTime()) bad('https.certificate', `${String(https.certificate)} expired on ${notAfter.toISOString()}`);
    else if (notBefore.getTime() > now.getTime()) bad('https.certificate', `${String(https.certificate)} is not valid before ${notBefore.toISOString()}`);
    else {
      const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
      if (daysLeft < warnDays) bad('https.certificate', `${String(https.certificate)} expires on ${notAfter.toISOString()} (in ${daysLeft} days)`, 'warning');
    }
  }
  return out;
}

/**
 * `hybrid-doctor lint harbor FILE` and the harbor/config check: reads the file (a read error is
 * returned as `unreadable`, for the caller to report its own way).
 */
export function lintHarborConfigFile(path: string, opts: HarborConfigLintOptions = {}): HarborConfigLint | { unreadable: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { unreadable: `cannot read harbor.yml ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  return lintHarborConfigText(text, path, opts);
}
