import { describe, expect, it } from 'vitest';
import type { CauseId } from '../findings/cause-ids.ts';
import { finding } from '../findings/make-finding.ts';
import { CATALOG } from '../catalog/catalog.ts';
import { classifyPullError } from '../classifier/pull-error-classifier.ts';
import type { Finding } from '../findings/finding.ts';
import { redactor } from '../redact.ts';
import { CORRELATION_RULES, correlate, normalizeHost, podFindingParams, PRIOR_SUITES, priorFacts, suitesFor, type PodScope, type PriorFacts } from './correlate.ts';
import { SUITES, type SuiteId } from '../checks/check.ts';

const H = 'harbor.sandbox.test';
const pod: PodScope = { namespace: 'team-a', node: 'hybrid-1', hosts: [H], secrets: ['harbor-registry'] };
const prior = (cause: CauseId, where: Partial<PriorFacts>): PriorFacts => ({ cause, subject: 's', ...where });

// symptom × prior (with its scope) → expected root cause for `pod`.
const cases: [string, CauseId, PriorFacts[], CauseId][] = [
  ['401 + secret missing in the pod namespace', 'auth.credentials-invalid', [prior('auth.pull-secret-missing', { namespace: 'team-a', secret: 'harbor-registry' })], 'auth.pull-secret-missing'],
  ['no-credentials + secret missing', 'auth.credentials-missing', [prior('auth.pull-secret-missing', { namespace: 'team-a', secret: 'harbor-registry' })], 'auth.pull-secret-missing'],
  ['secret missing in ANOTHER namespace does not apply', 'auth.credentials-invalid', [prior('auth.pull-secret-missing', { namespace: 'team-b', secret: 'harbor-registry' })], 'auth.credentials-invalid'],
  ['secret missing but not one the pod uses', 'auth.credentials-invalid', [prior('auth.pull-secret-missing', { namespace: 'team-a', secret: 'other' })], 'auth.credentials-invalid'],
  ['401 + malformed secret', 'auth.credentials-invalid', [prior('auth.pull-secret-malformed', { namespace: 'team-a', secret: 'harbor-registry' })], 'auth.pull-secret-malformed'],
  ['401 + registry mismatch', 'auth.credentials-missing', [prior('auth.pull-secret-registry-mismatch', { namespace: 'team-a', secret: 'harbor-registry', host: H })], 'auth.pull-secret-registry-mismatch'],
  ['401 + robot name mangled (robot-auth, registry-wide)', 'auth.credentials-invalid', [prior('auth.robot-name-mangled', { host: H })], 'auth.robot-name-mangled'],
  ['401 + robot name mangled in this secret', 'auth.credentials-invalid', [prior('auth.robot-name-mangled', { namespace: 'team-a', secret: 'harbor-registry' })], 'auth.robot-name-mangled'],
  ['robot mangled for another registry does not apply', 'auth.credentials-invalid', [prior('auth.robot-name-mangled', { host: 'other.example' })], 'auth.credentials-invalid'],
  ['401 + robot disabled', 'auth.credentials-invalid', [prior('auth.robot-disabled', {})], 'auth.robot-disabled'],
  ['401 + robot expired', 'auth.credentials-invalid', [prior('auth.robot-expired', { host: H })], 'auth.robot-expired'],
  ['no-credentials + secret exists but not attached (pod has no secret)', 'auth.credentials-missing', [prior('auth.pull-secret-not-attached', { namespace: 'team-a', secret: 'harbor-registry', host: H })], 'auth.credentials-missing'],
  ['a robot-name-mangled secret in the namespace does not explain a pod using another secret', 'auth.credentials-invalid', [prior('auth.robot-name-mangled', { namespace: 'team-a', secret: 'other', host: H })], 'auth.credentials-invalid'],
  ['x509 unknown authority + CA missing on this node', 'tls.untrusted-ca', [prior('node.ca-not-installed', { node: 'hybrid-1' })], 'node.ca-not-installed'],
  ['x509 unknown authority + CA missing on ANOTHER node', 'tls.untrusted-ca', [prior('node.ca-not-installed', { node: 'hybrid-2' })], 'tls.untrusted-ca'],
  ['x509 from ANOTHER registry + Harbor CA missing on this node', 'tls.untrusted-ca', [prior('node.ca-not-installed', { node: 'hybrid-1', host: 'quay.io' })], 'tls.untrusted-ca'],
  ['x509 unknown authority + Harbor CA missing on this node (host named)', 'tls.untrusted-ca', [prior('node.ca-not-installed', { node: 'hybrid-1', host: H })], 'node.ca-not-installed'],
  ['x509 unknown authority + stale CA on this node', 'tls.untrusted-ca', [prior('node.ca-mismatch', { node: 'hybrid-1' })], 'node.ca-mismatch'],
  ['x509 unknown authority + drop-in replaced CRI', 'tls.untrusted-ca', [prior('node.containerd-dropin-replaces-cri', { node: 'hybrid-1' })], 'node.containerd-dropin-replaces-cri'],
  ['pause image unpullable + drop-in replaced CRI', 'node.sandbox-image-unpullable', [prior('node.containerd-dropin-replaces-cri', { node: 'hybrid-1' })], 'node.containerd-dropin-replaces-cri'],
  ['x509 unknown authority + config_path conflict', 'tls.untrusted-ca', [prior('node.containerd-config-conflict', { node: 'hybrid-1' })], 'node.containerd-config-conflict'],
  ['x509 unknown authority + hosts.toml invalid', 'tls.untrusted-ca', [prior('node.hosts-toml-invalid', { node: 'hybrid-1' })], 'node.hosts-toml-invalid'],
  ['not yet valid + clock skew on this node', 'tls.not-yet-valid', [prior('node.clock-skew', { node: 'hybrid-1' })], 'node.clock-skew'],
  ['no such host + split view on this node', 'dns.nxdomain', [prior('dns.split-view', { node: 'hybrid-1' })], 'dns.split-view'],
  ['x509 unknown authority + server omits intermediate', 'tls.untrusted-ca', [prior('tls.chain-incomplete', { host: H })], 'tls.chain-incomplete'],
  ['token realm unreachable + external URL mismatch', 'auth.token-realm-unreachable', [prior('harbor.external-url-mismatch', { host: H })], 'harbor.external-url-mismatch'],
  ['node beats registry-wide: CA missing on node and chain incomplete', 'tls.untrusted-ca', [prior('tls.chain-incomplete', { host: H }), prior('node.ca-not-installed', { node: 'hybrid-1' })], 'node.ca-not-installed'],
  ['secret beats robot: secret missing and robot mangled', 'auth.credentials-invalid', [prior('auth.robot-name-mangled', { host: H }), prior('auth.pull-secret-missing', { namespace: 'team-a', secret: 'harbor-registry' })], 'auth.pull-secret-missing'],
  ['no prior: symptom stays', 'image.not-found', [prior('node.ca-not-installed', { node: 'hybrid-1' })], 'image.not-found'],
  ['unrelated symptom is never rewritten (not found + secret missing)', 'image.not-found', [prior('auth.pull-secret-missing', { namespace: 'team-a', secret: 'harbor-registry' })], 'image.not-found'],
  ['unknown pull error + secret missing', 'image.unknown', [prior('auth.pull-secret-missing', { namespace: 'team-a', secret: 'harbor-registry' })], 'auth.pull-secret-missing'],
];

