import { blocked, notApplicable, type Check, type CheckContext } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import type { KubeClient } from '../../kube/client.ts';
import { kubeApplies, withKube } from '../../kube/context.ts';
import { KubeApiError } from '../../kube/errors.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../kube/probe-namespace.ts';
import type { Pod, Secret, ServiceAccount } from '../../kube/types.ts';
import { anonymousPullToken, grantedActions, pullScope, requestToken, untrustedRealmOutcome, type TokenOutcome } from '../../registry/auth.ts';
import { harborUrl } from '../../registry/http.ts';
import type { BearerChallenge } from '../../registry/www-authenticate.ts';
import { registryReachability } from '../../registry/reachability.ts';
import { parseReference } from '../../registry/reference.ts';
import { normalizeHost } from '../../diagnose/correlate.ts';
import { authKeyMatches, mangledRobot, matchingEntry, parsePullSecret, PULL_SECRET_TYPES, type ParsedPullSecret } from '../../kube/pull-secret.ts';

/**
 * Pull secrets as pods really use them. Subjects are `<namespace>/secret/<name>` and evidence
 * carries `secretName` + `namespace`, so the ImagePullBackOff correlation can match a pod's
 * secrets (the `secret` param itself is blanked by the redactor). Credentials are only ever
 * sent to the Harbor token service of the target, never printed.
 */

/** Namespaces the guide's copy loop reaches that never pull application images. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
/** Token checks per run (distinct secret × repository). */
const MAX_TOKEN_CHECKS = 20;

interface HarborImage {
  image: string;
  repository: string;
  host: string;
}

