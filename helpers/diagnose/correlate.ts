import type { SuiteId } from '../checks/check.ts';
import type { CauseId } from '../findings/cause-ids.ts';
import { REDACTED } from '../redact.ts';
import type { Finding, FindingParams } from '../findings/finding.ts';

/**
 * Root-cause correlation: a pod's pull error names a SYMPTOM (what the kubelet saw: "401",
 * "x509: unknown authority"); another check may already know the CAUSE behind it (the pod's pull
 * secret does not exist; that node has no CA in certs.d). A rule says: when the symptom is one
 * of `symptoms`, and an earlier finding with cause `prior` is in the same `scope` as the pod,
 * the pod's root cause is `root`. Rules are tried in table order; the first match wins, so the
 * narrowest scopes (this node, this namespace + secret) come before registry-wide ones.
 *
 * The symptom stays in the pod's evidence; only the named cause changes.
 */

/**
 * - `node`: the prior finding is about the node the pod is on (params.node / subject node/NAME),
 *   and, when it names a registry host, the pod pulls from that host.
 * - `namespace-secret`: same namespace, and the prior's secret is one the pod uses (its own or
 *   its service account's imagePullSecrets).
 * - `namespace`: same namespace (the prior may name a registry host; then it must match too).
 * - `namespace-no-secret`: same namespace (and host, when named), and the pod has no pull secret.
 * - `registry-host`: the prior is about the registry host the pod pulls from (or names no host:
 *   a finding about the target's one registry, e.g. its robot account) and not about one
 *   namespace's secret (those are matched by the narrower scopes only).
 */
export type CorrelationScope = 'node' | 'namespace-secret' | 'namespace' | 'namespace-no-secret' | 'registry-host';

export interface CorrelationRule {
  id: string;
  symptoms: readonly CauseId[];
  prior: CauseId;
  scope: CorrelationScope;
  root: CauseId;
}

const AUTH_SYMPTOMS = ['auth.credentials-invalid', 'auth.credentials-missing', 'auth.insufficient-scope', 'image.unknown'] as const satisfies readonly CauseId[];
const DNS_SYMPTOMS = ['dns.nxdomain', 'dns.servfail', 'dns.timeout'] as const satisfies readonly CauseId[];

/** The correlation table, in priority order (first match wins). */
export const CORRELATION_RULES: readonly CorrelationRule[] = [
  // --- this node ----------------------------------------------------------------------------
  { id: 'node-ca-missing', symptoms: ['tls.untrusted-ca'], prior: 'node.ca-not-installed', scope: 'node', root: 'node.ca-not-installed' },
  { id: 'node-ca-mismatch', symptoms: ['tls.untrusted-ca'], prior: 'node.ca-mismatch', scope: 'node', root: 'node.ca-mismatch' },
  { id: 'node-hosts-toml', symptoms: ['tls.untrusted-ca', 'net.plain-http', 'node.hosts-toml-invalid'], prior: 'node.hosts-toml-invalid', scope: 'node', root: 'node.hosts-toml-invalid' },
  { id: 'node-config-conflict', symptoms: ['tls.untrusted-ca', 'node.containerd-config-conflict'], prior: 'node.containerd-config-conflict', scope: 'node', root: 'node.containerd-config-conflict' },
  // A containerd 1.x drop-in that replaces the CRI section drops config_path (certs.d ignored →
  // unknown authority) and the sandbox image setting (pause image pulled from the default).
  { id: 'node-dropin-cri', symptoms: ['tls.untrusted-ca', 'node.sandbox-image-unpullable', 'node.containerd-config-conflict'], prior: 'node.containerd-dropin-replaces-cri', scope: 'node', root: 'node.containerd-dropin-replaces-cri' },
  { id: 'node-clock-skew', symptoms: ['tls.not-yet-valid', 'tls.expired'], prior: 'node.clock-skew', scope: 'node', root: 'node.clock-skew' },
  { id: 'node-dns-split-view', symptoms: DNS_SYMPTOMS, prior: 'dns.split-view', scope: 'node', root: 'dns.split-view' },
  // --- this namespace and pull secret -------------------------------------------------------
  { id: 'secret-missing', symptoms: [...AUTH_SYMPTOMS, 'auth.pull-secret-missing'], prior: 'auth.pull-secret-missing', scope: 'namespace-secret', root: 'auth.pull-secret-missing' },
  { id: 'secret-malformed', symptoms: [...AUTH_SYMPTOMS, 'auth.pull-secret-malformed'], prior: 'auth.pull-secret-malformed', scope: 'namespace-secret', root: 'auth.pull-secret-malformed' },
  { id: 'secret-registry-mismatch', symptoms: AUTH_SYMPTOMS, prior: 'auth.pull-secret-registry-mismatch', scope: 'namespace-secret', root: 'auth.pull-secret-registry-mismatch' },
  { id: 'secret-robot-mangled', symptoms: AUTH_SYMPTOMS, prior: 'auth.robot-name-mangled', scope: 'namespace-secret', root: 'auth.robot-name-mangled' },
  // containerd says "401 Unauthorized" alike for no credentials and wrong ones (docs environment.md).
  { id: 'secret-not-attached', symptoms: ['auth.credentials-missing', 'auth.credentials-invalid', 'image.unknown'], prior: 'auth.pull-secret-not-attached', scope: 'namespace-no-secret', root: 'auth.pull-secret-not-attached' },
  { id: 'no-credentials', symptoms: ['auth.credentials-invalid', 'image.unknown'], prior: 'auth.credentials-missing', scope: 'namespace-no-secret', root: 'auth.credentials-missing' },
  // --- the registry the pod pulls from ------------------------------------------------------
  { id: 'robot-mangled', symptoms: ['auth.credentials-invalid', 'auth.credentials-missing', 'auth.insufficient-scope'], prior: 'auth.robot-name-mangled', scope: 'registry-host', root: 'auth.robot-name-mangled' },
  { id: 'robot-disabled', symptoms: ['auth.credentials-invalid'], prior: 'auth.robot-disabled', scope: 'registry-host', root: 'auth.robot-disabled' },
  { id: 'robot-expired', symptoms: ['auth.credentials-invalid'], prior: 'auth.robot-expired', scope: 'registry-host', root: 'auth.robot-expired' },
  { id: 'chain-incomplete', symptoms: ['tls.untrusted-ca'], prior: 'tls.chain-incomplete', scope: 'registry-host', root: 'tls.chain-incomplete' },
  // The resolvers that must agree disagree (the target's node resolver vs the cluster's DNS),
  // seen from where hybrid-doctor runs rather than from one node: the lookup failure is that.
  { id: 'dns-split-view', symptoms: DNS_SYMPTOMS, prior: 'dns.split-view', scope: 'registry-host', root: 'dns.split-view' },
  // The resolver's Corefile (target dns.corefile, or the cluster's CoreDNS ConfigMap) has no
  // hosts entry for the registry: the lookup failure is that missing entry.
  { id: 'coredns-hosts-missing', symptoms: DNS_SYMPTOMS, prior: 'dns.coredns-hosts-missing', scope: 'registry-host', root: 'dns.coredns-hosts-missing' },
  { id: 'external-url', symptoms: ['auth.token-realm-unreachable', 'net.connection-refused', 'net.connection-timeout', 'dns.nxdomain'], prior: 'harbor.external-url-mismatch', scope: 'registry-host', root: 'harbor.external-url-mismatch' },
];