const bare: PodScope = { namespace: 'team-a', node: 'hybrid-1', hosts: [H], secrets: [] };
const bareCases: [string, CauseId, PriorFacts[], CauseId][] = [
  ['401 on a pod without secrets + matching secret not attached', 'auth.credentials-invalid', [prior('auth.pull-secret-not-attached', { namespace: 'team-a', host: H })], 'auth.pull-secret-not-attached'],
  ['401 on a pod without secrets + no credentials for the repository', 'auth.credentials-invalid', [prior('auth.credentials-missing', { namespace: 'team-a', host: H })], 'auth.credentials-missing'],
  ['credentials-missing in another namespace does not apply', 'auth.credentials-invalid', [prior('auth.credentials-missing', { namespace: 'team-b', host: H })], 'auth.credentials-invalid'],
];

describe('correlation table', () => {
  it.each(cases)('%s', (_name, symptom, priors, expected) => {
    expect(correlate(symptom, pod, priors).root).toBe(expected);
  });

  it.each(bareCases)('pod without pull secrets: %s', (_name, symptom, priors, expected) => {
    expect(correlate(symptom, bare, priors).root).toBe(expected);
  });

  it('names the rule and the prior that decided', () => {
    const p = prior('node.ca-not-installed', { node: 'hybrid-1', subject: 'node/hybrid-1' });
    const c = correlate('tls.untrusted-ca', pod, [p]);
    expect(c.rule?.id).toBe('node-ca-missing');
    expect(c.prior).toBe(p);
  });

  it('every rule id is unique and every rule maps a symptom to a different root or confirms a node fact', () => {
    const ids = CORRELATION_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of CORRELATION_RULES) expect(r.symptoms.length).toBeGreaterThan(0);
  });
});

