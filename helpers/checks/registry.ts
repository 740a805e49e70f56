import type { Check, SuiteId } from './check.ts';

/**
 * Suite → checks. Loaded lazily so a run of one suite does not import the others' dependencies
 * (the Kubernetes client is slow to import and useless for `--suites tls`).
 */
const MODULES: Record<SuiteId, [file: string, exportName: string]> = {
  tls: ['./tls/index.ts', 'tlsChecks'],
  dns: ['./dns/index.ts', 'dnsChecks'],
  'robot-auth': ['./robot-auth/index.ts', 'robotAuthChecks'],
  'image-pull': ['./image-pull/index.ts', 'imagePullChecks'],
  harbor: ['./harbor/index.ts', 'harborChecks'],
  metrics: ['./metrics/index.ts', 'metricsChecks'],
  nodeconfig: ['./nodeconfig/index.ts', 'nodeconfigChecks'],
  imagepullbackoff: ['./imagepullbackoff/index.ts', 'imagepullbackoffChecks'],
  'pull-secrets': ['./pull-secrets/index.ts', 'pullSecretsChecks'],
  'cluster-dns': ['./cluster-dns/index.ts', 'clusterDnsChecks'],
  nodes: ['./nodes/index.ts', 'nodesChecks'],
  'pull-e2e': ['./pull-e2e/index.ts', 'pullE2eChecks'],
  boundary: ['./boundary/index.ts', 'boundaryChecks'],
  eks: ['./eks/index.ts', 'eksChecks'],
};

export async function loadSuiteChecks(suite: SuiteId): Promise<Check[]> {
  const [file, name] = MODULES[suite];
  const mod = (await import(new URL(file, import.meta.url).href)) as Record<string, unknown>;
  const checks = mod[name];
  if (!Array.isArray(checks) || checks.some((c) => typeof (c as Check)?.run !== 'function')) {
    throw new Error(`suite ${suite}: ${file} does not export ${name} as an array of checks`);
  }
  return checks as Check[];
}
