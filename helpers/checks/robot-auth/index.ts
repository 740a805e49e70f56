import type { CauseId } from '../../findings/cause-ids.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import {
  adminCredentials,
  anonymousPullToken,
  grantedActions,
  realmMatchesHarbor,
  robotPullToken,
  tokenEvidence,
  untrustedRealmOutcome,
  type TokenOutcome,
} from '../../registry/auth.ts';
import { harborErrorMessage, lookupRobot, robotEvidence, robotGrantsPull, type HarborRobot } from '../../registry/harbor-api.ts';
import { harborUrl } from '../../registry/http.ts';
import { fetchManifest } from '../../registry/manifest.ts';
import { harborImages, probeRepository, projectOf } from '../../registry/probe-images.ts';
import { registryReachability, reportOnce, transportOutcome } from '../../registry/reachability.ts';
import type { BearerChallenge } from '../../registry/www-authenticate.ts';
import { blocked, notApplicable, notConfigured, type Check, type CheckContext, type CheckOutput } from '../check.ts';

const SUITE = 'robot-auth' as const;
const needsRobot = (t: CheckContext['target']): true | string => (t.robot ? true : 'no robot configured in the target (robot.name / robot.secret)');

/** Why the robot name is not a full robot name, or undefined when it looks right. */
export function robotNameProblem(name: string): { reason: string; detail: string } | undefined {
  const lower = name.toLowerCase();
  if (lower === 'robot') return { reason: 'suffix-lost', detail: 'only "robot" is left: "$name" was expanded by a shell (use single quotes)' };
  if (lower === 'robot$') return { reason: 'name-empty', detail: 'nothing follows "robot$"' };
  if (lower.startsWith('robot') && !lower.startsWith('robot$')) {
    return { reason: 'dollar-expanded', detail: `"${name}" starts with "robot" but has no "$": "$<word>" was expanded by a shell (robot$k8s-robot → robot-robot)` };
  }
  const dollar = name.indexOf('$');
  if (dollar >= 0) {
    const rest = name.slice(dollar + 1);
    if (rest === '') return { reason: 'name-empty', detail: `nothing follows "${name}"` };
    if (rest.includes('+')) {
      const [project, robot] = [rest.slice(0, rest.indexOf('+')), rest.slice(rest.indexOf('+') + 1)];
      if (!project || !robot) return { reason: 'project-robot-incomplete', detail: 'a project robot is robot$<project>+<name>' };
    }
  }
  return undefined;
}

interface Challenge {
  bearer?: BearerChallenge;
  blocked?: CheckOutput;
}

/** The Bearer challenge from the shared /v2/ probe, or what blocked it. */
async function challenge(ctx: CheckContext): Promise<Challenge> {
  const reach = await registryReachability(ctx);
  if (!reach.ok) return { blocked: await transportOutcome(ctx, reach.failure) };
  const p = reach.probe;
  if (!p.bearer) {
    const evidence = { status: p.status };
    if (notTokenAuth(p)) return { blocked: notApplicable(`the registry does not use Bearer token auth (/v2/ answered HTTP ${p.status}${p.status === 401 ? ' with a Basic challenge' : ''}): there is no token to check`, evidence) };
    return { blocked: blocked('harbor.unreachable', `/v2/ answered HTTP ${p.status} without a Bearer challenge (see robot-auth/challenge)`, evidence) };
  }
  return { bearer: p.bearer };
}

/** /v2/ answered 200 (no auth) or asked for Basic auth: a registry without token auth. */
function notTokenAuth(p: { status: number; challenges: { scheme: string }[] }): boolean {
  return p.status === 200 || (p.status === 401 && p.challenges.some((c) => c.scheme.toLowerCase() === 'basic'));
}

const NAME_MANGLED = 'the robot name is not a full robot name (auth.robot-name-mangled, reported by robot-auth/name-form)';

/** What the robot's pull token for the probe repository shows, memoised for the run. */
export interface RobotVerdict {
  cause?: CauseId;
  repository: string;
  token?: TokenOutcome;
  robot?: HarborRobot;
  evidence: Record<string, unknown>;
}

