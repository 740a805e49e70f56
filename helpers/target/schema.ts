import { z } from 'zod';

/**
 * The target file: one environment to check. YAML on disk, validated with this schema; the
 * published JSON Schema (schema/target.schema.json) is generated from it (`npm run schema`).
 * Secrets are never inline: they name an environment variable or a file.
 */
const secretSource = z
  .union([
    z.strictObject({ env: z.string().min(1).describe('environment variable holding the secret') }),
    z.strictObject({ file: z.string().min(1).describe('file holding the secret (trailing newline trimmed)') }),
  ])
  .describe('where a secret comes from; inline secrets are refused');

const duration = z.number().int().positive();

export const targetSchema = z.strictObject({
  name: z.string().min(1).default('target').describe('label shown in reports'),
  harbor: z.strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('the Harbor URL exactly as nodes use it (https://host[:port])'),
    caBundle: z.string().optional().describe('PEM file with the CA(s) nodes should trust for Harbor; system roots when absent'),
    connectAddress: z.string().optional().describe("connect to this IP instead of resolving the URL's host (like curl --resolve); SNI and SAN checks still use the host name"),
    ipAddress: z.string().optional().describe('an IP address clients also use for the registry (checked against IP SANs)'),
    admin: z.strictObject({ username: z.string().min(1), password: secretSource }).optional().describe('admin or project-admin credentials for read-only API checks (robot state, project posture)'),
    projects: z.array(z.string().min(1)).default([]).describe('projects whose posture to check; defaults to the projects of the probe images'),
    config: z.string().optional().describe("the installation's harbor.yml (file path) to lint against Harbor v2.13's template and this target (URL, metrics, projects)"),
    trustedRealms: z
      .array(z.url({ protocol: /^https?$/ }))
      .optional()
      .describe(
        "origins (scheme://host[:port]) besides the Harbor URL's own https origin that may receive credentials (robot secret, admin password, pull-secret passwords) as a Bearer token realm or API; an http:// origin here is an explicit opt-in to sending them in clear",
      ),
    ldap: z
      .strictObject({
        connectAddress: z.string().optional().describe("connect to this IP instead of resolving the host of Harbor's ldap_url (the LDAP server as hybrid-doctor reaches it)"),
        caBundle: z.string().optional().describe('PEM file with the CA(s) that should sign the LDAP server certificate (ldaps); harbor.caBundle when absent'),
        user: z
          .strictObject({ username: z.string().min(1), password: secretSource })
          .optional()
          .describe('an LDAP user who should be able to pull: logs in to Harbor with the LDAP password and pulls the first Harbor image of the target'),
      })
      .optional()
      .describe("LDAP authentication (checked when Harbor's configuration says auth_mode ldap_auth, read with harbor.admin)"),
  }),
  robot: z.strictObject({
    name: z.string().min(1).describe("the robot's full name, e.g. robot$k8s-robot (system) or robot$project+name"),
    secret: secretSource,
    expiryWarningDays: z.number().int().nonnegative().default(30),
  }).optional(),
  images: z.array(z.strictObject({
    ref: z.string().min(1).describe('image reference as pods use it (host[:port]/project/repo:tag or @digest)'),
    platforms: z.array(z.string().regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/)).optional().describe('platforms this image must provide; defaults to nodes.platforms'),
  })).default([]),
  nodes: z.strictObject({
    platforms: z.array(z.string().regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/)).default(['linux/amd64']).describe('OS/architecture of the nodes that pull (linux/amd64, linux/arm64)'),
  }).default({ platforms: ['linux/amd64'] }),
  dns: z.strictObject({
    names: z.array(z.string().min(1)).optional().describe("names to resolve; defaults to the Harbor URL's host"),
    expect: z.array(z.string()).default([]).describe('addresses the names must resolve to (any of)'),
    resolvers: z.array(z.strictObject({
      name: z.string().min(1),
      address: z.string().min(1).describe('ip or ip:port of a DNS server (UDP, TCP fallback)'),
      role: z.enum(['cluster', 'node', 'upstream', 'other']).default('other').describe('cluster = CoreDNS; node = what the node runtime (image pulls) uses'),
      expect: z.array(z.string()).optional(),
    })).default([]),
    latencyWarnMs: duration.default(200),
    corefile: z.string().optional().describe('CoreDNS Corefile to lint (file path)'),
  }).default({ expect: [], resolvers: [], latencyWarnMs: 200 }),
  metrics: z.strictObject({
    url: z.url({ protocol: /^https?$/ }).describe("Harbor's metrics endpoint, e.g. http://harbor:9090/metrics"),
    requiredFamilies: z.array(z.string()).optional(),
    thresholds: z.strictObject({
      // Every registry pull starts with one unauthenticated request answered 401 (the Bearer
      // challenge: containerd HEADs the manifest, Docker GETs /v2/), so a healthy Harbor sits at
      // 15-40% 401s. 0.5 flags when rejections outnumber everything else.
      authFailureRatio: z.number().min(0).max(1).default(0.5).describe('share of 401 responses above which to warn; challenge 401s are normal, see README'),
      errorRatio: z.number().min(0).max(1).default(0.05),
      latencySeconds: z.number().positive().default(2),
      quotaUsageRatio: z.number().min(0).max(1).default(0.9),
      minRequests: z.number().int().nonnegative().default(20).describe('ratios are judged only above this many requests'),
    }).default({ authFailureRatio: 0.5, errorRatio: 0.05, latencySeconds: 2, quotaUsageRatio: 0.9, minRequests: 20 }),
    scrapeConfig: z.string().optional().describe('Prometheus config (prometheus.yml or a ConfigMap holding it) to lint'),
  }).optional(),
  nodeconfig: z.string().optional().describe('nodeadm NodeConfig YAML to lint'),
  kubernetes: z.strictObject({
    kubeconfig: z.string().optional(),
    context: z.string().optional(),
    allowProbes: z.boolean().default(false).describe('allow short-lived probe pods (write mode); read-only when false'),
    probeNamespace: z.string().default('hybrid-doctor').describe('per-run mode: prefix of the probe namespaces (each probe set creates its own, named <prefix>-probe-xxxxx, and deletes it); existing mode: the name of the one namespace the probes go into'),
    // Optional rather than defaulted: undefined is per-run, so code building a kubernetes block by hand needs no change.
    probeNamespaceMode: z.enum(['per-run', 'existing']).optional().describe('per-run (default): a namespace of its own per probe set, needs cluster-wide namespace create/delete; existing: probes go into the existing namespace probeNamespace (never created, changed or deleted; only our labelled pods and secrets are), which a namespaced Role can allow'),
    probeImage: z.string().optional().describe('image the node and pull probes run; defaults to the first image'),
    hybridSelector: z.string().default('eks.amazonaws.com/compute-type=hybrid'),
    namespaces: z.array(z.string()).optional(),
  }).optional(),
  aws: z.strictObject({
    region: z.string().min(1),
    clusterName: z.string().min(1),
    endpoint: z.string().optional().describe('AWS API endpoint override for the EKS and EC2 calls (moto server mode in tests and the sandbox)'),
  }).optional(),
  tls: z.strictObject({
    expiryWarningDays: z.number().int().nonnegative().default(30),
  }).default({ expiryWarningDays: 30 }),
  timeouts: z.strictObject({
    connectMs: duration.default(3000),
    requestMs: duration.default(5000),
    runMs: duration.default(120000).describe('deadline of the whole run; checks still running then are reported not-checked (deadline)'),
    checkMs: duration.optional().describe("one check's deadline (not-checked, deadline, when it passes); default: 10 x (connectMs + requestMs), at least 100000, at most runMs"),
  }).default({ connectMs: 3000, requestMs: 5000, runMs: 120000 }),
});

export type TargetFile = z.infer<typeof targetSchema>;
export type SecretSource = z.infer<typeof secretSource>;