/** Where an earlier finding applies, read from its params (preferred) or its subject. */
export interface PriorFacts {
  cause: CauseId;
  node?: string;
  host?: string;
  namespace?: string;
  secret?: string;
  subject: string;
  check?: string;
  /**
   * The finding's own params (secret name, expected host, robot, CA file, issuer, ...): a pod
   * whose root cause this finding is gets them too (see {@link podFindingParams}).
   */
  params?: FindingParams;
}

/** What the correlation needs to know about one pod. */
export interface PodScope {
  namespace: string;
  node?: string;
  /** registry host[:port] of every failing image (lower-case). */
  hosts: string[];
  /** Effective pull secrets: the pod's own plus its service account's. */
  secrets: string[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Normalises a registry host for comparison: lower-case, `:443` dropped, docker.io aliases folded. */
export function normalizeHost(h: string): string {
  let x = h.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (x.endsWith(':443')) x = x.slice(0, -4);
  if (x === 'index.docker.io' || x === 'registry-1.docker.io' || x === 'registry.hub.docker.com') x = 'docker.io';
  return x;
}

/** Extracts the scope of a finding: params.node/host/namespace/secret, else `node/NAME`, `ns/name` subjects. */
export function priorFacts(f: Finding): PriorFacts {
  const p = f.params;
  const out: PriorFacts = { cause: f.cause, subject: f.subject, ...(f.check ? { check: f.check } : {}), params: f.params };
  const node = str(p.node) ?? /^node\/([^\s/]+)/.exec(f.subject)?.[1];
  if (node) out.node = node;
  const host = str(p.host) ?? str(p.registry);
  if (host) out.host = normalizeHost(host);
  const ns = str(p.namespace);
  if (ns) out.namespace = ns;
  // The pull secret's NAME is `params.secretName` (a key named `secret` would be blanked by the
  // redactor); older producers put it in evidence.secretName or the subject `<ns>/secret/<name>`.
  const subj = /^([a-z0-9.-]+)\/secret\/([a-z0-9.-]+)/.exec(f.subject);
  const legacy = str(p.secret);
  const secret = str(p.secretName) ?? str(f.evidence.secretName) ?? subj?.[2] ?? (legacy !== REDACTED ? legacy : undefined);
  if (secret) out.secret = secret;
  if (!out.namespace && subj?.[1]) out.namespace = subj[1];
  const evNs = str(f.evidence.namespace);
  if (!out.namespace && evNs) out.namespace = evNs;
  return out;
}

export function scopeMatches(scope: CorrelationScope, pod: PodScope, prior: PriorFacts): boolean {
  switch (scope) {
    case 'node':
      // A node fact about one registry (its CA in certs.d/<host>) does not explain pulls from another.
      return prior.node !== undefined && prior.node === pod.node && (prior.host === undefined || pod.hosts.length === 0 || pod.hosts.includes(prior.host));
    case 'namespace-secret':
      return prior.namespace === pod.namespace && prior.secret !== undefined && pod.secrets.includes(prior.secret);
    case 'namespace':
      return prior.namespace === pod.namespace && (prior.host === undefined || pod.hosts.includes(prior.host));
    case 'namespace-no-secret':
      return pod.secrets.length === 0 && prior.namespace === pod.namespace && (prior.host === undefined || pod.hosts.includes(prior.host));
    case 'registry-host':
      return prior.namespace === undefined && (prior.host === undefined || pod.hosts.includes(prior.host));
  }
}

export interface Correlation {
  root: CauseId;
  rule?: CorrelationRule;
  prior?: PriorFacts;
}

/**
 * The suites whose findings can be each rule's prior (which check emits which cause: the checks'
 * own code; a test keeps every prior of CORRELATION_RULES covered). `diagnose POD` runs only the
 * suites its pods' symptoms can be explained by.
 */
export const PRIOR_SUITES: Readonly<Record<string, readonly SuiteId[]>> = {
  'auth.credentials-missing': ['pull-secrets', 'robot-auth'],
  'auth.pull-secret-malformed': ['pull-secrets'],
  'auth.pull-secret-missing': ['pull-secrets'],
  'auth.pull-secret-not-attached': ['pull-secrets'],
  'auth.pull-secret-registry-mismatch': ['pull-secrets'],
  'auth.robot-disabled': ['robot-auth'],
  'auth.robot-expired': ['robot-auth'],
  'auth.robot-name-mangled': ['pull-secrets', 'robot-auth'],
  'dns.coredns-hosts-missing': ['dns'],
  'dns.split-view': ['dns', 'cluster-dns'],
  'harbor.external-url-mismatch': ['robot-auth'],
  'node.ca-mismatch': ['nodes'],
  'node.ca-not-installed': ['nodes'],
  'node.clock-skew': ['nodes'],
  'node.containerd-config-conflict': ['nodes'],
  'node.containerd-dropin-replaces-cri': ['nodes'],
  'node.hosts-toml-invalid': ['nodes'],
  'tls.chain-incomplete': ['tls'],
};

/**
 * The suites (among `available`) that can explain these symptoms: the owners of every prior a
 * rule for one of them names, plus `tls` for an unknown authority (its trust check tells a
 * node-side trust problem from a served chain that fails everywhere). Empty: nothing to correlate.
 */
export function suitesFor(symptoms: readonly CauseId[], available: readonly SuiteId[], rules: readonly CorrelationRule[] = CORRELATION_RULES): SuiteId[] {
  const want = new Set<SuiteId>();
  for (const rule of rules) if (rule.symptoms.some((s) => symptoms.includes(s))) for (const suite of PRIOR_SUITES[rule.prior] ?? available) want.add(suite);
  if (symptoms.includes('tls.untrusted-ca')) want.add('tls');
  return available.filter((s) => want.has(s));
}

/** Picks the root cause for one pod's symptom given the earlier findings (first matching rule). */
export function correlate(symptom: CauseId, pod: PodScope, priors: readonly PriorFacts[], rules: readonly CorrelationRule[] = CORRELATION_RULES): Correlation {
  for (const rule of rules) {
    if (!rule.symptoms.includes(symptom)) continue;
    const prior = priors.find((p) => p.cause === rule.prior && scopeMatches(rule.scope, pod, p));
    if (prior) return { root: rule.root, rule, prior };
  }
  return { root: symptom };
}

/** What identifies the pod a pod-level finding is about. */
interface PodIdentity {
  namespace: string;
  pod: string;
  node?: string;
  image?: string;
  host?: string;
}

const defined = (p: FindingParams): FindingParams => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== ''));