function realmUnreachable(ctx: CheckContext, realm: string, t: Extract<TokenOutcome, { kind: 'unreachable' }>, matches: boolean): Finding {
  return finding('auth.token-realm-unreachable', {
    subject: harborUrl(ctx.target).host,
    params: { url: realm, host: harborUrl(ctx.target).host, detail: t.failure.detail, ...(t.failure.code ? { code: t.failure.code } : {}) },
    evidence: { realm, realmMatchesHarborUrl: matches, transport: t.failure },
  });
}

/**
 * Harbor answers a token request with wrong password, a disabled or an expired robot with
 * 200 and an empty grant, so an empty grant is disambiguated: with admin credentials from the
 * robot record; without, an anonymous token tells whether the project is public.
 */
async function robotVerdict(ctx: CheckContext, bearer: BearerChallenge): Promise<RobotVerdict> {
  return ctx.once('robot-auth:verdict', async (): Promise<RobotVerdict> => {
    const repository = probeRepository(ctx.target);
    const project = projectOf(repository);
    const token = await robotPullToken(ctx, bearer, repository);
    const evidence: Record<string, unknown> = { repository, token: tokenEvidence(token) };
    if (token.kind === 'unreachable') return { cause: 'auth.token-realm-unreachable', repository, token, evidence };
    if (token.kind === 'untrusted-realm') return { cause: 'auth.realm-untrusted', repository, token, evidence };
    if (token.kind === 'token' && grantedActions(token.claims, repository).includes('pull')) return { repository, token, evidence };
    if (adminCredentials(ctx)) {
      const look = await lookupRobot(ctx, ctx.target.robot!.name);
      if (look.ok) {
        const r = look.robot;
        if (!r) {
          const where = look.project ? `among the robots of project ${look.project}` : 'among the system robots';
          return { cause: 'auth.credentials-invalid', repository, token, evidence: { ...evidence, robot: null, robotQuery: look.query, reason: `Harbor lists no robot named ${ctx.target.robot!.name} ${where}` } };
        }
        evidence.robot = robotEvidence(r);
        if (r.disable) return { cause: 'auth.robot-disabled', repository, token, robot: r, evidence };
        if (r.expires_at !== undefined && r.expires_at !== -1 && r.expires_at * 1000 < Date.now()) return { cause: 'auth.robot-expired', repository, token, robot: r, evidence };
        if (!robotGrantsPull(r, project)) return { cause: 'auth.insufficient-scope', repository, token, robot: r, evidence: { ...evidence, project } };
        return { cause: 'auth.credentials-invalid', repository, token, robot: r, evidence: { ...evidence, reason: 'robot exists, is enabled and may pull: the secret is wrong' } };
      }
      evidence.adminLookup = { status: look.outcome.status, ...('failure' in look.outcome ? { transport: look.outcome.failure } : {}) };
    }
    const anon = await anonymousPullToken(ctx, bearer, repository);
    const anonymousPull = anon.kind === 'token' && grantedActions(anon.claims, repository).includes('pull');
    return {
      cause: 'auth.credentials-invalid',
      repository,
      token,
      evidence: {
        ...evidence,
        anonymousPull,
        ambiguous: 'Harbor gives wrong secret, disabled robot, expired robot and missing permission the same empty grant; configure harbor.admin to tell them apart',
      },
    };
  });
}

