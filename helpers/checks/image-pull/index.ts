import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { anonymousPullToken, grantedActions, robotCredentials, robotPullToken, tokenEvidence } from '../../registry/auth.ts';
import type { TransportFailure } from '../../registry/http.ts';
import {
  fetchBlob,
  fetchManifest,
  indexPlatforms,
  isIndex,
  manifestParts,
  platformMatches,
  platformString,
  type BlobOutcome,
  type Descriptor,
  type ManifestOutcome,
} from '../../registry/manifest.ts';
import { unhealthyPullPath } from '../../registry/harbor-api.ts';
import { probeImages, type ProbeImage } from '../../registry/probe-images.ts';
import { isTransportOwned, registryReachability, reportOnce, transportOutcome } from '../../registry/reachability.ts';
import type { ImageReference } from '../../registry/reference.ts';
import { blocked, mergeSubjects, notApplicable, type Check, type CheckContext, type CheckOutput, type NotChecked } from '../check.ts';

/**
 * image-pull suite: per image, the steps containerd takes. Each image's pull is one memoised
 * staged state (`ctx.once('image-pull:<ref>')`); every check reports only its own stage, and an
 * image whose earlier stage failed is not-checked, blocked by that stage's cause (reported once,
 * by the earlier check). A check is not-checked as soon as one image could not be judged.
 */

const SUITE = 'image-pull' as const;
const hasImages = (t: CheckContext['target']): true | string => (t.images.length ? true : 'no images in the target');

type Blocked = NotChecked;

interface PullState {
  image: ProbeImage;
  ref?: ImageReference;
  blocked?: Blocked;
  /** A transport failure (owned by dns/tls/net) that stopped this image. */
  transport?: TransportFailure;
  token?: string;
  tokenEvidence?: Record<string, unknown>;
  manifest?: ManifestOutcome;
}

function pullState(ctx: CheckContext, image: ProbeImage): Promise<PullState> {
  return ctx.once(`image-pull:${image.ref}`, async (): Promise<PullState> => {
    if (!image.parsed.ok) return { image, blocked: { kind: 'blocked', blockedBy: 'image.invalid-reference', reason: 'the reference does not parse (see image-pull/reference)' } };
    const ref = image.parsed.ref;
    if (!image.onHarbor) return { image, ref, blocked: { kind: 'not-applicable', reason: `${ref.domain} is not the Harbor host` } };
    const reach = await registryReachability(ctx);
    if (!reach.ok) return { image, ref, transport: reach.failure };
    const bearer = reach.probe.bearer;
    let token: string | undefined;
    let tEv: Record<string, unknown> | undefined;
    if (bearer) {
      const t = robotCredentials(ctx) ? await robotPullToken(ctx, bearer, ref.repository) : await anonymousPullToken(ctx, bearer, ref.repository);
      tEv = tokenEvidence(t);
      if (t.kind === 'unreachable') return { image, ref, blocked: { kind: 'blocked', blockedBy: 'auth.token-realm-unreachable', reason: `the token realm ${bearer.realm} is unreachable (see robot-auth)` }, tokenEvidence: tEv };
      // Credentials withheld from the realm (robot-auth/token reports auth.realm-untrusted).
      if (t.kind === 'untrusted-realm') return { image, ref, blocked: { kind: 'blocked', blockedBy: 'auth.realm-untrusted', reason: `credentials withheld: the token realm ${bearer.realm} is not on the Harbor URL's origin (see robot-auth/token)` }, tokenEvidence: tEv };
      if (t.kind === 'rejected') {
        const robot = robotCredentials(ctx);
        return { image, ref, blocked: { kind: 'blocked', blockedBy: robot ? 'auth.credentials-invalid' : 'auth.credentials-missing', reason: `the token request for ${ref.repository} was refused (HTTP ${t.status}${robot ? '' : ', no credentials'}; see robot-auth)` }, tokenEvidence: tEv };
      }
      if (!grantedActions(t.claims, ref.repository).includes('pull') && robotCredentials(ctx)) {
        // Empty grant: robot-auth/token disambiguates (disabled, expired, wrong secret, scope).
        return { image, ref, blocked: { kind: 'blocked', blockedBy: 'robot-auth/token', reason: `the robot's token grants no pull on ${ref.repository} (see robot-auth/token)` }, tokenEvidence: tEv };
      }
      token = t.token;
    }
    const manifest = await fetchManifest(ctx, ref.repository, ref.reference, token);
    if (manifest.kind === 'transport') return { image, ref, transport: manifest.failure, manifest };
    return { image, ref, ...(token ? { token } : {}), ...(tEv ? { tokenEvidence: tEv } : {}), manifest };
  });
}