describe('suitesFor: only the suites that can explain the symptoms (diagnose POD)', () => {
  const CORR: SuiteId[] = ['tls', 'dns', 'robot-auth', 'pull-secrets', 'cluster-dns', 'nodes'];
  it('every prior a rule names has its owning suites, and they exist', () => {
    for (const r of CORRELATION_RULES) {
      expect(PRIOR_SUITES[r.prior], r.id).toBeDefined();
      for (const s of PRIOR_SUITES[r.prior]!) expect(SUITES).toContain(s);
    }
  });
  it.each([
    [['image.not-found'], []],
    [['image.invalid-reference', 'image.policy-vulnerability'], []],
    // secrets (missing, malformed, other host, mangled name, not attached) and the robot's state
    [['auth.credentials-invalid'], ['robot-auth', 'pull-secrets']],
    // the node's trust (CA, hosts.toml, containerd config) and the served chain
    [['tls.untrusted-ca'], ['tls', 'nodes']],
    // split view (node vs cluster DNS), the on-prem hosts entry, and a token realm off the Harbor URL
    [['dns.nxdomain'], ['dns', 'robot-auth', 'cluster-dns']],
    [['tls.expired'], ['nodes']],
  ] as [CauseId[], SuiteId[]][])('%j → %j', (symptoms, want) => {
    // each wanted suite is the owner of a prior some rule for these symptoms names
    expect(new Set(suitesFor(symptoms, CORR))).toEqual(new Set(want));
  });
});

describe('priorFacts', () => {
  it('reads scope from params, then from the subject', () => {
    const f1 = finding('node.ca-not-installed', { subject: 'node/hybrid-1', params: { host: 'Harbor.Sandbox.Test:443' } });
    expect(priorFacts(f1)).toMatchObject({ cause: 'node.ca-not-installed', node: 'hybrid-1', host: 'harbor.sandbox.test' });
    const f2 = finding('auth.pull-secret-missing', { subject: 'team-a/secret/harbor-registry', params: { secretName: 'harbor-registry' } });
    expect(priorFacts(f2)).toMatchObject({ namespace: 'team-a', secret: 'harbor-registry' });
    // The secret NAME survives the whole-report redaction pass the JSON outputs apply.
    const f3 = redactor.value(finding('auth.pull-secret-malformed', { subject: 'team-b/harbor-registry', params: { namespace: 'team-b', secretName: 'harbor-registry', field: 'auths' } }));
    expect(f3.params.secretName).toBe('harbor-registry');
    expect(priorFacts(f3)).toMatchObject({ namespace: 'team-b', secret: 'harbor-registry' });
  });

  it('normalises registry hosts like docker does', () => {
    expect(normalizeHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeHost('harbor.example.com:443')).toBe('harbor.example.com');
    expect(normalizeHost('harbor.example.com:8443')).toBe('harbor.example.com:8443');
  });
});

