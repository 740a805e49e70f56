import { readFileSync } from 'node:fs';
import { blocked, notApplicable, type Check, type CheckContext, type CheckOutput } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { harborUrl } from '../../registry/http.ts';
import type { Target } from '../../target/load.ts';
import { targetPath } from '../../target/load.ts';
import { p99Series } from './latency.ts';
import { sumSamples, type Families, type Family } from './prom-text.ts';
import { coreComponentUrl, scrape, scrapeOptionsFor, type ScrapeOutcome } from './scrape.ts';
import { lintScrapeConfig } from './scrape-config.ts';

/**
 * Families a Harbor 2.13 metrics endpoint must expose (names verified in goharbor/harbor:
 * src/pkg/exporter/health_collector.go `harbor_up{component}`, project_collector.go
 * `harbor_project_quota_usage_byte` / `harbor_project_quota_byte{project_name}`, and
 * src/lib/metric/collector.go `<ns>_<subsystem>_http_request_total{method,code,operation}` and
 * the summary `..._http_request_duration_seconds{method,operation}` with core's namespace
 * "harbor" and subsystem "core"). The first three come from the exporter at the metrics path,
 * the core families from the same URL with `?comp=core`. Registry (`registry_http_*`) and
 * jobservice families (`?comp=registry|jobservice`) are not required by default: targets that
 * depend on them list them in `metrics.requiredFamilies`.
 */
export const DEFAULT_REQUIRED_FAMILIES = [
  'harbor_up',
  'harbor_core_http_request_total',
  'harbor_core_http_request_duration_seconds',
  'harbor_project_quota_usage_byte',
  'harbor_project_quota_byte',
] as const;

const REQUESTS = 'harbor_core_http_request_total';
const REGISTRY_REQUESTS = 'registry_http_requests_total';
const LATENCY = 'harbor_core_http_request_duration_seconds';
const REGISTRY_LATENCY = 'registry_http_request_duration_seconds';

/** Result of scraping the target's metrics URL (and, for Harbor, its `?comp=core` sibling). */
export interface MetricsScrape {
  main: ScrapeOutcome;
  core?: ScrapeOutcome;
  /** Families of every successful scrape, merged. Empty when the main scrape failed. */
  families: Families;
}

/**
 * Scrapes once per run (shared by every metrics check through `ctx.once`). When the target's
 * URL names no Harbor component, `?comp=core` is scraped too, because Harbor serves its request
 * counters and latency only there; a failed core scrape degrades the evidence, it is not a
 * second unreachable finding.
 */
export function scrapeTarget(ctx: CheckContext): Promise<MetricsScrape> {
  return ctx.once('metrics:scrape', async () => {
    const url = ctx.target.metrics!.url;
    const opts = scrapeOptionsFor(ctx.target, ctx.signal);
    const main = await scrape(url, opts);
    const families: Families = new Map();
    if (!main.ok) return { main, families };
    for (const [k, v] of main.families) families.set(k, v);
    const coreUrl = coreComponentUrl(url);
    if (!coreUrl || families.has(REQUESTS)) return { main, families };
    const core = await scrape(coreUrl, opts);
    if (core.ok) for (const [k, v] of core.families) if (!families.has(k)) families.set(k, v);
    return { main, core, families };
  });
}

const hasMetrics = (t: Target) => (t.metrics ? true : 'no metrics.url in the target');
const subjectOf = (ctx: CheckContext) => ctx.target.metrics!.url;
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

function scrapeEvidence(s: MetricsScrape): Record<string, unknown> {
  const one = (o: ScrapeOutcome) => (o.ok
    ? { url: o.url, status: o.status, contentType: o.contentType, bytes: o.bytes, durationMs: o.durationMs, families: o.families.size }
    : { url: o.url, failed: o.reason, detail: o.detail, status: o.status, durationMs: o.durationMs });
  return { scrape: one(s.main), ...(s.core ? { coreScrape: one(s.core) } : {}), note: 'counters are cumulative since each Harbor process started; ratios cover that whole period (one scrape)' };
}