const isPolicy = (c: string) => c === 'image.policy-vulnerability' || c === 'image.policy-unsigned';

/** Runs `each` for every image and merges outputs (see `mergeSubjects`), evidence keyed by image ref. */
async function perImage(ctx: CheckContext, each: (img: ProbeImage) => Promise<CheckOutput>): Promise<CheckOutput> {
  const outputs: { subject: string; out: CheckOutput }[] = [];
  for (const img of probeImages(ctx.target)) {
    // The runner reports a check cut by a deadline as not-checked (deadline); stop early.
    if (ctx.signal.aborted) break;
    outputs.push({ subject: img.ref, out: await each(img) });
  }
  return mergeSubjects(outputs);
}

/** Not checked because of an earlier stage (reference, token, manifest), as the state says. */
function stageBlocked(s: PullState, evidence: Record<string, unknown> = {}): CheckOutput {
  if (s.blocked) return { findings: [], evidence: { ...evidence, ...(s.tokenEvidence ? { token: s.tokenEvidence } : {}) }, notChecked: s.blocked };
  const m = s.manifest;
  const cause = s.transport?.cause ?? (m && m.kind !== 'ok' && m.kind !== 'transport' ? m.cause : undefined);
  return blocked(cause ?? 'image-pull/manifest', `the manifest was not served${cause ? ` (${cause})` : ''}; see image-pull/manifest`, evidence);
}

/** Output for a transport failure at the pull stage: dns/tls/net once per run; timeouts here. */
async function transportFor(ctx: CheckContext, img: ProbeImage, f: TransportFailure): Promise<CheckOutput> {
  if (isTransportOwned(f)) return transportOutcome(ctx, f);
  const cause = f.kind === 'timeout' || f.kind === 'aborted' ? 'image.pull-timeout' : f.cause === 'image.pull-interrupted' ? 'image.pull-interrupted' : 'image.unknown';
  // A pull that stalls or breaks while Harbor itself reports a component on the pull's path
  // unhealthy (core retrying a stopped registry, say) is that outage, reported by harbor/health.
  const down = await unhealthyPullPath(ctx);
  if (down.length) return blocked('harbor.unhealthy', `${f.detail}: Harbor reports ${down.join(', ')} unhealthy (see harbor/health)`, { transport: f, unhealthy: down });
  if (!(await reportOnce(ctx, `${cause}:${img.ref}`))) return blocked(cause, `${f.detail} (reported once per run, by another image-pull check)`, { transport: f });
  return { findings: [finding(cause, { subject: img.ref, params: { image: img.ref, ...(img.parsed.ok ? { host: img.parsed.ref.domain } : {}), detail: f.detail, ...(f.code ? { code: f.code } : {}) }, evidence: { transport: f } })], evidence: { transport: f } };
}

const referenceCheck: Check = {
  id: 'reference',
  suite: SUITE,
  title: 'every image reference parses',
  applies: hasImages,
  run: (ctx) =>
    perImage(ctx, async (img) => {
      if (img.parsed.ok) return { findings: [], evidence: { normalized: img.parsed.ref.normalized, onHarbor: img.onHarbor } };
      const { reason, detail } = img.parsed;
      return { findings: [finding('image.invalid-reference', { subject: img.ref, params: { image: img.ref, detail }, evidence: { reason } })], evidence: { reason } };
    }),
};

