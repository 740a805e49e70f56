import { z } from 'zod';

/**
 * harbor.yml as Harbor v2.13.5 reads it. Keys and shapes come from the installer's template
 * (make/harbor.yml.tmpl, including its commented-out sections) and from what prepare indexes
 * (make/photon/prepare/utils/configs.py `parse_yaml_config`, models.py): a key prepare reads with
 * `conf["key"]` is required here, a section read with `conf.get(...) or {}` may be absent or
 * null. Objects are strict: an unrecognized key is reported by the linter as a warning (prepare
 * ignores it silently). The semantic rules of prepare's `validate` live in prepare-rules.ts.
 */
const port = z.number().int().min(1).max(65535);
const str = z.string();
/** Go durations or numbers: prepare passes them through (`conn_max_lifetime: 5m`, `conn_max_idle_time: 0`). */
const durationOrNumber = z.union([z.string(), z.number()]);
/** A password may be a YAML number (`password: 123456`); prepare renders it as text. */
const secret = z.union([z.string(), z.number()]);
const nullableStr = str.nullish();

const redisIndexes = {
  registry_db_index: z.number().int().nonnegative().nullish(),
  jobservice_db_index: z.number().int().nonnegative().nullish(),
  trivy_db_index: z.number().int().nonnegative().nullish(),
  harbor_db_index: z.number().int().nonnegative().nullish(),
  cache_layer_db_index: z.number().int().nonnegative().nullish(),
  idle_timeout_seconds: z.number().int().nonnegative().nullish(),
};

export const harborYmlSchema = z.strictObject({
  // Sections and keys prepare reads with `x.get(k) or default` accept null (`key:` with no value)
  // and mean the default; keys it indexes (`x[k]`) or passes through as is do not.
  hostname: str,
  http: z.strictObject({ port: port.optional() }).nullish(),
  https: z.strictObject({
    port: port.optional(),
    certificate: str,
    private_key: str,
    strong_ssl_ciphers: z.boolean().optional(),
  }).nullish(),
  ip_family: z.strictObject({
    ipv4: z.strictObject({ enabled: z.boolean() }).optional(),
    ipv6: z.strictObject({ enabled: z.boolean() }).optional(),
  }).nullish(),
  internal_tls: z.strictObject({
    enabled: z.boolean().nullish(),
    dir: str.nullish(),
    strong_ssl_ciphers: z.boolean().nullish(),
  }).nullish(),
  // prepare copies it into core's EXT_ENDPOINT as is: without a scheme, token realms and redirects break.
  external_url: z.string().regex(/^https?:\/\/[^/\s]+/, 'must be a URL with scheme, such as https://harbor.example.com').nullish(),
  harbor_admin_password: secret,
  database: z.strictObject({
    password: secret.nullish(),
    max_idle_conns: z.number().int().nullish(),
    max_open_conns: z.number().int().nullish(),
    conn_max_lifetime: durationOrNumber.nullish(),
    conn_max_idle_time: durationOrNumber.nullish(),
  }).nullish(),
  data_volume: str,
  storage_service: z.strictObject({
    ca_bundle: nullableStr,
    filesystem: z.record(z.string(), z.unknown()).nullish(),
    azure: z.record(z.string(), z.unknown()).nullish(),
    gcs: z.record(z.string(), z.unknown()).nullish(),
    s3: z.record(z.string(), z.unknown()).nullish(),
    swift: z.record(z.string(), z.unknown()).nullish(),
    oss: z.record(z.string(), z.unknown()).nullish(),
    redirect: z.strictObject({ disable: z.boolean() }).nullish(),
  }).nullish(),
  trivy: z.strictObject({
    ignore_unfixed: z.boolean().nullish(),
    skip_update: z.boolean().nullish(),
    skip_java_db_update: z.boolean().nullish(),
    offline_scan: z.boolean().nullish(),
    security_check: str.nullish(),
    insecure: z.boolean().nullish(),
    github_token: nullableStr,
    timeout: str.nullish(),
  }).nullish(),
  jobservice: z.strictObject({
    max_job_workers: z.number().int().positive(),
    max_job_duration_hours: z.number().int().nullish(),
    job_loggers: z.array(z.enum(['STD_OUTPUT', 'FILE', 'DB'])),
    logger_sweeper_duration: z.number().int().nonnegative(),
  }),
  notification: z.strictObject({
    webhook_job_max_retry: z.number().int().nonnegative(),
    webhook_job_http_client_timeout: z.number().int().positive(),
  }),
  log: z.strictObject({
    level: z.enum(['debug', 'info', 'warning', 'error', 'fatal']),
    local: z.strictObject({
      rotate_count: z.number().int().nonnegative().nullish(),
      rotate_size: z.union([z.string().regex(/^\d+[kMG]?$/, 'must be a logrotate size such as 200M, 500k or 1G'), z.number().int().nonnegative()]).nullish(),
      location: str.nullish(),
    }).nullish(),
    external_endpoint: z.strictObject({
      protocol: z.enum(['tcp', 'udp']),
      host: str.min(1),
      port,
    }).nullish(),
  }),
  _version: str.nullish(),
  external_database: z.strictObject({
    harbor: z.strictObject({
      host: str,
      port: z.union([port, str]),
      db_name: str,
      username: str,
      password: secret,
      ssl_mode: str,
      max_idle_conns: z.number().int().optional(),
      max_open_conns: z.number().int().optional(),
      conn_max_lifetime: durationOrNumber.optional(),
      conn_max_idle_time: durationOrNumber.optional(),
    }),
  }).nullish(),
  redis: z.strictObject(redisIndexes).nullish(),
  external_redis: z.strictObject({
    host: str,
    password: secret.nullish(),
    username: nullableStr,
    sentinel_master_set: nullableStr,
    tlsOptions: z.strictObject({ enable: z.boolean().optional(), rootCA: nullableStr }).nullish(),
    ...redisIndexes,
  }).nullish(),
  uaa: z.strictObject({ ca_file: nullableStr }).nullish(),
  proxy: z.strictObject({
    http_proxy: nullableStr,
    https_proxy: nullableStr,
    no_proxy: nullableStr,
    components: z.array(z.enum(['core', 'jobservice', 'trivy'])).nullish(),
  }).nullish(),
  metric: z.strictObject({
    // null reads as false (Metric(None, ...)); port and path are then unused but still indexed.
    enabled: z.boolean().nullable(),
    port,
    path: str,
  }).nullish(),
  trace: z.strictObject({
    enabled: z.boolean().nullish(),
    sample_rate: z.number().min(0).max(1).optional(),
    namespace: nullableStr,
    attributes: z.record(z.string(), z.unknown()).nullish(),
    jaeger: z.strictObject({
      endpoint: nullableStr,
      username: nullableStr,
      password: secret.nullish(),
      agent_host: nullableStr,
      agent_port: port.nullish(),
    }).nullish(),
    otel: z.strictObject({
      endpoint: nullableStr,
      url_path: nullableStr,
      compression: z.boolean().optional(),
      insecure: z.boolean().optional(),
      timeout: z.number().int().positive().optional(),
    }).nullish(),
  }).nullish(),
  upload_purging: z.strictObject({
    enabled: z.boolean().nullish(),
    age: str.nullish(),
    interval: str.nullish(),
    dryrun: z.boolean().nullish(),
  }).nullish(),
  cache: z.strictObject({
    enabled: z.boolean().nullish(),
    expire_hours: z.number().nullish(),
  }).nullish(),
  core: z.strictObject({
    quota_update_provider: z.enum(['db', 'redis']).nullish(),
  }).nullish(),
});