interface Inventory {
  harborHost: string;
  pods: Pod[];
  serviceAccounts: ServiceAccount[];
  /** `ns/name` → secret (pull-secret types, listed) */
  pullSecrets: Map<string, Secret>;
  /** `ns/name` → secret of another type, or null when it does not exist (referenced names only). */
  referenced: Map<string, Secret | null>;
  parsed: Map<string, ParsedPullSecret>;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

function harborImages(pod: Pod, harborHost: string): HarborImage[] {
  const out: HarborImage[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const r = c.image ? parseReference(c.image) : undefined;
    if (r?.ok && normalizeHost(r.ref.domain) === harborHost) out.push({ image: c.image!, repository: r.ref.repository, host: r.ref.domain });
  }
  return out;
}

async function listIn<T>(kube: KubeClient, ctx: CheckContext, resource: string, opts: { fieldSelector?: string } = {}): Promise<T[]> {
  const nss = ctx.target.kubernetes?.namespaces;
  if (!nss?.length) return (await kube.listAll<T>(`/api/v1/${resource}`, { ...opts, what: `list ${resource}`, signal: ctx.signal })).items;
  const out: T[] = [];
  for (const ns of nss) out.push(...(await kube.listAll<T>(`/api/v1/namespaces/${encodeURIComponent(ns)}/${resource}`, { ...opts, what: `list ${resource} in ${ns}`, signal: ctx.signal })).items);
  return out;
}

/** One read of pods, service accounts and pull secrets per run. */
function inventory(ctx: CheckContext, kube: KubeClient): Promise<Inventory> {
  return ctx.once('pull-secrets:inventory', async () => {
    const harborHost = normalizeHost(harborUrl(ctx.target).host);
    const pods = await listIn<Pod>(kube, ctx, 'pods', { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
    const serviceAccounts = await listIn<ServiceAccount>(kube, ctx, 'serviceaccounts');
    const pullSecrets = new Map<string, Secret>();
    for (const type of PULL_SECRET_TYPES) for (const s of await listIn<Secret>(kube, ctx, 'secrets', { fieldSelector: `type=${type}` })) pullSecrets.set(key(s.metadata.namespace!, s.metadata.name), s);
    const names = new Set<string>();
    for (const p of pods) for (const r of p.spec?.imagePullSecrets ?? []) if (r.name) names.add(key(p.metadata.namespace!, r.name));
    for (const sa of serviceAccounts) for (const r of sa.imagePullSecrets ?? []) if (r.name) names.add(key(sa.metadata.namespace!, r.name));
    const referenced = new Map<string, Secret | null>();
    for (const k of names) {
      if (pullSecrets.has(k)) continue;
      const [ns, name] = k.split('/') as [string, string];
      try {
        referenced.set(k, await kube.request<Secret>('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(name)}`, { what: `get secret ${k}`, signal: ctx.signal }));
      } catch (err) {
        if (err instanceof KubeApiError && err.kind === 'not-found') referenced.set(k, null);
        else throw err;
      }
    }
    const parsed = new Map<string, ParsedPullSecret>();
    for (const [k, s] of pullSecrets) parsed.set(k, parsePullSecret(s));
    for (const [k, s] of referenced) if (s) parsed.set(k, parsePullSecret(s));
    return { harborHost, pods, serviceAccounts, pullSecrets, referenced, parsed };
  });
}

const subjectOf = (ns: string, name: string) => `${ns}/secret/${name}`;

/** References to secrets that do not exist, have the wrong type or do not decode. */
export const pullSecretReferencesCheck: Check = {
  id: 'pull-secret-references',
  suite: 'pull-secrets',
  title: 'Referenced image pull secrets exist, have the right type and decode',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const inv = await inventory(ctx, kube);
      const findings: Finding[] = [];
      const users = new Map<string, { pods: string[]; serviceAccounts: string[] }>();
      const use = (ns: string, name: string) => {
        let u = users.get(key(ns, name));
        if (!u) users.set(key(ns, name), (u = { pods: [], serviceAccounts: [] }));
        return u;
      };
      for (const p of inv.pods) for (const r of p.spec?.imagePullSecrets ?? []) if (r.name) use(p.metadata.namespace!, r.name).pods.push(p.metadata.name);
      for (const sa of inv.serviceAccounts) for (const r of sa.imagePullSecrets ?? []) if (r.name) use(sa.metadata.namespace!, r.name).serviceAccounts.push(sa.metadata.name);
      for (const [k, u] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
        const [ns, name] = k.split('/') as [string, string];
        const by = [u.pods.length ? `${u.pods.length} pod(s)` : '', u.serviceAccounts.length ? `service account(s) ${u.serviceAccounts.join(', ')}` : ''].filter(Boolean).join(' and ');
        const ev = { secretName: name, namespace: ns, pods: u.pods.slice(0, 50), serviceAccounts: u.serviceAccounts };
        if (inv.referenced.get(k) === null) {
          findings.push(finding('auth.pull-secret-missing', { subject: subjectOf(ns, name), params: { namespace: ns, ...(u.pods[0] ? { pod: u.pods[0] } : {}), secretName: name, detail: `referenced by ${by}` }, evidence: ev }));
          continue;
        }
        const parsed = inv.parsed.get(k);
        const problem = parsed?.problems[0];
        if (problem && (parsed.entries.length === 0 || problem.field.startsWith('auths['))) {
          findings.push(finding('auth.pull-secret-malformed', { subject: subjectOf(ns, name), params: { namespace: ns, secretName: name, field: problem.field, detail: problem.detail }, evidence: { ...ev, problems: parsed.problems } }));
        }
      }
      return { findings, evidence: { pods: inv.pods.length, serviceAccounts: inv.serviceAccounts.length, pullSecrets: inv.pullSecrets.size, referenced: users.size } };
    }),
};

/** Pods pulling from Harbor: a secret with a matching `auths` key, attached, with a sane robot name. */
export const pullSecretRegistryCheck: Check = {
  id: 'pull-secret-registry',
  suite: 'pull-secrets',
  title: 'Pods pulling from Harbor carry a pull secret whose auths key matches the registry',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const inv = await inventory(ctx, kube);
      const findings: Finding[] = [];
      const seen = new Set<string>();
      const once = (k: string) => (seen.has(k) ? false : (seen.add(k), true));
      const anon = await anonymousPrivacy(ctx, inv);
      for (const p of inv.pods) {
        const ns = p.metadata.namespace!;
        const imgs = harborImages(p, inv.harborHost);
        if (!imgs.length) continue;
        const names = (p.spec?.imagePullSecrets ?? []).map((r) => r.name ?? '').filter(Boolean);
        const usable = names.filter((n) => (inv.parsed.get(key(ns, n))?.entries.length ?? 0) > 0);
        for (const img of imgs) {
          const match = usable.find((n) => matchingEntry(inv.parsed.get(key(ns, n))!.entries, img.host, img.repository));
          if (match) {
            const entry = matchingEntry(inv.parsed.get(key(ns, match))!.entries, img.host, img.repository)!;
            const expected = mangledRobot(entry.username ?? '', ctx.target.robot?.name);
            if (expected && once(`mangled:${ns}/${match}`)) {
              findings.push(finding('auth.robot-name-mangled', { subject: subjectOf(ns, match), params: { robot: entry.username ?? '', ...(ctx.target.robot?.name ? { expected } : {}), secretName: match, namespace: ns, host: img.host }, evidence: { secretName: match, namespace: ns, key: entry.key } }));
            }
            continue;
          }
          if (usable.length) {
            const first = usable[0]!;
            if (once(`mismatch:${ns}/${usable.join(',')}:${img.host}`)) {
              const keys = usable.flatMap((n) => inv.parsed.get(key(ns, n))!.entries.map((e) => e.key));
              findings.push(finding('auth.pull-secret-registry-mismatch', { subject: subjectOf(ns, first), params: { namespace: ns, pod: p.metadata.name, secretName: first, host: img.host, expected: keys.join(', ') }, evidence: { secretName: first, namespace: ns, pod: p.metadata.name, image: img.image, auths: keys } }));
            }
            continue;
          }
          if (names.some((n) => inv.referenced.get(key(ns, n)) === null || (inv.parsed.get(key(ns, n))?.problems.length ?? 0) > 0)) continue; // the references check owns it
          // No secret at all: is there a matching one in the namespace, and does the repository need one?
          const privacy = anon.get(img.repository) ?? 'unknown';
          if (privacy === 'public') continue;
          const candidate = [...inv.pullSecrets.keys()].filter((k) => k.startsWith(`${ns}/`)).map((k) => k.slice(ns.length + 1)).find((n) => inv.parsed.get(key(ns, n))!.entries.some((e) => authKeyMatches(e.key, img.host, img.repository)));
          if (candidate) {
            if (once(`not-attached:${ns}/${candidate}`)) findings.push(finding('auth.pull-secret-not-attached', { subject: subjectOf(ns, candidate), params: { namespace: ns, pod: p.metadata.name, secretName: candidate, host: img.host }, evidence: { secretName: candidate, namespace: ns, serviceAccount: p.spec?.serviceAccountName ?? 'default', repositoryPrivacy: privacy } }));
          } else if (once(`no-creds:${ns}:${img.repository}`)) {
            findings.push(finding('auth.credentials-missing', { subject: `${ns}/${p.metadata.name}`, params: { host: img.host, image: img.image, namespace: ns, pod: p.metadata.name, detail: `no imagePullSecrets on pod ${ns}/${p.metadata.name} and no pull secret for ${img.host} in the namespace` }, evidence: { namespace: ns, pod: p.metadata.name, repositoryPrivacy: privacy } }));
          }
        }
      }
      return { findings, evidence: { harborHost: inv.harborHost, repositoryPrivacy: Object.fromEntries(anon) } };
    }),
};

/** repository → public (anonymous pull granted) / private, from the token service; empty when unreachable. */
async function anonymousPrivacy(ctx: CheckContext, inv: Inventory): Promise<Map<string, 'public' | 'private'>> {
  return ctx.once('pull-secrets:privacy', async () => {
    const out = new Map<string, 'public' | 'private'>();
    const reach = await registryReachability(ctx);
    if (!reach.ok || !reach.probe.bearer) return out;
    const repos = new Set(inv.pods.flatMap((p) => harborImages(p, inv.harborHost).map((i) => i.repository)));
    for (const repo of [...repos].slice(0, MAX_TOKEN_CHECKS)) {
      const t = await anonymousPullToken(ctx, reach.probe.bearer, repo);
      if (t.kind === 'token') out.set(repo, grantedActions(t.claims, repo).includes('pull') ? 'public' : 'private');
      else if (t.kind === 'rejected') out.set(repo, 'private');
    }
    return out;
  });
}

/** The credentials in each Harbor pull secret obtain `pull` on the repositories its pods use. */
export const pullSecretCredentialsCheck: Check = {
  id: 'pull-secret-credentials',
  suite: 'pull-secrets',
  title: 'Pull secret credentials obtain pull on the repository from the token service',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const inv = await inventory(ctx, kube);
      const reach = await registryReachability(ctx);
      if (!reach.ok) return blocked(reach.failure.cause, `the registry is unreachable (${reach.failure.detail}): no token service to ask`);
      const bearer = reach.probe.bearer;
      if (!bearer) return notApplicable(`the registry sent no Bearer challenge (/v2/ answered HTTP ${reach.probe.status}): no token service to ask`);
      const findings: Finding[] = [];
      const checks: { ns: string; secret: string; image: HarborImage; username: string; password: string }[] = [];
      const seen = new Set<string>();
      for (const p of inv.pods) {
        const ns = p.metadata.namespace!;
        for (const img of harborImages(p, inv.harborHost)) {
          for (const r of p.spec?.imagePullSecrets ?? []) {
            const e = r.name ? matchingEntry(inv.parsed.get(key(ns, r.name))?.entries ?? [], img.host, img.repository) : undefined;
            if (!e || e.username === undefined) continue;
            const k = `${ns}/${r.name}/${img.repository}`;
            if (!seen.has(k)) {
              seen.add(k);
              checks.push({ ns, secret: r.name!, image: img, username: e.username, password: e.password ?? '' });
            }
            break;
          }
        }
      }
      if (checks.length === 0) return notApplicable(`no pod pulls from ${inv.harborHost} with a pull secret holding credentials for it`);
      const results: Record<string, unknown>[] = [];
      const unjudged: { what: string; cause: string }[] = [];
      for (const c of checks.slice(0, MAX_TOKEN_CHECKS)) {
        const t: TokenOutcome = await ctx.once(`pull-secrets:token:${c.ns}/${c.secret}/${c.image.repository}`, () => requestToken(ctx, bearer, pullScope(c.image.repository), { username: c.username, password: c.password }));
        const ev = { secretName: c.secret, namespace: c.ns, repository: c.image.repository, username: c.username };
        if (t.kind === 'unreachable') {
          results.push({ ...ev, blockedBy: t.failure.cause });
          unjudged.push({ what: `${c.ns}/${c.secret} for ${c.image.repository} (token service unreachable: ${t.failure.cause})`, cause: t.failure.cause });
          continue;
        }
        if (t.kind === 'untrusted-realm') {
          // Nothing was sent: the realm fails the credential realm rule (one finding per realm and run).
          const o = await untrustedRealmOutcome(ctx, t, subjectOf(c.ns, c.secret));
          results.push({ ...ev, blockedBy: 'auth.realm-untrusted', realm: t.realm });
          findings.push(...o.findings);
          if (!o.findings.length) unjudged.push({ what: `${c.ns}/${c.secret} for ${c.image.repository} (credentials withheld from ${t.realm})`, cause: 'auth.realm-untrusted' });
          continue;
        }
        if (t.kind === 'rejected') {
          results.push({ ...ev, status: t.status });
          findings.push(finding('auth.credentials-invalid', { subject: subjectOf(c.ns, c.secret), params: { host: c.image.host, image: c.image.image, status: String(t.status), detail: `the token service rejected the credentials of ${c.ns}/${c.secret} (user ${c.username})` }, evidence: { ...ev, status: t.status } }));
          continue;
        }
        const actions = grantedActions(t.claims, c.image.repository);
        results.push({ ...ev, actions });
        if (!actions.includes('pull') && (await wrongRobotSecret(ctx, bearer, c))) {
          // Harbor answers a wrong secret with 200 and an empty grant (not 401); the target's own
          // robot secret obtains pull on the same repository, so this secret's password is wrong.
          findings.push(finding('auth.credentials-invalid', { subject: subjectOf(c.ns, c.secret), params: { host: c.image.host, image: c.image.image, detail: `the credentials of ${c.ns}/${c.secret} (user ${c.username}) get an empty grant on ${c.image.repository}, while the target's secret for ${c.username} obtains pull: the secret holds a wrong password` }, evidence: { ...ev, granted: actions, comparedWith: 'target robot secret' } }));
        } else if (!actions.includes('pull') && mangledRobot(c.username, ctx.target.robot?.name)) {
          // An unknown user gets an empty grant (Harbor's answer to bad credentials), not a scope
          // problem. The registry check reports robot-name-mangled for this secret; no second finding.
          results[results.length - 1] = { ...ev, actions, judgedAs: 'auth.robot-name-mangled' };
        } else if (!actions.includes('pull') && !knownUser(ctx, c.username)) {
          findings.push(finding('auth.credentials-invalid', { subject: subjectOf(c.ns, c.secret), params: { host: c.image.host, image: c.image.image, detail: `the credentials of ${c.ns}/${c.secret} (user ${c.username}) get an empty grant on ${c.image.repository}: Harbor answers unknown users and wrong passwords that way, and nothing shows ${c.username} exists (it is not the target's robot)` }, evidence: { ...ev, granted: actions, validRobotName: ROBOT_NAME.test(c.username) } }));
        } else if (!actions.includes('pull')) {
          findings.push(finding('auth.insufficient-scope', { subject: subjectOf(c.ns, c.secret), params: { host: c.image.host, image: c.image.image, detail: `token for ${c.username} grants [${actions.join(', ')}] on ${c.image.repository}` }, evidence: { ...ev, granted: actions } }));
        }
      }
      const over = checks.length - MAX_TOKEN_CHECKS;
      const reasons = [...unjudged.map((u) => u.what), ...(over > 0 ? [`${over} more secret × repository pair(s) beyond the ${MAX_TOKEN_CHECKS} checked per run`] : [])];
      return {
        findings,
        evidence: { tokenChecks: results, ...(over > 0 ? { notChecked: over } : {}) },
        ...(reasons.length ? { notChecked: { kind: 'blocked' as const, reason: `not checked: ${reasons.join('; ')}`, ...(unjudged[0] ? { blockedBy: unjudged[0].cause } : {}) } } : {}),
      };
    }),
};

