import { parseAllDocuments } from 'yaml';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';

/** What the linter compares a scrape config against: the metrics URL the target says is right. */
export interface ScrapeConfigExpectation {
  /** e.g. http://harbor.example.com:9090/metrics (a `comp` query parameter is honoured). */
  metricsUrl: string;
  /** File name for subjects and evidence. */
  path: string;
}

interface Job {
  index: number;
  name: string;
  raw: Record<string, unknown>;
  scheme: string;
  metricsPath: string;
  comps: string[];
  targets: { host: string; port: string; raw: string }[];
}

const defaultPort = (scheme: string) => (scheme === 'https' ? '443' : '80');

function splitTarget(t: string, scheme: string): { host: string; port: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(t) ?? /^([^:]+)(?::(\d+))?$/.exec(t);
  return { host: (m?.[1] ?? t).toLowerCase(), port: m?.[2] ?? defaultPort(scheme) };
}

/**
 * Lints a Prometheus configuration (a prometheus.yml, or a Kubernetes ConfigMap holding one
 * under `data["prometheus.yml"]`) against the Harbor metrics endpoint. Every problem is one
 * `metrics.scrape-config-invalid` finding whose `detail` names the job and what is wrong.
 *
 * Harbor specifics: the exporter answers on `<port>/<path>`; request counters and latency
 * (`harbor_core_http_request_*`) are only served with `?comp=core`, so a config that scrapes
 * the exporter alone never sees 401/5xx rates or API latency. Harbor's metrics listener is the
 * one configured in harbor.yml `metric:`; the target's metrics URL says which scheme it speaks.
 */