const challengeCheck: Check = {
  id: 'challenge',
  suite: SUITE,
  title: '/v2/ asks for a Bearer token at a reachable realm on the Harbor URL',
  async run(ctx) {
    const reach = await registryReachability(ctx);
    if (!reach.ok) return transportOutcome(ctx, reach.failure);
    const p = reach.probe;
    const host = harborUrl(ctx.target).host;
    const evidence: Record<string, unknown> = { probe: p };
    if (!p.bearer) {
      // A registry behind Harbor always answers 401 + Bearer; anything else is not Harbor's /v2/.
      if (notTokenAuth(p)) return notApplicable(`the registry does not use Bearer token auth (/v2/ answered HTTP ${p.status}): no token realm to check`, evidence);
      return {
        findings: [finding('harbor.unreachable', { subject: host, params: { host, url: p.url, status: p.status, detail: p.challengeError ?? `no Bearer challenge (content-type ${p.contentType ?? 'none'})` }, evidence })],
        evidence,
      };
    }
    const realm = p.bearer.realm;
    const m = realmMatchesHarbor(realm, harborUrl(ctx.target));
    const anon = await anonymousPullToken(ctx, p.bearer, probeRepository(ctx.target));
    evidence.realmToken = tokenEvidence(anon);
    const findings: Finding[] = [];
    // A realm off the Harbor URL comes from Harbor's own external URL (EXT_ENDPOINT / harbor.yml
    // hostname): that is the root cause even when the realm's host cannot be reached, which is
    // then only its consequence (kept in the evidence).
    // A realm the target lists in harbor.trustedRealms is a deliberate setup, not a mismatch.
    const listed = !m.matches && (ctx.target.harbor.trustedRealms ?? []).some((o) => { try { return new URL(o).origin === m.realmOrigin; } catch { return false; } });
    if (anon.kind === 'unreachable' && (m.matches || listed)) {
      if (!(await reportOnce(ctx, 'auth.token-realm-unreachable'))) return blocked('auth.token-realm-unreachable', `the token realm ${realm} is unreachable (reported once per run, by another check)`, evidence);
      findings.push(realmUnreachable(ctx, realm, anon, m.matches));
    } else if (!m.matches && !listed) {
      if (!(await reportOnce(ctx, 'harbor.external-url-mismatch'))) return blocked('harbor.external-url-mismatch', `the Bearer realm ${realm} is not on ${harborUrl(ctx.target).origin} (reported once per run, by harbor/systeminfo)`, evidence);
      findings.push(finding('harbor.external-url-mismatch', { subject: host, params: { url: realm, field: 'the Bearer realm of /v2/', expected: ctx.target.harbor.url }, evidence: { realm, realmOrigin: m.realmOrigin } }));
    }
    return { findings, evidence };
  },
};

const nameFormCheck: Check = {
  id: 'name-form',
  suite: SUITE,
  title: "the robot name is the robot's full name (robot$name, robot$project+name)",
  applies: needsRobot,
  async run(ctx) {
    const name = ctx.target.robot!.name;
    const problem = robotNameProblem(name);
    const level = name.includes('+') ? 'project' : 'system';
    if (!problem) return { findings: [], evidence: { robot: name, level } };
    return { findings: [finding('auth.robot-name-mangled', { subject: name, params: { robot: name, detail: problem.detail }, evidence: { reason: problem.reason } })], evidence: { reason: problem.reason } };
  },
};

const tokenCheck: Check = {
  id: 'token',
  suite: SUITE,
  title: 'the robot obtains a pull token',
  applies: needsRobot,
  async run(ctx) {
    const name = ctx.target.robot!.name;
    if (robotNameProblem(name)) return blocked('auth.robot-name-mangled', NAME_MANGLED);
    const ch = await challenge(ctx);
    if (!ch.bearer) return ch.blocked!;
    const v = await robotVerdict(ctx, ch.bearer);
    if (!v.cause) return { findings: [], evidence: v.evidence };
    if (v.cause === 'auth.token-realm-unreachable') {
      const t = v.token as Extract<TokenOutcome, { kind: 'unreachable' }>;
      if (!(await reportOnce(ctx, 'auth.token-realm-unreachable'))) return blocked(v.cause, `the token realm ${ch.bearer.realm} is unreachable (reported once per run by another check)`, v.evidence);
      return { findings: [realmUnreachable(ctx, ch.bearer.realm, t, realmMatchesHarbor(ch.bearer.realm, harborUrl(ctx.target)).matches)], evidence: v.evidence };
    }
    if (v.token?.kind === 'untrusted-realm') {
      const o = await untrustedRealmOutcome(ctx, v.token, name);
      return { ...o, evidence: { ...v.evidence, ...o.evidence } };
    }
    if (!(await reportOnce(ctx, `${v.cause}:${name}`))) return blocked(v.cause, `${v.cause} for ${name} is reported once per run, by another check`, v.evidence);
    const status = v.token?.kind === 'token' || v.token?.kind === 'rejected' ? v.token.status : 0;
    const daysLeft = v.robot?.expires_at && v.robot.expires_at > 0 ? Math.floor((v.robot.expires_at * 1000 - Date.now()) / 86_400_000) : undefined;
    return {
      findings: [
        finding(v.cause, {
          subject: name,
          params: {
            robot: name,
            host: harborUrl(ctx.target).host,
            image: `${harborUrl(ctx.target).host}/${v.repository}`,
            repository: v.repository,
            project: projectOf(v.repository),
            // Harbor answers a rejected secret with 200 and an empty grant, not 401: say so.
            status: status === 200 ? '200 with an empty grant' : status,
            detail: typeof v.evidence.reason === 'string' ? v.evidence.reason : v.evidence.ambiguous ? 'the token grants no pull; without harbor.admin a wrong secret, a disabled or expired robot and a missing permission look alike' : undefined,
            ...(daysLeft !== undefined ? { daysLeft } : {}),
            ...(v.robot?.expires_at && v.robot.expires_at > 0 ? { expiresAt: new Date(v.robot.expires_at * 1000).toISOString() } : {}),
          },
          evidence: v.evidence,
        }),
      ],
      evidence: v.evidence,
    };
  },
};