/** Harbor robot names: `robot$name` (system) or `robot$project+name` (project), default prefix. */
const ROBOT_NAME = /^robot\$[^$\s]+$/;

/**
 * Does any evidence show the user exists? Only the target's robot name does: an empty grant for
 * any other user is what Harbor answers to an unknown user (or a wrong password), so it can only
 * be judged a permission problem for the user the target says exists.
 */
function knownUser(ctx: CheckContext, username: string): boolean {
  return ctx.target.robot?.name !== undefined && username === ctx.target.robot.name;
}

/**
 * An empty grant for the target's robot name with another password, while the target's robot
 * secret obtains pull on that repository: the pull secret's password is wrong (Harbor gives wrong
 * secrets an anonymous token instead of a 401). Compared in memory, never printed.
 */
async function wrongRobotSecret(ctx: CheckContext, bearer: BearerChallenge, c: { image: HarborImage; username: string; password: string }): Promise<boolean> {
  const robot = ctx.target.robot?.name;
  const secret = ctx.secrets.robotSecret;
  if (!robot || secret === undefined || c.username !== robot || c.password === secret) return false;
  const t: TokenOutcome = await ctx.once(`pull-secrets:target-robot-token:${c.image.repository}`, () => requestToken(ctx, bearer, pullScope(c.image.repository), { username: robot, password: secret }));
  return t.kind === 'token' && grantedActions(t.claims, c.image.repository).includes('pull');
}

