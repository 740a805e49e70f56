import { describe, expect, it } from 'vitest';
import type { CauseId } from '../findings/cause-ids.ts';
import { finding } from '../findings/make-finding.ts';
import { CORRELATION_RULES, correlate, normalizeHost, priorFacts, type PodScope, type PriorFacts } from './correlate.ts';

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

describe('priorFacts', () => {
  it('reads scope from params, then from the subject', () => {
    const f1 = finding('node.ca-not-installed', { subject: 'node/hybrid-1', params: { host: 'Harbor.Sandbox.Test:443' } });
    expect(priorFacts(f1)).toMatchObject({ cause: 'node.ca-not-installed', node: 'hybrid-1', host: 'harbor.sandbox.test' });
    const f2 = finding('auth.pull-secret-missing', { subject: 'team-a/secret/harbor-registry', params: { secret: 'harbor-registry' } });
    expect(priorFacts(f2)).toMatchObject({ namespace: 'team-a', secret: 'harbor-registry' });
  });

  it('normalises registry hosts like docker does', () => {
    expect(normalizeHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeHost('harbor.example.com:443')).toBe('harbor.example.com');
    expect(normalizeHost('harbor.example.com:8443')).toBe('harbor.example.com:8443');
  });
});
