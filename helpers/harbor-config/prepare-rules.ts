/**
 * The checks Harbor v2.13.5's `prepare` makes beyond the shape of harbor.yml:
 * make/photon/prepare/utils/configs.py `validate` and `parse_yaml_config`, and models.py
 * (Trace, PurgeUpload, Cache). Each returns the field and what prepare refuses; the linter
 * reports them as harbor.config-invalid (certificate placeholders are reported by the
 * certificate rule). The table test in harbor-config.test.ts runs prepare's own parser on the
 * same fixtures to keep these in step.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export interface PrepareProblem {
  field: string;
  detail: string;
}

/** prepare's placeholders (configs.py: `default_https_cert_path`, `default_https_key_path`). */
export const TEMPLATE_HOSTNAME = 'reg.mydomain.com';
export const PREPARE_PLACEHOLDER_PATH = '/your/certificate/path';
export const TEMPLATE_KEY_PATH = '/your/private/key/path';

const HOURS = /^(\d+)h$/;

export function prepareProblems(c: Obj): PrepareProblem[] {
  const out: PrepareProblem[] = [];
  const add = (field: string, detail: string) => out.push({ field, detail });

  if (c.hostname === '127.0.0.1') add('hostname', 'prepare refuses 127.0.0.1 ("127.0.0.1 can not be the hostname"): nodes must reach Harbor by a name or address of the Harbor host');
  if (c.hostname === TEMPLATE_HOSTNAME) add('hostname', `still the template's placeholder ${TEMPLATE_HOSTNAME}; prepare stops with "Please specify hostname"`);

  const internalTls = c.internal_tls;
  if (isObj(internalTls) && internalTls.enabled && !('dir' in internalTls)) add('internal_tls.dir', 'missing: prepare reads internal_tls.dir when internal_tls.enabled is true');

  const redis = c.external_redis;
  if (isObj(redis) && isObj(redis.tlsOptions) && redis.tlsOptions.enable && !('rootCA' in redis.tlsOptions)) add('external_redis.tlsOptions.rootCA', 'missing: prepare reads it when tlsOptions.enable is true');

  const trace = c.trace;
  if (isObj(trace) && trace.enabled) {
    const jaeger = isObj(trace.jaeger) && Object.keys(trace.jaeger).length > 0 ? trace.jaeger : undefined;
    const otel = isObj(trace.otel) && Object.keys(trace.otel).length > 0 ? trace.otel : undefined;
    if (!jaeger && !otel) add('trace', 'enabled without a jaeger or otel exporter ("Trace enabled but no trace exporter set")');
    else if (jaeger && otel) add('trace', 'both jaeger and otel are set ("Only can have one trace exporter at a time")');
    else if (jaeger) {
      if (!jaeger.endpoint && !jaeger.agent_host) add('trace.jaeger', 'neither endpoint nor agent_host is set (one is required)');
      if (jaeger.endpoint && jaeger.agent_host) add('trace.jaeger', 'both endpoint and agent_host are set (only one is allowed)');
    } else if (otel) {
      if (!otel.endpoint) add('trace.otel.endpoint', 'not set ("Trace endpoint not set")');
      if (!otel.url_path) add('trace.otel.url_path', 'not set ("Trace url path not set")');
    }
  }

  const purge = c.upload_purging;
  if (isObj(purge) && purge.enabled) {
    for (const k of ['age', 'interval'] as const) {
      const v = purge[k] ?? (k === 'age' ? '168h' : '24h');
      const m = typeof v === 'string' ? HOURS.exec(v) : null;
      if (!m) add(`upload_purging.${k}`, `${JSON.stringify(v)} is not a number of hours such as 24h`);
      else if (Number(m[1]) < 2) add(`upload_purging.${k}`, `${v} is below the 2h prepare allows`);
    }
  }

  const cache = c.cache;
  if (isObj(cache) && cache.enabled && !(typeof cache.expire_hours === 'number' && cache.expire_hours > 0)) add('cache.expire_hours', 'must be a positive number of hours when cache.enabled is true');
  return out;
}