/**
 * A pod whose pull error is correlated with an owning suite's finding gets that finding's params:
 * its text and commands carry the real secret name, expected auths host, robot name, CA file and
 * issuer, exactly like the owning suite's finding in the same run. Prior findings are built with
 * the params their producers pass (pull-secrets, node-probe, tls judges, corefile lint); symptoms
 * are real kubelet/containerd texts classified by the classifier.
 */
describe('pod-level findings carry the params of the finding they were correlated with', () => {
  const IMG = `${H}/library/busybox:1.36`;
  const harbor401 = `Failed to pull image "${IMG}": failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": pulling from host ${H} failed with status code [manifests 1.36]: 401 Unauthorized`;
  const harborX509 = `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: Head "https://${H}/v2/library/busybox/manifests/1.36": x509: certificate signed by unknown authority`;
  const noSuchHost = `Failed to pull image "${IMG}": failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: Head "https://${H}/v2/library/busybox/manifests/1.36": dial tcp: lookup ${H} on 10.96.0.10:53: no such host`;
  const CA = `/etc/containerd/certs.d/${H}/ca.crt`;
  const FILLER = /the expected value|no further detail|\ba component\b|the file\b|\bunknown\b(?! authority)|\bundefined\b|\{\w+[|}]|\[\[|HOSTNAME|\(\s*\)/;

  const cases: { name: string; pod: PodScope & { pod: string }; text: string; prior: Finding; root: CauseId; message: string[]; steps: string[] }[] = [
    {
      name: 'auths key for another host:port (pull-secrets)',
      pod: { namespace: 'team-a', pod: 'web-1', node: 'hybrid-1', hosts: [H], secrets: ['harbor-registry'] },
      text: harbor401,
      prior: finding('auth.pull-secret-registry-mismatch', { subject: 'team-a/secret/harbor-registry', params: { namespace: 'team-a', secretName: 'harbor-registry', host: H, expected: `${H}:443` }, evidence: { secretName: 'harbor-registry' } }),
      root: 'auth.pull-secret-registry-mismatch',
      message: ['team-a/harbor-registry', `no auths entry for ${H}`, `(it has: ${H}:443)`],
      steps: [`--docker-server=${H}`],
    },
    {
      name: 'robot name mangled in the pod secret (pull-secrets)',
      pod: { namespace: 'team-a', pod: 'web-2', node: 'cloud-1', hosts: [H], secrets: ['harbor-registry'] },
      text: harbor401,
      prior: finding('auth.robot-name-mangled', { subject: 'team-a/secret/harbor-registry', params: { robot: 'robot-robot', expected: 'robot$k8s-robot', secretName: 'harbor-registry', namespace: 'team-a', host: H } }),
      root: 'auth.robot-name-mangled',
      message: ['robot-robot', 'pull secret team-a/harbor-registry', 'named robot$k8s-robot'],
      steps: ["--docker-username='robot$k8s-robot'", 'kubectl -n team-a get secret harbor-registry', `--docker-server=${H}`],
    },
    {
      name: 'node trusts a stale CA (node-probe)',
      pod: { namespace: 'team-a', pod: 'web-3', node: 'hybrid-1', hosts: [H], secrets: [] },
      text: harborX509,
      prior: finding('node.ca-mismatch', { subject: 'node/hybrid-1', params: { node: 'hybrid-1', host: H, path: CA, issuer: 'CN=Harbor Sandbox Intermediate CA' } }),
      root: 'node.ca-mismatch',
      message: ['Node hybrid-1', `trusts ${CA} for ${H}`, 'issued by CN=Harbor Sandbox Intermediate CA'],
      steps: [`-in ${CA}`, `-connect ${H}:443 -servername ${H}`],
    },
    {
      name: 'CA missing on the node (node-probe)',
      pod: { namespace: 'team-a', pod: 'web-4', node: 'hybrid-1', hosts: [H], secrets: [] },
      text: harborX509,
      prior: finding('node.ca-not-installed', { subject: 'node/hybrid-1', params: { node: 'hybrid-1', host: H, path: CA } }),
      root: 'node.ca-not-installed',
      message: ['Node hybrid-1', `no CA for ${H} at ${CA}`],
      steps: [`/etc/containerd/certs.d/${H}/ca.crt`],
    },
    {
      name: 'server omits its intermediate (tls)',
      pod: { namespace: 'team-a', pod: 'web-5', node: 'cloud-1', hosts: [H], secrets: [] },
      text: harborX509,
      prior: finding('tls.chain-incomplete', { subject: `${H}:443`, params: { host: `${H}:443`, subjectCN: H, issuer: 'Harbor Sandbox Intermediate CA', detail: 'missing intermediate(s): CN=Harbor Sandbox Intermediate CA' } }),
      root: 'tls.chain-incomplete',
      message: [`served by ${H}`, 'intermediate Harbor Sandbox Intermediate CA', `certificate ${H}`],
      steps: [`-connect ${H}:443 -servername ${H}`],
    },
    {
      name: 'Corefile without a hosts entry (dns)',
      pod: { namespace: 'team-a', pod: 'web-6', node: 'cloud-1', hosts: [H], secrets: [] },
      text: noSuchHost,
      prior: finding('dns.coredns-hosts-missing', { subject: 'kube-system/coredns:3', params: { path: 'kube-system/coredns:3', name: H, detail: 'served by the . block' } }),
      root: 'dns.coredns-hosts-missing',
      message: ['Corefile in kube-system/coredns:3', `entry for ${H}`],
      steps: [`<harbor ip> ${H}`],
    },
  ];

  it.each(cases)('$name', (c) => {
    const symptom = classifyPullError(c.text);
    const corr = correlate(symptom.cause, c.pod, [priorFacts(c.prior)]);
    expect(corr.root).toBe(c.root);
    const params = podFindingParams({ namespace: c.pod.namespace, pod: c.pod.pod, ...(c.pod.node ? { node: c.pod.node } : {}), image: IMG, host: H }, { ...symptom.params }, corr.prior);
    // Through the same redaction the JSON outputs apply to the whole report.
    const f = redactor.value(finding(corr.root, { subject: `${c.pod.namespace}/${c.pod.pod}`, params }));
    for (const m of c.message) expect(f.message).toContain(m);
    for (const s of c.steps) expect(f.remediation.steps.join('\n')).toContain(s);
    expect(f.remediation.steps.length).toBe(CATALOG[c.root].remediation.steps.length);
    for (const t of [f.title, f.message, f.remediation.summary, ...f.remediation.steps]) expect(t).not.toMatch(FILLER);
    expect(f.params).toMatchObject({ namespace: c.pod.namespace, pod: c.pod.pod, image: IMG });
    // The symptom's own detail (the kubelet text) does not leak into the root cause's message.
    expect(f.message).not.toContain('401 Unauthorized');
  });

  it('without correlation the pull error params fill the symptom template', () => {
    const symptom = classifyPullError(harbor401);
    const params = podFindingParams({ namespace: 'team-a', pod: 'web-7', image: IMG, host: H }, { ...symptom.params }, undefined);
    const f = finding(symptom.cause, { subject: 'team-a/web-7', params });
    expect(f.message).toContain(`Credentials for ${H} were rejected pulling ${IMG} (HTTP 401)`);
    expect(f.message).not.toMatch(FILLER);
  });
});
