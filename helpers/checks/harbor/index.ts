import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { getProject, getProjectScanner, getSystemInfo, harborGet, harborHealth, type ApiOutcome } from '../../registry/harbor-api.ts';
import { harborUrl } from '../../registry/http.ts';
import { harborImages, projectOf } from '../../registry/probe-images.ts';
import { isTransportOwned, reportOnce, transportOutcome } from '../../registry/reachability.ts';
import { harborConfigCheck } from './config.ts';
import { blocked, mergeSubjects, notApplicable, notConfigured, type Check, type CheckContext, type CheckOutput } from '../check.ts';

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
    if (!(await reportOnce(ctx, 'harbor.unreachable'))) return blocked('harbor.unreachable', `the Harbor API did not answer ${path} (${o.failure.detail}); reported once per run, by another harbor check`, { transport: o.failure });
    return { findings: [finding('harbor.unreachable', { subject: host, params: { host, url, detail: o.failure.detail, ...(o.failure.code ? { code: o.failure.code } : {}) }, evidence: { transport: o.failure } })], evidence: { transport: o.failure } };
  }
  const ev = { status: o.status, headers: o.headers, body: o.bodySnippet };
  if (o.status === 401 || o.status === 403) return notConfigured(`the Harbor API answered ${path} with HTTP ${o.status}: harbor.admin credentials are missing or refused`, ev);
  if (!(await reportOnce(ctx, 'harbor.unreachable'))) return blocked('harbor.unreachable', `the Harbor API answered ${path} with HTTP ${o.status}; reported once per run, by another harbor check`, ev);
  return { findings: [finding('harbor.unreachable', { subject: host, params: { host, url, status: o.status, ...(o.bodySnippet.trim() ? { detail: o.bodySnippet.slice(0, 200) } : {}) }, evidence: ev })], evidence: ev };
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
    const r = await harborHealth(ctx);
    if (!r.ok) return apiFailure(ctx, '/health', r);
    const comps = Array.isArray(r.json.components) ? r.json.components : [];
    const host = harborUrl(ctx.target).host;
    const findings: Finding[] = comps
      .filter((c) => c.status !== 'healthy')
      .map((c) => finding('harbor.unhealthy', { subject: `${host}/${c.name ?? '?'}`, params: { host, ...(c.name ? { component: c.name } : {}), ...(c.error ? { detail: c.error } : {}) }, evidence: { component: c } }));
    if (findings.length === 0 && r.json.status && r.json.status !== 'healthy') {
      findings.push(finding('harbor.unhealthy', { subject: host, params: { host }, evidence: { health: r.json } }));
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
    // Anonymous callers get no harbor_version from real Harbor (building.md, difference 9): an
    // unknown version is said as such, never judged as a wrong one.
    const info = {
      external_url: r.json.external_url,
      registry_url: r.json.registry_url,
      harbor_version: r.json.harbor_version ?? (ctx.target.harbor.admin ? 'not disclosed' : 'not disclosed to anonymous users'),
      auth_mode: r.json.auth_mode,
    };
    // Anonymous systeminfo carries neither URL (nor the version): nothing was compared, so this
    // is not a pass (robot-auth/challenge still compares the token realm).
    if (!r.json.external_url && !r.json.registry_url) {
      return notConfigured(
        `Harbor's systeminfo shows no external_url or registry_url${ctx.target.harbor.admin ? '' : ' to anonymous users (version not disclosed to anonymous users either)'}: configure harbor.admin to compare them with ${harbor.origin}`,
        { systeminfo: info },
      );
    }
    const mismatches: { field: string; value: string }[] = [];
    for (const field of ['external_url', 'registry_url'] as const) {
      const v = r.json[field];
      if (v && originOf(v, harbor.protocol) !== harbor.origin) mismatches.push({ field, value: v });
    }
    if (mismatches.length === 0) return { findings: [], evidence: { systeminfo: info } };
    if (!(await reportOnce(ctx, 'harbor.external-url-mismatch'))) return blocked('harbor.external-url-mismatch', `Harbor's ${mismatches.map((m) => `${m.field} ${m.value}`).join(', ')} is not ${harbor.origin} (reported once per run, by robot-auth/challenge)`, { systeminfo: info });
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
  title: 'projects scan on push and block vulnerable images (with a scanner to enforce it)',
  applies: (t) => (!t.harbor.admin ? 'needs harbor.admin to read project metadata' : true),
  async run(ctx) {
    const projects = postureProjects(ctx);
    if (projects.length === 0) return noProjects();
    const outputs: { subject: string; out: CheckOutput }[] = [];
    for (const name of projects) {
      const r = await getProject(ctx, name);
      if (!r.ok) {
        outputs.push({ subject: name, out: await projectUnread(ctx, name, r) });
        continue;
      }
      const md = r.json.metadata ?? {};
      const severity = md.severity ?? 'none';
      const findings: Finding[] = [];
      const evidence: Record<string, unknown> = { metadata: md };
      if (md.auto_scan !== 'true') findings.push(finding('harbor.auto-scan-off', { subject: `project/${name}`, params: { project: name }, evidence: { metadata: md } }));
      if (md.prevent_vul !== 'true') findings.push(finding('harbor.prevent-vul-off', { subject: `project/${name}`, params: { project: name }, evidence: { metadata: md, severity } }));
      else {
        // prevent_vul is skipped for a project without a scanner (src/controller/scan/checker.go;
        // building.md, difference 2): the policy is on paper only.
        const sc = await getProjectScanner(ctx, r.json);
        if (!sc.ok) {
          outputs.push({ subject: name, out: await projectUnread(ctx, `${name}/scanner`, sc.outcome, findings) });
          continue;
        }
        evidence.scanner = sc.scanner ? { name: sc.scanner.name, is_default: sc.scanner.is_default, disabled: sc.scanner.disabled, health: sc.scanner.health } : null;
        if (!sc.scanner) {
          findings.push(finding('harbor.vulnerability-policy-unenforced', { subject: `project/${name}`, params: { project: name, threshold: severity, detail: `GET /api/v2.0/projects/${r.json.project_id ?? name}/scanner answers with no scanner` }, evidence }));
        } else if (sc.scanner.disabled === true) {
          findings.push(finding('harbor.vulnerability-policy-unenforced', { subject: `project/${name}`, params: { project: name, threshold: severity, detail: `its scanner ${sc.scanner.name ?? ''} is disabled`.replace('  ', ' ') }, evidence }));
        }
      }
      outputs.push({ subject: name, out: { findings, evidence } });
    }
    return mergeSubjects(outputs);
  },
};

