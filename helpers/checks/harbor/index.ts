import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { getProject, getSystemInfo, harborGet, type ApiOutcome } from '../../registry/harbor-api.ts';
import { harborUrl } from '../../registry/http.ts';
import { harborImages, projectOf } from '../../registry/probe-images.ts';
import { isTransportOwned, reportOnce, transportOutcome } from '../../registry/reachability.ts';
import type { Check, CheckContext, CheckOutput } from '../check.ts';

/**
 * harbor suite: the Harbor API itself. Transport failures below HTTP follow the once-per-run rule
 * (reachability.ts); `harbor.unreachable` means the origin is reachable but the API does not
 * answer (timeout, 5xx, not Harbor), reported once per run.
 */

const SUITE = 'harbor' as const;

/** Output for a failed API call: transport once per run; otherwise harbor.unreachable once. */
async function apiFailure(ctx: CheckContext, path: string, o: Extract<ApiOutcome<unknown>, { ok: false }>): Promise<CheckOutput> {
  const host = harborUrl(ctx.target).host;
  const url = new URL(`/api/v2.0${path}`, harborUrl(ctx.target)).toString();
  if ('failure' in o) {
    // Admin credentials withheld (credential realm rule): reported once as auth.realm-untrusted.
    if (isTransportOwned(o.failure) || o.failure.cause === 'auth.realm-untrusted') return transportOutcome(ctx, o.failure);
    if (!(await reportOnce(ctx, 'harbor.unreachable'))) return { findings: [], evidence: { blockedBy: 'harbor.unreachable', transport: o.failure } };
    return { findings: [finding('harbor.unreachable', { subject: host, params: { host, url, detail: o.failure.detail, ...(o.failure.code ? { code: o.failure.code } : {}) }, evidence: { transport: o.failure } })], evidence: { transport: o.failure } };
  }
  const ev = { status: o.status, headers: o.headers, body: o.bodySnippet };
  if (o.status === 401 || o.status === 403) return { findings: [], evidence: { ...ev, note: 'admin credentials refused or missing' } };
  if (!(await reportOnce(ctx, 'harbor.unreachable'))) return { findings: [], evidence: { ...ev, blockedBy: 'harbor.unreachable' } };
  return { findings: [finding('harbor.unreachable', { subject: host, params: { host, url, detail: `HTTP ${o.status}: ${o.bodySnippet.slice(0, 200)}` }, evidence: ev })], evidence: ev };
}

const pingCheck: Check = {
  id: 'ping',
  suite: SUITE,
  title: 'the Harbor API answers /api/v2.0/ping',
  async run(ctx) {
    const r = await ctx.once('harbor:ping', () => harborGet<string>(ctx, '/ping', { text: true }));
    if (!r.ok) return apiFailure(ctx, '/ping', r);
    if (r.json.trim() !== 'Pong') return apiFailure(ctx, '/ping', { ok: false, status: r.status, headers: r.headers, bodySnippet: r.json.slice(0, 256), ms: r.ms });
    return { findings: [], evidence: { status: r.status, ms: r.ms } };
  },
};

const healthCheck: Check = {
  id: 'health',
  suite: SUITE,
  title: 'every Harbor component reports healthy',
  async run(ctx) {
    const r = await harborGet<{ status?: string; components?: { name?: string; status?: string; error?: string }[] }>(ctx, '/health');
    if (!r.ok) return apiFailure(ctx, '/health', r);
    const comps = Array.isArray(r.json.components) ? r.json.components : [];
    const host = harborUrl(ctx.target).host;
    const findings: Finding[] = comps
      .filter((c) => c.status !== 'healthy')
      .map((c) => finding('harbor.unhealthy', { subject: `${host}/${c.name ?? '?'}`, params: { host, component: c.name ?? '?', status: c.status ?? 'unhealthy', detail: c.error ?? '' }, evidence: { component: c } }));
    if (findings.length === 0 && r.json.status && r.json.status !== 'healthy') {
      findings.push(finding('harbor.unhealthy', { subject: host, params: { host, component: 'overall', status: r.json.status, detail: '' }, evidence: { health: r.json } }));
    }
    return { findings, evidence: { health: r.json } };
  },
};