const scopeCheck: Check = {
  id: 'scope',
  suite: SUITE,
  title: 'the robot may pull every probe image repository',
  applies: (t) => (!t.robot ? 'no robot configured in the target' : harborImages(t).length === 0 ? 'no images on the Harbor host in the target' : true),
  async run(ctx) {
    const name = ctx.target.robot!.name;
    if (robotNameProblem(name)) return blocked('auth.robot-name-mangled', NAME_MANGLED);
    const ch = await challenge(ctx);
    if (!ch.bearer) return ch.blocked!;
    const v = await robotVerdict(ctx, ch.bearer);
    if (v.cause && v.cause !== 'auth.insufficient-scope') return blocked(v.cause, `the robot gets no working pull token (${v.cause}, see robot-auth/token)`);
    const findings: Finding[] = [];
    const grants: Record<string, string[] | string> = {};
    // Per repository: judged here, or not (no token, or the same finding already reported).
    const unjudged: string[] = [];
    let reportedElsewhere = false;
    for (const repo of new Set(harborImages(ctx.target).map((i) => i.parsed.ref.repository))) {
      const t = await robotPullToken(ctx, ch.bearer, repo);
      if (t.kind !== 'token') {
        grants[repo] = t.kind;
        unjudged.push(`${repo} (token ${t.kind})`);
        continue;
      }
      const actions = grantedActions(t.claims, repo);
      grants[repo] = actions;
      if (actions.includes('pull')) continue;
      if (await reportOnce(ctx, `auth.insufficient-scope:${name}`.concat(repo === v.repository ? '' : `:${repo}`))) {
        findings.push(finding('auth.insufficient-scope', { subject: name, params: { image: `${harborUrl(ctx.target).host}/${repo}`, host: harborUrl(ctx.target).host, detail: `the token for ${name} grants no pull on ${repo}` }, evidence: { claims: t.claims, robot: name, repository: repo } }));
      } else {
        reportedElsewhere = true;
        unjudged.push(`${repo} (auth.insufficient-scope reported by robot-auth/token)`);
      }
    }
    if (unjudged.length) {
      return { findings, evidence: { grants }, notChecked: { kind: 'blocked', reason: `not judged: ${unjudged.join(', ')}`, blockedBy: reportedElsewhere ? 'auth.insufficient-scope' : 'robot-auth/token' } };
    }
    return { findings, evidence: { grants } };
  },
};