const noProjects = () => notApplicable('no project to look at: harbor.projects is empty and no image in the target is on the Harbor host');

/**
 * A project whose metadata (or scanner) could not be read: a transport/5xx failure (once per
 * run) or a 4xx. Findings already made for the project are kept.
 */
async function projectUnread(ctx: CheckContext, name: string, r: Extract<ApiOutcome<unknown>, { ok: false }>, findings: Finding[] = []): Promise<CheckOutput> {
  const out = 'failure' in r || r.status >= 500 || r.status === 401 || r.status === 403 ? await apiFailure(ctx, `/projects/${name}`, r) : notConfigured(`Harbor has no readable project ${name} (HTTP ${r.status})`, { status: r.status });
  return findings.length ? { ...out, findings: [...findings, ...out.findings] } : out;
}

/**
 * Content trust as Harbor 2.13 enforces it (src/server/middleware/contenttrust; building.md,
 * differences 3 and 4): `enable_content_trust` = Notation, `enable_content_trust_cosign` =
 * cosign. Each is a live pull policy (412 for unsigned images, image.policy-unsigned at pull
 * time), not a dead Notary setting; an info finding says which signer a project demands.
 */
const contentTrustCheck: Check = {
  id: 'content-trust',
  suite: SUITE,
  title: 'which projects only serve signed images (Notation, cosign)',
  applies: (t) => (!t.harbor.admin ? 'needs harbor.admin to read project metadata' : true),
  async run(ctx) {
    const projects = postureProjects(ctx);
    if (projects.length === 0) return noProjects();
    const outputs: { subject: string; out: CheckOutput }[] = [];
    for (const name of projects) {
      const r = await getProject(ctx, name);
      if (!r.ok) {
        outputs.push({ subject: name, out: await projectUnread(ctx, name, r) });
        continue;
      }
      const md = r.json.metadata ?? {};
      const signers = [md.enable_content_trust === 'true' ? 'notation' : '', md.enable_content_trust_cosign === 'true' ? 'cosign' : ''].filter(Boolean);
      const evidence = { enable_content_trust: md.enable_content_trust ?? null, enable_content_trust_cosign: md.enable_content_trust_cosign ?? null };
      const findings = signers.length
        ? [finding('harbor.content-trust-enforced', { subject: `project/${name}`, params: { project: name, value: signers.join(' and ') }, evidence })]
        : [];
      outputs.push({ subject: name, out: { findings, evidence } });
    }
    return mergeSubjects(outputs);
  },
};

/** harbor suite: ping, health, systeminfo, project posture, content trust, harbor.yml lint. */
export const harborChecks: Check[] = [pingCheck, healthCheck, systeminfoCheck, projectPostureCheck, contentTrustCheck, harborConfigCheck];