/** Leftovers of the guide's copy-to-all-namespaces loop. */
export const pullSecretCopiesCheck: Check = {
  id: 'pull-secret-copies',
  suite: 'pull-secrets',
  title: 'Registry pull secret is not copied into namespaces that do not use it',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const inv = await inventory(ctx, kube);
      const used = new Set<string>();
      for (const p of inv.pods) for (const r of p.spec?.imagePullSecrets ?? []) if (r.name) used.add(key(p.metadata.namespace!, r.name));
      for (const sa of inv.serviceAccounts) for (const r of sa.imagePullSecrets ?? []) if (r.name) used.add(key(sa.metadata.namespace!, r.name));
      const findings: Finding[] = [];
      // Per-run probe namespaces are hybrid-doctor's own; an `existing` one is the user's namespace, judged like any other.
      const probeNs = ctx.target.kubernetes?.probeNamespaceMode === 'existing' ? undefined : ctx.target.kubernetes?.probeNamespace;
      for (const [k, s] of inv.pullSecrets) {
        const ns = s.metadata.namespace!;
        const name = s.metadata.name;
        // A probe pull secret of a hybrid-doctor run (this one's or a concurrent one's) is ours, not a copy.
        if (s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) continue;
        const forHarbor = inv.parsed.get(k)?.entries.some((e) => authKeyMatches(e.key, inv.harborHost)) ?? false;
        if (!forHarbor) continue;
        const lastApplied = s.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
        let appliedNs: string | undefined;
        if (lastApplied) {
          try {
            appliedNs = (JSON.parse(lastApplied) as { metadata?: { namespace?: string } }).metadata?.namespace;
          } catch {
            /* not JSON: not kubectl's annotation */
          }
        }
        const ev = { secretName: name, namespace: ns, usedHere: used.has(k) };
        if ((SYSTEM_NAMESPACES.has(ns) || (probeNs !== undefined && (ns === probeNs || ns.startsWith(`${probeNs}-probe-`)))) && !used.has(k)) {
          findings.push(finding('auth.pull-secret-copied-everywhere', { subject: subjectOf(ns, name), params: { namespace: ns, secretName: name, detail: `a copy in system namespace ${ns}, referenced by no pod or service account` }, evidence: ev }));
        } else if (appliedNs && appliedNs !== ns) {
          findings.push(finding('auth.pull-secret-copied-everywhere', { subject: subjectOf(ns, name), severity: used.has(k) ? 'info' : 'warning', params: { namespace: ns, secretName: name, detail: `its last-applied-configuration says namespace ${appliedNs}: copied with the guide's sed loop${used.has(k) ? '' : ', and unused here'}` }, evidence: { ...ev, lastAppliedNamespace: appliedNs } }));
        }
      }
      return { findings };
    }),
};

export const pullSecretsChecks: Check[] = [pullSecretReferencesCheck, pullSecretRegistryCheck, pullSecretCredentialsCheck, pullSecretCopiesCheck];