/**
 * Params of a pod-level finding (diagnose, the imagepullbackoff suite).
 *
 * Without correlation the pod's cause is its pull error's symptom: the classifier's params
 * (image, host, status, detail) fill the template. With correlation the cause is the prior
 * finding's, so its template needs that finding's params — secret name, expected auths host,
 * robot name, CA file, issuer, node — or the pod's text would read "(has: ...)" with nothing and
 * print commands without values, while the owning suite's finding in the same run has them. The
 * pull error's `status`/`detail` describe the symptom, not the root cause, so they are not mixed
 * in (the symptom stays in the finding's evidence). The pod's identity (namespace, pod, node,
 * image, host) comes last: it is what this finding is about.
 */
export function podFindingParams(pod: PodIdentity, symptom: FindingParams, prior?: PriorFacts): FindingParams {
  const identity = defined({ namespace: pod.namespace, pod: pod.pod, node: pod.node, image: pod.image ?? symptom.image, host: pod.host ?? symptom.host, reference: symptom.reference });
  if (!prior) return { ...defined(symptom), ...identity };
  const { secret: _legacy, ...own } = prior.params ?? {};
  return {
    ...defined(own),
    ...(prior.secret && !str(own.secretName) ? { secretName: prior.secret } : {}),
    ...identity,
  };
}