const expiryCheck: Check = {
  id: 'expiry',
  suite: SUITE,
  title: 'the robot is not expired and does not expire soon',
  applies: (t) => (!t.robot ? 'no robot configured in the target' : !t.harbor.admin ? 'needs harbor.admin to read the robot record' : true),
  async run(ctx) {
    const name = ctx.target.robot!.name;
    if (robotNameProblem(name)) return blocked('auth.robot-name-mangled', NAME_MANGLED);
    const look = await lookupRobot(ctx, name);
    if (!look.ok) {
      const o = look.outcome;
      if ('failure' in o) return transportOutcome(ctx, o.failure);
      // A 403 names the caller (RequireSystemAccess: ForbiddenError.WithMessage(username),
      // building.md difference 11): say who was refused, e.g. a robot configured as harbor.admin.
      const said = 'bodySnippet' in o && o.status === 403 ? harborErrorMessage(o.bodySnippet) : undefined;
      const refused = said && !/^(forbidden|unauthorized)$/i.test(said) ? said : undefined;
      return notConfigured(
        `the robot record could not be read with harbor.admin (HTTP ${o.status}${refused ? `, refused for ${refused}` : ''}): harbor.admin must be a Harbor administrator (check its username and password)`,
        { adminLookup: { status: o.status, query: look.query, ...('bodySnippet' in o ? { body: o.bodySnippet } : {}) } },
      );
    }
    // Never a pass without the record: a robot Harbor does not list has no expiry to judge.
    if (!look.robot) {
      const where = look.project ? `among the robots of project ${look.project} (q=${look.query})` : `among the system robots (q=${look.query})`;
      return blocked('robot-auth/token', `Harbor lists no robot named ${name} ${where}: there is no expiry to read (robot-auth/token judges the credentials)`, { robot: null, robotQuery: look.query });
    }
    const r = look.robot;
    const ev = { robot: robotEvidence(r) };
    if (r.expires_at === undefined || r.expires_at === -1) return { findings: [], evidence: ev };
    const msLeft = r.expires_at * 1000 - Date.now();
    const daysLeft = Math.floor(msLeft / 86_400_000);
    const expiresAt = new Date(r.expires_at * 1000).toISOString();
    if (msLeft <= 0) {
      if (!(await reportOnce(ctx, `auth.robot-expired:${name}`))) return blocked('auth.robot-expired', `${name} expired at ${expiresAt} (reported once per run, by robot-auth/token)`, ev);
      return { findings: [finding('auth.robot-expired', { subject: name, params: { robot: name, expiresAt }, evidence: { ...ev, daysLeft } })], evidence: ev };
    }
    if (daysLeft < ctx.target.robot!.expiryWarningDays) {
      return { findings: [finding('auth.robot-expiring-soon', { subject: name, params: { robot: name, expiresAt, daysLeft }, evidence: ev })], evidence: ev };
    }
    return { findings: [], evidence: { ...ev, daysLeft } };
  },
};

const anonymousCheck: Check = {
  id: 'anonymous',
  suite: SUITE,
  title: 'anonymous pulls are refused for private projects (credentials needed)',
  applies: (t) => (harborImages(t).length === 0 ? 'no images on the Harbor host in the target' : true),
  async run(ctx) {
    const ch = await challenge(ctx);
    if (!ch.bearer) return ch.blocked!;
    const img = harborImages(ctx.target)[0]!;
    const repo = img.parsed.ref.repository;
    const t = await anonymousPullToken(ctx, ch.bearer, repo);
    if (t.kind === 'unreachable') return blocked('auth.token-realm-unreachable', `the token realm ${ch.bearer.realm} is unreachable (see robot-auth/challenge)`, { transport: t.failure });
    const token = t.kind === 'token' ? t.token : undefined;
    const m = await fetchManifest(ctx, repo, img.parsed.ref.reference, token);
    if (m.kind === 'transport') return transportOutcome(ctx, m.failure);
    const denied = m.kind === 'http' && (m.status === 401 || m.status === 403);
    const evidence = { repository: repo, anonymousToken: tokenEvidence(t), manifestStatus: m.kind === 'ok' ? 200 : m.kind === 'http' ? m.status : m.kind, anonymousPull: m.kind === 'ok' };
    if (denied && !ctx.target.robot) {
      return { findings: [finding('auth.credentials-missing', { subject: img.ref, params: { image: img.ref, host: harborUrl(ctx.target).host, detail: `anonymous manifest request answered HTTP ${m.status}` }, evidence })], evidence };
    }
    return { findings: [], evidence };
  },
};

/** robot-auth suite: token challenge, robot name form, token, scope, expiry, anonymous access. */
export const robotAuthChecks: Check[] = [challengeCheck, nameFormCheck, tokenCheck, scopeCheck, expiryCheck, anonymousCheck];