/** Runs `fn` only when the scrape worked; otherwise not-checked, blocked by metrics.unreachable (metrics/scrape reports it). */
async function withFamilies(ctx: CheckContext, fn: (f: Families, s: MetricsScrape) => CheckOutput): Promise<CheckOutput> {
  const s = await scrapeTarget(ctx);
  if (!s.main.ok) return blocked('metrics.unreachable', `the metrics endpoint ${s.main.url} could not be scraped (${s.main.detail}); see metrics/scrape`, scrapeEvidence(s));
  const out = fn(s.families, s);
  return { ...out, evidence: { ...scrapeEvidence(s), ...out.evidence } };
}

/**
 * Not checked: none of `names` is exposed. Blocked by metrics.families-missing when metrics/families
 * reports one of them (it is required), else not applicable (the target does not require it).
 */
function familyAbsent(ctx: CheckContext, names: string[]): CheckOutput {
  const required: readonly string[] = ctx.target.metrics!.requiredFamilies ?? DEFAULT_REQUIRED_FAMILIES;
  const reason = `${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} not exposed by ${ctx.target.metrics!.url}`;
  return names.some((n) => required.includes(n)) ? blocked('metrics.families-missing', `${reason} (see metrics/families)`) : notApplicable(`${reason} (not in metrics.requiredFamilies)`);
}

/** Not checked: too few requests counted for a ratio to mean anything. */
function tooFewRequests(total: number, minRequests: number, evidence: Record<string, unknown>): CheckOutput {
  return notApplicable(`only ${total} request(s) counted, fewer than metrics.thresholds.minRequests (${minRequests}): the ratio is not judged`, evidence);
}

/** Shares of status classes in a request counter with a `code` label. */
function shares(fam: Family | undefined) {
  const total = sumSamples(fam);
  const c401 = sumSamples(fam, { code: '401' });
  const c5xx = sumSamples(fam, { code: (v) => /^5\d\d$/.test(v) });
  return { total, c401, c5xx };
}

const requestFamily = (f: Families) => f.get(REQUESTS) ?? f.get(REGISTRY_REQUESTS);

export const scrapeCheck: Check = {
  id: 'scrape',
  suite: 'metrics',
  title: 'Metrics endpoint serves Prometheus text',
  applies: hasMetrics,
  async run(ctx) {
    const s = await scrapeTarget(ctx);
    if (s.main.ok) return { findings: [], evidence: scrapeEvidence(s) };
    return {
      findings: [finding('metrics.unreachable', {
        subject: subjectOf(ctx),
        params: { url: s.main.url, detail: s.main.detail, ...(s.main.status ? { status: s.main.status } : {}) },
        evidence: { reason: s.main.reason, detail: s.main.detail, status: s.main.status, codes: s.main.codes, durationMs: s.main.durationMs },
      })],
      evidence: scrapeEvidence(s),
    };
  },
};

export const familiesCheck: Check = {
  id: 'families',
  suite: 'metrics',
  title: 'Expected Harbor metric families are present',
  applies: hasMetrics,
  run: (ctx) => withFamilies(ctx, (fams, s) => {
    const required = ctx.target.metrics!.requiredFamilies ?? [...DEFAULT_REQUIRED_FAMILIES];
    const missing = required.filter((f) => !fams.has(f));
    const coreNote = s.core && !s.core.ok ? `?comp=core scrape failed: ${s.core.detail}` : undefined;
    return {
      findings: missing.map((family) => finding('metrics.families-missing', {
        subject: subjectOf(ctx),
        params: { url: ctx.target.metrics!.url, family, ...(family.startsWith('harbor_core_') && coreNote ? { detail: coreNote } : {}) },
        evidence: { required, present: [...fams.keys()].filter((k) => required.includes(k)), ...(coreNote ? { core: coreNote } : {}) },
      })),
      evidence: { required, missing },
    };
  }),
};