const manifestCheck: Check = {
  id: 'manifest',
  suite: SUITE,
  title: 'the manifest (index or single-platform, OCI or Docker) is served',
  applies: hasImages,
  run: (ctx) =>
    perImage(ctx, async (img) => {
      const s = await pullState(ctx, img);
      if (s.blocked) return stageBlocked(s);
      if (s.transport) return transportFor(ctx, img, s.transport);
      const m = s.manifest!;
      if (m.kind === 'ok') return { findings: [], evidence: { mediaType: m.mediaType, digest: m.digest, size: m.size, headStatus: m.headStatus, headMs: m.headMs, getMs: m.getMs, token: s.tokenEvidence } };
      if (m.kind === 'http') {
        const ev = { status: m.status, errors: m.errors, headers: m.headers, body: m.bodySnippet, token: s.tokenEvidence };
        // A policy refusal is image-pull/policy's finding; the manifest itself is not judged.
        if (isPolicy(m.cause)) return blocked(m.cause, `Harbor refused the manifest by project policy (HTTP ${m.status}); see image-pull/policy`, ev);
        if (m.cause === 'auth.insufficient-scope' && !(await reportOnce(ctx, `auth.insufficient-scope:${ctx.target.robot?.name ?? ''}:${s.ref!.repository}`))) {
          return blocked(m.cause, `the token grants no pull on ${s.ref!.repository} (reported once per run, by robot-auth)`, ev);
        }
        const code = m.errors[0]?.code;
        return {
          findings: [finding(m.cause, { subject: img.ref, params: { image: img.ref, ...(img.parsed.ok ? { host: img.parsed.ref.domain } : {}), repository: s.ref!.repository, reference: s.ref!.reference, status: m.status, ...(code ? { code } : {}), detail: m.errors[0]?.message ?? m.bodySnippet.slice(0, 200) }, evidence: ev })],
          evidence: ev,
        };
      }
      if (m.kind === 'transport') return transportFor(ctx, img, m.failure);
      const ev = { detail: m.detail, headers: m.headers, body: m.bodySnippet };
      return { findings: [finding(m.cause, { subject: img.ref, params: { image: img.ref, detail: m.detail }, evidence: ev })], evidence: ev };
    }),
};

/** The platform manifest(s) of an image: index entries, or the single manifest's config. */
async function platformsOf(ctx: CheckContext, s: PullState): Promise<{ platforms: string[]; children: { platform: string; descriptor: Descriptor }[]; config?: BlobOutcome } | undefined> {
  const m = s.manifest;
  if (!m || m.kind !== 'ok') return undefined;
  if (isIndex(m.mediaType, m.json)) {
    const children = indexPlatforms(m.json);
    return { platforms: children.map((c) => c.platform), children };
  }
  const { config } = manifestParts(m.json);
  if (!config) return { platforms: [], children: [] };
  const blob = await ctx.once(`image-pull:config:${s.ref!.repository}@${config.digest}`, () => fetchBlob(ctx, s.ref!.repository, config, s.token, { keep: true, maxBytes: 1 << 20 }));
  if (blob.kind !== 'ok' || !blob.body) return { platforms: [], children: [], config: blob };
  try {
    const c = JSON.parse(blob.body.toString('utf8')) as { os?: string; architecture?: string; variant?: string };
    const p = c.os && c.architecture ? [platformString(c.os, c.architecture, c.variant)] : [];
    return { platforms: p, children: [], config: blob };
  } catch {
    return { platforms: [], children: [], config: blob };
  }
}

const platformsCheck: Check = {
  id: 'platforms',
  suite: SUITE,
  title: "the image provides every node platform (image.platforms ?? nodes.platforms)",
  applies: hasImages,
  run: (ctx) =>
    perImage(ctx, async (img) => {
      const s = await pullState(ctx, img);
      if (s.blocked || s.transport || s.manifest?.kind !== 'ok') return stageBlocked(s);
      const p = await platformsOf(ctx, s);
      if (!p) return stageBlocked(s);
      if (p.config && p.config.kind !== 'ok') return blocked(p.config.kind === 'transport' ? p.config.failure.cause : p.config.cause, 'the image config blob (which names the platform) did not download; see image-pull/blobs', { config: p.config });
      const evidence = { wanted: img.platforms, available: p.platforms };
      const findings = img.platforms
        .filter((want) => !p.platforms.some((have) => platformMatches(want, have)))
        .map((platform) => finding('image.platform-missing', { subject: img.ref, params: { image: img.ref, platform, ...(p.platforms.length ? { platforms: p.platforms.join(', ') } : {}), detail: `wanted ${img.platforms.join(', ')}` }, evidence }));
      return { findings, evidence };
    }),
};

