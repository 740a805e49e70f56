import type { SuiteId } from '../../helpers/checks/check.ts';
import type { CauseId } from '../../helpers/findings/cause-ids.ts';
import type { FaultId } from '../../fixtures/sandbox/faults.ts';
import { AWS_FAULT_IDS, AWS_FAULTS, type AwsFaultId } from '../../fixtures/aws/faults.ts';

/**
 * The Harbor-side fault matrix (issue 2): each fault breaks one thing; the owning suite must
 * name `expect`, and no error/warning finding outside `allowed` may appear anywhere else
 * ("unrelated checks stay green").
 */
export interface HarborScenario {
  fault: FaultId;
  expect: CauseId;
  owner: SuiteId;
  /** Other causes the same single fault legitimately produces (e.g. the Corefile lint seeing the removed entry). */
  allowed?: CauseId[];
}

export const HARBOR_SCENARIOS: HarborScenario[] = [
  { fault: 'expired-cert', expect: 'tls.expired', owner: 'tls' },
  { fault: 'san-missing-name', expect: 'tls.hostname-mismatch', owner: 'tls' },
  { fault: 'untrusted-ca', expect: 'tls.untrusted-ca', owner: 'tls' },
  { fault: 'wrong-robot-secret', expect: 'auth.credentials-invalid', owner: 'robot-auth' },
  { fault: 'robot-disabled', expect: 'auth.robot-disabled', owner: 'robot-auth' },
  { fault: 'robot-no-pull', expect: 'auth.insufficient-scope', owner: 'robot-auth' },
  { fault: 'missing-tag', expect: 'image.not-found', owner: 'image-pull' },
  { fault: 'arm64-node-vs-amd64only', expect: 'image.platform-missing', owner: 'image-pull' },
  { fault: 'dns-entry-removed', expect: 'dns.nxdomain', owner: 'dns', allowed: ['dns.coredns-hosts-missing'] },
  { fault: 'port-closed', expect: 'net.connection-refused', owner: 'tls' },
  { fault: 'prevent-vul', expect: 'image.policy-vulnerability', owner: 'image-pull' },
  { fault: 'metrics-disabled', expect: 'metrics.unreachable', owner: 'metrics' },
  // Real Harbor semantics (building.md, differences 2-4), through Harbor's API.
  { fault: 'content-trust-notation', expect: 'image.policy-unsigned', owner: 'image-pull' },
  { fault: 'content-trust-cosign', expect: 'image.policy-unsigned', owner: 'image-pull' },
  { fault: 'scanner-removed', expect: 'harbor.vulnerability-policy-unenforced', owner: 'harbor' },
  // Project robot looked up the way real Harbor lists it (building.md, difference 1).
  { fault: 'project-robot-disabled', expect: 'auth.robot-disabled', owner: 'robot-auth' },
  { fault: 'robot-expiring-soon', expect: 'auth.robot-expiring-soon', owner: 'robot-auth' },
  { fault: 'project-robot-expired', expect: 'auth.robot-expired', owner: 'robot-auth' },
  { fault: 'project-robot-no-pull', expect: 'auth.insufficient-scope', owner: 'robot-auth' },
  // While its registry is gone, core retries it on every /v2 request: slow requests are a true
  // consequence the latency check sees in core's own histogram.
  { fault: 'registry-stopped', expect: 'harbor.unhealthy', owner: 'harbor', allowed: ['metrics.latency-high'] },
  // The realm moves with the external URL; credentials are withheld from it and said so (the
  // realm rule of issue 7), a separate finding by design.
  { fault: 'external-url-mismatch', expect: 'harbor.external-url-mismatch', owner: 'robot-auth', allowed: ['auth.realm-untrusted'] },
  // Harbor in ldap_auth against the sandbox's OpenLDAP (fixtures/sandbox/ldap).
  { fault: 'ldap-wrong-bind-password', expect: 'harbor.ldap-bind-failed', owner: 'harbor' },
  { fault: 'ldap-untrusted-cert', expect: 'harbor.ldap-untrusted-cert', owner: 'harbor' },
  { fault: 'ldap-wrong-base-dn', expect: 'harbor.ldap-base-dn-wrong', owner: 'harbor' },
  { fault: 'ldap-down', expect: 'harbor.ldap-unreachable', owner: 'harbor' },
];

/** The AWS-side faults (moto; no nodes needed): the eks suite names the cause, the rest stays green. */
export const AWS_SCENARIOS: { fault: AwsFaultId; expect: CauseId; owner: SuiteId }[] = AWS_FAULT_IDS.map((fault) => ({ fault, expect: AWS_FAULTS[fault].expect, owner: 'eks' }));