export const authFailuresCheck: Check = {
  id: 'auth-failures',
  suite: 'metrics',
  title: 'Share of 401 responses is below the threshold',
  applies: hasMetrics,
  run: (ctx) => withFamilies(ctx, (fams) => {
    const th = ctx.target.metrics!.thresholds;
    const fam = requestFamily(fams);
    if (!fam) return familyAbsent(ctx, [REQUESTS, REGISTRY_REQUESTS]);
    const { total, c401 } = shares(fam);
    const ratio = total > 0 ? c401 / total : 0;
    const evidence = { family: fam.name, total, unauthorized: c401, ratio: round(ratio), threshold: th.authFailureRatio, minRequests: th.minRequests };
    if (total < th.minRequests || total === 0) return tooFewRequests(total, th.minRequests, evidence);
    if (ratio <= th.authFailureRatio) return { findings: [], evidence };
    return {
      findings: [finding('metrics.auth-failures-high', {
        subject: subjectOf(ctx),
        params: { url: ctx.target.metrics!.url, family: fam.name, ratio: round(ratio), threshold: th.authFailureRatio, value: c401 },
        evidence,
      })],
      evidence,
    };
  }),
};

export const errorsCheck: Check = {
  id: 'errors',
  suite: 'metrics',
  title: 'Share of 5xx responses is below the threshold',
  applies: hasMetrics,
  run: (ctx) => withFamilies(ctx, (fams) => {
    const th = ctx.target.metrics!.thresholds;
    const fam = requestFamily(fams);
    if (!fam) return familyAbsent(ctx, [REQUESTS, REGISTRY_REQUESTS]);
    const { total, c5xx } = shares(fam);
    const ratio = total > 0 ? c5xx / total : 0;
    const byCode: Record<string, number> = {};
    for (const s of fam.samples) if (s.labels.code && /^5/.test(s.labels.code)) byCode[s.labels.code] = (byCode[s.labels.code] ?? 0) + s.value;
    const evidence = { family: fam.name, total, serverErrors: c5xx, byCode, ratio: round(ratio), threshold: th.errorRatio, minRequests: th.minRequests };
    if (total < th.minRequests || total === 0) return tooFewRequests(total, th.minRequests, evidence);
    if (ratio <= th.errorRatio) return { findings: [], evidence };
    return {
      findings: [finding('metrics.errors-high', {
        subject: subjectOf(ctx),
        params: { url: ctx.target.metrics!.url, family: fam.name, ratio: round(ratio), threshold: th.errorRatio, value: c5xx },
        evidence,
      })],
      evidence,
    };
  }),
};

export const latencyCheck: Check = {
  id: 'latency',
  suite: 'metrics',
  title: 'Request latency p99 is below the threshold',
  applies: hasMetrics,
  run: (ctx) => withFamilies(ctx, (fams) => {
    const th = ctx.target.metrics!.thresholds;
    const fam = fams.get(LATENCY) ?? fams.get(REGISTRY_LATENCY);
    if (!fam) return familyAbsent(ctx, [LATENCY, REGISTRY_LATENCY]);
    const series = p99Series(fam);
    if (series.length === 0) return notApplicable(`${fam.name} has no series with observations yet: no p99 to judge`, { family: fam.name, type: fam.type });
    const slow = series.filter((s) => s.p99 > th.latencySeconds).sort((a, b) => b.p99 - a.p99);
    const label = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',') || '(all)';
    const evidence = {
      family: fam.name, type: fam.type, threshold: th.latencySeconds, series: series.length,
      slow: slow.slice(0, 10).map((s) => ({ series: label(s.labels), p99: round(s.p99, 3), count: s.count, source: s.source })),
      note: fam.type === 'summary' ? 'summary quantiles cover the client library window (10 minutes by default)' : 'p99 interpolated from cumulative histogram buckets since process start',
    };
    if (slow.length === 0) return { findings: [], evidence };
    const worst = slow[0]!;
    return {
      findings: [finding('metrics.latency-high', {
        subject: subjectOf(ctx),
        params: { url: ctx.target.metrics!.url, family: fam.name, value: label(worst.labels), seconds: round(worst.p99, 3), threshold: th.latencySeconds },
        evidence,
      })],
      evidence,
    };
  }),
};