/** scheme://host[:port] of a URL-ish value (Harbor's registry_url has no scheme). */
function originOf(value: string, scheme: string): string | undefined {
  try {
    return new URL(/^[a-z]+:\/\//i.test(value) ? value : `${scheme}//${value}`).origin;
  } catch {
    return undefined;
  }
}

const systeminfoCheck: Check = {
  id: 'systeminfo',
  suite: SUITE,
  title: "Harbor's external URL is the URL nodes use",
  async run(ctx) {
    const r = await getSystemInfo(ctx);
    if (!r.ok) return apiFailure(ctx, '/systeminfo', r);
    const harbor = harborUrl(ctx.target);
    const info = { external_url: r.json.external_url, registry_url: r.json.registry_url, harbor_version: r.json.harbor_version, auth_mode: r.json.auth_mode };
    const mismatches: { field: string; value: string }[] = [];
    for (const field of ['external_url', 'registry_url'] as const) {
      const v = r.json[field];
      if (v && originOf(v, harbor.protocol) !== harbor.origin) mismatches.push({ field, value: v });
    }
    if (mismatches.length === 0) return { findings: [], evidence: { systeminfo: info } };
    if (!(await reportOnce(ctx, 'harbor.external-url-mismatch'))) return { findings: [], evidence: { systeminfo: info, blockedBy: 'harbor.external-url-mismatch' } };
    const first = mismatches[0]!;
    return {
      findings: [finding('harbor.external-url-mismatch', { subject: harbor.host, params: { url: first.value, expected: ctx.target.harbor.url, field: first.field }, evidence: { systeminfo: info, mismatches } })],
      evidence: { systeminfo: info },
    };
  },
};

/** harbor.projects, else the projects of the Harbor probe images. */
function postureProjects(ctx: CheckContext): string[] {
  if (ctx.target.harbor.projects.length) return [...new Set(ctx.target.harbor.projects)];
  return [...new Set(harborImages(ctx.target).map((i) => projectOf(i.parsed.ref.repository)))];
}

const projectPostureCheck: Check = {
  id: 'project-posture',
  suite: SUITE,
  title: 'projects scan on push and block vulnerable images',
  applies: (t) => (!t.harbor.admin ? 'needs harbor.admin to read project metadata' : true),
  async run(ctx) {
    const findings: Finding[] = [];
    const evidence: Record<string, unknown> = {};
    for (const name of postureProjects(ctx)) {
      const r = await getProject(ctx, name);
      if (!r.ok) {
        if ('failure' in r || r.status >= 500) {
          const out = await apiFailure(ctx, `/projects/${name}`, r);
          findings.push(...out.findings);
          evidence[name] = out.evidence;
        } else evidence[name] = { status: r.status };
        continue;
      }
      const md = r.json.metadata ?? {};
      evidence[name] = { metadata: md };
      const severity = md.severity ?? 'none';
      if (md.auto_scan !== 'true') findings.push(finding('harbor.auto-scan-off', { subject: `project/${name}`, params: { project: name }, evidence: { metadata: md } }));
      if (md.prevent_vul !== 'true') findings.push(finding('harbor.prevent-vul-off', { subject: `project/${name}`, params: { project: name }, evidence: { metadata: md, severity } }));
    }
    return { findings, evidence };
  },
};

/** Harbor version ≥ 2.9 (Notary removed)? Unknown versions count as current. */
export function notaryRemoved(version: string | undefined): boolean {
  const m = /v?(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return true;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > 2 || (maj === 2 && min >= 9);
}

const notaryCheck: Check = {
  id: 'notary',
  suite: SUITE,
  title: 'no project relies on Notary content trust (removed in Harbor 2.9)',
  async run(ctx) {
    const info = await getSystemInfo(ctx);
    const version = info.ok ? info.json.harbor_version : undefined;
    const evidence: Record<string, unknown> = { harborVersion: version ?? null };
    if (!notaryRemoved(version)) return { findings: [], evidence };
    const findings: Finding[] = [];
    if (!ctx.target.harbor.admin) return { findings, evidence: { ...evidence, note: 'project metadata needs harbor.admin' } };
    for (const name of postureProjects(ctx)) {
      const r = await getProject(ctx, name);
      if (!r.ok) continue;
      if (r.json.metadata?.enable_content_trust === 'true') {
        findings.push(finding('harbor.notary-removed', { subject: `project/${name}`, params: { project: name, version: version ?? 'unknown' }, evidence: { metadata: r.json.metadata, harborVersion: version } }));
      }
    }
    return { findings, evidence };
  },
};

/** harbor suite: ping, health, systeminfo, project posture, Notary. */
export const harborChecks: Check[] = [pingCheck, healthCheck, systeminfoCheck, projectPostureCheck, notaryCheck];
