import type { Check, SuiteId } from './check.ts';

/**
 * Suite → checks. Loaded lazily so a run of one suite does not import the others' dependencies
 * (the Kubernetes client is slow to import and useless for `--suites tls`).
 */
// Static import() expressions (not a computed path): bundlers and knip can follow them.
const MODULES: Record<SuiteId, () => Promise<unknown>> = {
  tls: async () => (await import('./tls/index.ts')).tlsChecks,
  dns: async () => (await import('./dns/index.ts')).dnsChecks,
  'robot-auth': async () => (await import('./robot-auth/index.ts')).robotAuthChecks,
  'image-pull': async () => (await import('./image-pull/index.ts')).imagePullChecks,
  // The LDAP checks (auth_mode ldap_auth) belong to the harbor suite but live in their own folder.
  harbor: async () => [...(await import('./harbor/index.ts')).harborChecks, ...(await import('./harbor-ldap/index.ts')).harborLdapChecks],
  metrics: async () => (await import('./metrics/index.ts')).metricsChecks,
  nodeconfig: async () => (await import('./nodeconfig/index.ts')).nodeconfigChecks,
  imagepullbackoff: async () => (await import('./imagepullbackoff/index.ts')).imagepullbackoffChecks,
  'pull-secrets': async () => (await import('./pull-secrets/index.ts')).pullSecretsChecks,
  'cluster-dns': async () => (await import('./cluster-dns/index.ts')).clusterDnsChecks,
  nodes: async () => (await import('./nodes/index.ts')).nodesChecks,
  'pull-e2e': async () => (await import('./pull-e2e/index.ts')).pullE2eChecks,
  boundary: async () => (await import('./boundary/index.ts')).boundaryChecks,
  eks: async () => (await import('./eks/index.ts')).eksChecks,
};

export async function loadSuiteChecks(suite: SuiteId): Promise<Check[]> {
  const checks = await MODULES[suite]();
  if (!Array.isArray(checks) || checks.some((c) => typeof (c as Check)?.run !== 'function')) {
    throw new Error(`suite ${suite}: its module does not export an array of checks`);
  }
  return checks as Check[];
}