export const quotaCheck: Check = {
  id: 'quota',
  suite: 'metrics',
  title: 'Project storage stays below its quota threshold',
  applies: hasMetrics,
  run: (ctx) => withFamilies(ctx, (fams) => {
    const th = ctx.target.metrics!.thresholds;
    const usage = fams.get('harbor_project_quota_usage_byte');
    const quota = fams.get('harbor_project_quota_byte');
    if (!usage || !quota) return familyAbsent(ctx, ['harbor_project_quota_usage_byte', 'harbor_project_quota_byte'].filter((n) => !fams.has(n)));
    const findings: Finding[] = [];
    const projects: Record<string, unknown>[] = [];
    const noUsage: string[] = [];
    for (const s of quota.samples) {
      const project = s.labels.project_name;
      if (!project) continue;
      const used = usage.samples.find((u) => u.labels.project_name === project)?.value;
      if (used === undefined) {
        noUsage.push(project);
        continue;
      }
      // Harbor stores an unlimited storage quota as -1.
      if (s.value < 0 || !(s.value > 0)) { projects.push({ project, used, quota: s.value, unlimited: s.value < 0 }); continue; }
      const ratio = used / s.value;
      projects.push({ project, used, quota: s.value, ratio: round(ratio) });
      if (ratio > th.quotaUsageRatio) {
        findings.push(finding('metrics.storage-near-quota', {
          subject: `${ctx.target.metrics!.url} project ${project}`,
          params: { url: ctx.target.metrics!.url, project, ratio: round(ratio), threshold: th.quotaUsageRatio, value: used },
          evidence: { project, usedBytes: used, quotaBytes: s.value, ratio: round(ratio) },
        }));
      }
    }
    const evidence = { threshold: th.quotaUsageRatio, projects, ...(noUsage.length ? { noUsageSample: noUsage } : {}) };
    if (projects.length === 0 && noUsage.length === 0) return notApplicable('harbor_project_quota_byte has no project samples: no quota to judge', evidence);
    if (noUsage.length) return { findings, evidence, notChecked: { kind: 'not-applicable', reason: `no harbor_project_quota_usage_byte sample for project(s) ${noUsage.join(', ')}` } };
    return { findings, evidence };
  }),
};

export const harborUpCheck: Check = {
  id: 'harbor-up',
  suite: 'metrics',
  title: 'Every Harbor component reports up',
  applies: hasMetrics,
  run: (ctx) => withFamilies(ctx, (fams) => {
    const up = fams.get('harbor_up');
    if (!up) return familyAbsent(ctx, ['harbor_up']);
    const components = up.samples.map((s) => ({ component: s.labels.component ?? '(none)', up: s.value }));
    if (components.length === 0) return notApplicable('harbor_up has no samples: no component to judge');
    // harbor_up{component} is the exporter's view of /api/v2.0/health (health_collector.go: 1 when "healthy").
    const down = components.filter((c) => c.up === 0);
    return {
      findings: down.map((c) => finding('harbor.unhealthy', {
        subject: `${ctx.target.harbor.url} component ${c.component}`,
        params: { host: harborUrl(ctx.target).host, component: c.component, detail: `${ctx.target.metrics!.url}: harbor_up{component="${c.component}"} is 0` },
        evidence: { source: 'harbor_up (exporter view of /api/v2.0/health)', metricsUrl: ctx.target.metrics!.url, components },
      })),
      evidence: { components },
    };
  }),
};

export const scrapeConfigCheck: Check = {
  id: 'scrape-config',
  suite: 'metrics',
  title: 'Prometheus scrape config targets the Harbor metrics endpoint',
  applies: (t) => (!t.metrics ? 'no metrics.url in the target' : t.metrics.scrapeConfig ? true : 'no metrics.scrapeConfig in the target'),
  async run(ctx) {
    const m = ctx.target.metrics!;
    const path = targetPath(ctx.target, m.scrapeConfig!);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return { findings: [finding('metrics.scrape-config-invalid', { subject: path, params: { path, url: m.url, detail: `cannot read the file (${code})` }, evidence: { file: path, code } })] };
    }
    return lintScrapeConfig(text, { metricsUrl: m.url, path });
  },
};

export const metricsChecks: Check[] = [scrapeCheck, familiesCheck, authFailuresCheck, errorsCheck, latencyCheck, quotaCheck, harborUpCheck, scrapeConfigCheck];