const blobsCheck: Check = {
  id: 'blobs',
  suite: SUITE,
  title: 'config and the smallest layer download with matching digests',
  applies: hasImages,
  run: (ctx) =>
    perImage(ctx, async (img) => {
      const s = await pullState(ctx, img);
      if (s.blocked || s.transport || s.manifest?.kind !== 'ok') return stageBlocked(s);
      const repo = s.ref!.repository;
      let m = s.manifest;
      let platform: string | undefined;
      if (isIndex(m.mediaType, m.json)) {
        const children = indexPlatforms(m.json);
        const pick = children.find((c) => img.platforms.some((w) => platformMatches(w, c.platform))) ?? children[0];
        if (!pick) return notApplicable('the image index lists no platform manifest: no blob to download (see image-pull/platforms)');
        platform = pick.platform;
        const child = await fetchManifest(ctx, repo, pick.descriptor.digest, s.token);
        if (child.kind === 'transport') return transportFor(ctx, img, child.failure);
        if (child.kind !== 'ok') {
          const cause = child.cause;
          const detail = child.kind === 'http' ? `${child.status} ${child.errors[0]?.code ?? ''}`.trim() : child.detail;
          return { findings: [finding(cause, { subject: img.ref, params: { image: img.ref, reference: pick.descriptor.digest, detail, platform }, evidence: { child } })], evidence: { child } };
        }
        m = child;
      }
      const { config, layers } = manifestParts(m.json);
      const targets: { role: string; desc: Descriptor }[] = [];
      if (config) targets.push({ role: 'config', desc: config });
      const smallest = [...layers].sort((a, b) => a.size - b.size)[0];
      if (smallest) targets.push({ role: 'layer', desc: smallest });
      const results: Record<string, unknown> = {};
      const findings: Finding[] = [];
      for (const t of targets) {
        const r = await fetchBlob(ctx, repo, t.desc, s.token);
        results[t.role] = r.kind === 'ok' ? { digest: r.digest, bytes: r.bytes, ms: r.ms, bytesPerSecond: r.bytesPerSecond } : r;
        if (r.kind === 'ok') continue;
        if (r.kind === 'transport') {
          const out = await transportFor(ctx, img, r.failure);
          // Reported by another check: this image's blobs were not judged.
          return { ...out, evidence: { platform, blobs: results } };
        }
        const cause = r.cause;
        const detail = r.kind === 'http' ? `${r.status} ${r.errors[0]?.code ?? ''} ${r.errors[0]?.message ?? ''}`.trim() : r.detail;
        findings.push(finding(cause, { subject: img.ref, params: { image: img.ref, ...(img.parsed.ok ? { host: img.parsed.ref.domain } : {}), reference: t.desc.digest, detail, ...(r.kind === 'http' ? { status: r.status } : {}) }, evidence: { blob: t.role, digest: t.desc.digest, size: t.desc.size, result: r } }));
        break;
      }
      return { findings, evidence: { platform, blobs: results } };
    }),
};

const policyCheck: Check = {
  id: 'policy',
  suite: SUITE,
  title: "Harbor's project policies (vulnerabilities, signatures) allow the pull",
  applies: hasImages,
  run: (ctx) =>
    perImage(ctx, async (img) => {
      const s = await pullState(ctx, img);
      const m = s.manifest;
      if (s.blocked || s.transport || !m) return stageBlocked(s);
      if (m.kind === 'ok') return { findings: [], evidence: { allowed: true } };
      // Another refusal (not found, denied, invalid) hides whether a policy would allow the pull.
      if (m.kind !== 'http' || !isPolicy(m.cause)) return stageBlocked(s);
      const e = m.errors[0];
      const ev = { status: m.status, errors: m.errors };
      return {
        findings: [finding(m.cause, { subject: img.ref, params: { image: img.ref, repository: s.ref!.repository, status: m.status, ...(e?.code ? { code: e.code } : {}), detail: e?.message ?? 'bodyless 412' }, evidence: ev })],
        evidence: ev,
      };
    }),
};

/** image-pull suite: reference, manifest, platforms, blobs, policy, per image. */
export const imagePullChecks: Check[] = [referenceCheck, manifestCheck, platformsCheck, blobsCheck, policyCheck];