export function lintScrapeConfig(text: string, exp: ScrapeConfigExpectation): { findings: Finding[]; evidence: Record<string, unknown> } {
  const url = new URL(exp.metricsUrl);
  const want = { scheme: url.protocol.replace(':', ''), host: url.hostname.toLowerCase(), port: url.port || defaultPort(url.protocol.replace(':', '')), path: url.pathname || '/metrics', comp: url.searchParams.get('comp') ?? undefined };
  const findings: Finding[] = [];
  const bad = (detail: string, job?: string) =>
    findings.push(finding('metrics.scrape-config-invalid', {
      subject: exp.path,
      params: { path: exp.path, url: exp.metricsUrl, detail: job ? `scrape_configs[job_name=${job}]: ${detail}` : detail },
      evidence: { file: exp.path, expected: want, ...(job ? { job } : {}) },
    }));

  const prom = loadPrometheusYaml(text);
  if ('error' in prom) {
    bad(prom.error);
    return { findings, evidence: { file: exp.path, expected: want } };
  }
  const cfg = prom.config;
  const scrapeConfigs = cfg.scrape_configs;
  if (!Array.isArray(scrapeConfigs)) {
    bad(scrapeConfigs === undefined ? 'no scrape_configs list' : 'scrape_configs is not a list');
    return { findings, evidence: { file: exp.path, expected: want, source: prom.source } };
  }

  const jobs: Job[] = [];
  scrapeConfigs.forEach((rawJob: unknown, index) => {
    if (!rawJob || typeof rawJob !== 'object' || Array.isArray(rawJob)) { bad(`scrape_configs[${index}] is not a mapping`); return; }
    const raw = rawJob as Record<string, unknown>;
    const name = typeof raw.job_name === 'string' ? raw.job_name : `#${index}`;
    if (typeof raw.job_name !== 'string') bad(`scrape_configs[${index}] has no job_name`);
    const scheme = typeof raw.scheme === 'string' ? raw.scheme : 'http';
    const metricsPath = typeof raw.metrics_path === 'string' ? raw.metrics_path : '/metrics';
    const params = raw.params as Record<string, unknown> | undefined;
    const comps = Array.isArray(params?.comp) ? params.comp.map(String) : [];
    const targets: Job['targets'] = [];
    const sc = raw.static_configs;
    if (sc !== undefined) {
      if (!Array.isArray(sc)) bad('static_configs is not a list of {targets: [...]} entries', name);
      else sc.forEach((entry: unknown, i) => {
        const t = (entry as { targets?: unknown } | null)?.targets;
        if (!entry || typeof entry !== 'object' || !Array.isArray(t)) { bad(`static_configs[${i}] has no targets list`, name); return; }
        for (const item of t) {
          if (typeof item !== 'string' || item.trim() === '') { bad(`static_configs[${i}].targets holds a non-string entry`, name); continue; }
          if (/^[a-z]+:\/\//i.test(item) || item.includes('/')) { bad(`target "${item}" must be host:port; scheme and path belong in scheme: and metrics_path:`, name); continue; }
          targets.push({ ...splitTarget(item.trim(), scheme), raw: item });
        }
      });
    }
    jobs.push({ index, name, raw, scheme, metricsPath, comps, targets });
  });

  const harborJobs = jobs.filter((j) => j.targets.some((t) => t.host === want.host) || /harbor/i.test(j.name));
  const evidence = { file: exp.path, expected: want, source: prom.source, jobs: jobs.map((j) => ({ job: j.name, scheme: j.scheme, metrics_path: j.metricsPath, comp: j.comps, targets: j.targets.map((t) => t.raw) })) };
  if (harborJobs.length === 0) {
    bad(`no job scrapes ${want.host}:${want.port} (jobs: ${jobs.map((j) => j.name).join(', ') || 'none'})`);
    return { findings, evidence };
  }
  for (const j of harborJobs) {
    const sd = Object.keys(j.raw).filter((k) => k.endsWith('_sd_configs'));
    if (j.targets.length === 0) {
      if (sd.length === 0) bad('job has no static_configs targets and no service discovery', j.name);
      continue; // service discovery targets cannot be judged statically
    }
    for (const t of j.targets) {
      if (t.host !== want.host) bad(`target ${t.raw} is not the metrics host ${want.host}`, j.name);
      else if (t.port !== want.port) bad(`target ${t.raw} uses port ${t.port}; Harbor metrics listen on ${want.port}`, j.name);
    }
    if (j.metricsPath !== want.path) bad(`metrics_path ${j.metricsPath} differs from ${want.path}`, j.name);
    if (j.scheme !== want.scheme) bad(`scheme ${j.scheme}${j.raw.scheme === undefined ? ' (the default)' : ''} but the metrics endpoint speaks ${want.scheme}`, j.name);
    const tls = (j.raw.tls_config ?? {}) as Record<string, unknown>;
    if (j.scheme === 'https') {
      if (tls.insecure_skip_verify === true) bad('tls_config.insecure_skip_verify is true: certificate verification is off', j.name);
      else if (!tls.ca_file && !tls.ca) bad('scheme https without tls_config.ca_file: Prometheus verifies against system roots, which do not hold a private Harbor CA', j.name);
    }
  }
  const comps = new Set(harborJobs.flatMap((j) => (j.comps.length ? j.comps : ['(exporter)'])));
  if (!want.comp && !comps.has('core')) {
    bad(`no job sets params: {comp: [core]}: Harbor serves harbor_core_http_request_total and harbor_core_http_request_duration_seconds only at ${want.path}?comp=core, so 401/5xx rates and API latency are never scraped`);
  }
  return { findings, evidence };
}

/** Accepts prometheus.yml or a ConfigMap (first data key holding scrape_configs, preferring prometheus.yml). */
function loadPrometheusYaml(text: string): { config: Record<string, unknown>; source: string } | { error: string } {
  const parsed = parseYaml(text);
  if ('error' in parsed) return parsed;
  const doc = parsed.value;
  if (doc && typeof doc === 'object' && (doc as { kind?: unknown }).kind === 'ConfigMap') {
    const data = ((doc as { data?: unknown }).data ?? {}) as Record<string, unknown>;
    const keys = Object.keys(data);
    const key = keys.includes('prometheus.yml') ? 'prometheus.yml' : keys.find((k) => typeof data[k] === 'string' && /scrape_configs/.test(data[k] as string));
    if (!key || typeof data[key] !== 'string') return { error: `ConfigMap has no data["prometheus.yml"] (keys: ${keys.join(', ') || 'none'})` };
    const inner = parseYaml(data[key] as string);
    if ('error' in inner) return { error: `data["${key}"]: ${inner.error}` };
    if (!inner.value || typeof inner.value !== 'object') return { error: `data["${key}"] is not a YAML mapping` };
    return { config: inner.value as Record<string, unknown>, source: `ConfigMap data["${key}"]` };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { error: 'not a YAML mapping (expected prometheus.yml or a ConfigMap)' };
  return { config: doc as Record<string, unknown>, source: 'prometheus.yml' };
}

function parseYaml(text: string): { value: unknown } | { error: string } {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    const e = d.errors[0];
    if (e) {
      const pos = e.linePos?.[0];
      return { error: `malformed YAML${pos ? ` at line ${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}` };
    }
  }
  const first = list.find((d) => d.contents !== null);
  return { value: first ? first.toJS() : null };
}
