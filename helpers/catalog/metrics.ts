import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Metrics causes (Harbor Prometheus endpoint and scrape config).
 *
 * Params: `url` (metrics URL), `status`, `family` (metric family or a comma list), `ratio`
 * (observed share, e.g. `0.12`), `threshold`, `value` (observed value), `seconds` (latency),
 * `project`, `path` (scrape config file), `detail`.
 */
export const METRICS_PARAMS: AreaParams<'metrics'> = {
  'metrics.unreachable': ['url', 'status', 'detail'],
  'metrics.families-missing': ['url', 'family', 'detail'],
  'metrics.auth-failures-high': ['url', 'family', 'ratio', 'value', 'threshold'],
  'metrics.errors-high': ['url', 'family', 'ratio', 'value', 'threshold'],
  'metrics.latency-high': ['url', 'family', 'value', 'seconds', 'threshold'],
  'metrics.storage-near-quota': ['url', 'project', 'ratio', 'value', 'threshold'],
  'metrics.scrape-config-invalid': ['path', 'url', 'detail'],
};

export const metrics: AreaCatalog<'metrics'> = {
  'metrics.unreachable': {
    title: 'Metrics endpoint unavailable',
    message: '[[{url}||The metrics endpoint]] does not serve Prometheus metrics[[ (HTTP {status})]][[: {detail}]]',
    explanation: 'Harbor exposes metrics only when `metric.enabled: true` in harbor.yml, on `metric.port` (default 9090) and `metric.path` (default /metrics). Without them the guide\'s monitoring and alerts see nothing.',
    remediation: {
      summary: 'Enable metrics in harbor.yml and open the metrics port to Prometheus.',
      steps: [
        'harbor.yml: `metric: { enabled: true, port: 9090, path: /metrics }`, then `./prepare && docker compose up -d`.',
        'Test: `curl -s {url} | head` (components: add `?comp=core`, `?comp=registry`, `?comp=jobservice`).',
      ],
      docs: [DOCS.harborMetrics, DOCS.harborYml],
      guideStep: GUIDE.monitoring,
    },
  },
  'metrics.families-missing': {
    title: 'Expected metric families absent',
    message: '[[{url}||The metrics endpoint]] lacks expected metric families[[: {family}]][[ ({detail})]]',
    explanation: 'Dashboards and alerts from the guide rely on families such as harbor_project_total, harbor_core_http_request_total and registry_http_requests_total; if a Harbor component is not scraped (missing `comp` parameter) or disabled, those series are absent and alerts never fire.',
    remediation: {
      summary: 'Scrape each Harbor component (exporter, core, registry, jobservice) and confirm the families appear.',
      steps: [
        '`curl -s "{url}?comp=core" | grep -c ^harbor_core`; repeat for registry and jobservice.',
        'Add one scrape job per component with `params: {comp: [core]}` etc.',
      ],
      docs: [DOCS.harborMetrics, DOCS.prometheusScrape],
      guideStep: GUIDE.monitoring,
    },
  },
  'metrics.auth-failures-high': {
    title: 'Many 401 responses',
    message: '[[{ratio}||A high share]] of registry requests[[ in {family}]] answer 401[[ ({value} responses)]][[, above the threshold {threshold}]]',
    explanation: 'Some 401s are normal (the first request of each token flow), but a high share means clients keep presenting missing or wrong credentials: an expired robot, a rotated secret, or pods without pull secrets retrying in back-off.',
    remediation: {
      summary: 'Find the clients failing authentication and fix their credentials.',
      steps: [
        'Harbor core logs: `docker compose logs core | grep -i unauthorized` (source IP and user).',
        'Cluster side: `kubectl get events -A --field-selector reason=Failed | grep -i unauthorized`.',
        'Watch the counter: `curl -s {url} | grep "^{family}"`.',
      ],
      docs: [DOCS.harborMetrics, DOCS.harborRobotSystem],
      guideStep: GUIDE.monitoring,
    },
  },
  'metrics.errors-high': {
    title: 'Many 5xx responses',
    message: '[[{ratio}||A high share]] of registry requests[[ in {family}]] answer 5xx[[ ({value} responses)]][[, above the threshold {threshold}]]',
    explanation: 'Server errors mean a failing Harbor component or storage backend; pulls fail intermittently and retries add load.',
    remediation: {
      summary: 'Check Harbor component health and storage.',
      steps: ['`curl -s https://<harbor>/api/v2.0/health | jq`.', '`docker compose logs --tail=200 core registry` and storage backend status.', 'Watch the counter: `curl -s {url} | grep "^{family}"`.'],
      docs: [DOCS.harborMetrics, DOCS.harborTroubleshoot],
      guideStep: GUIDE.monitoring,
    },
  },
  'metrics.latency-high': {
    title: 'Registry latency high',
    message: '[[{family}||Registry request]] latency is high[[: {seconds} s for {value}]][[, above the threshold {threshold} s]]',
    explanation: 'Slow manifest and blob requests stretch image pulls past kubelet deadlines and slow scale-out.',
    remediation: {
      summary: 'Find the slow component (core, registry, storage, database) and relieve it.',
      steps: ['Compare core and registry request-duration histograms by operation.', 'Check storage backend latency and database load; scale Harbor components if needed.', 'Watch the histogram: `curl -s {url} | grep "^{family}"`.'],
      docs: [DOCS.harborMetrics],
      guideStep: GUIDE.monitoring,
    },
  },
  'metrics.storage-near-quota': {
    title: 'Project storage near quota',
    message: '[[Project {project}||A project]] uses[[ {ratio} of|| most of]] its storage quota[[ ({value} bytes)]][[, above the threshold {threshold}]]',
    explanation: 'When a project reaches its quota Harbor refuses pushes; CI stops publishing images and deployments pin old tags.',
    remediation: {
      summary: 'Raise the quota of [[{project}||the project]] or clean up old artifacts (retention rules, garbage collection).',
      steps: ['`GET /api/v2.0/quotas?reference=project&reference_id=ID`.', 'Add tag retention rules and run garbage collection; or raise the quota in Administration > Project Quotas.', 'Watch usage: `curl -s {url} | grep harbor_project_quota`.'],
      docs: [DOCS.harborQuotas, DOCS.harborMetrics],
      guideStep: GUIDE.monitoring,
    },
  },
  'metrics.scrape-config-invalid': {
    title: 'Scrape config does not target Harbor metrics',
    message: 'The Prometheus scrape config[[ {path}]] does not scrape Harbor metrics correctly[[ ({detail})]]',
    explanation: 'Wrong port (the Harbor web port instead of `metric.port`), wrong path, https vs http, or missing `comp` params leave Harbor unmonitored while Prometheus reports the target as up or silently drops it.',
    remediation: {
      summary: 'Point the scrape jobs at <harbor>:<metric.port><metric.path> with one job per component.',
      steps: ['Check targets in Prometheus (Status > Targets) and `promtool check config {path|prometheus.yml}`.', 'Use `metrics_path: /metrics`, the metrics port, and `params: {comp: [core]}` per component job[[; the endpoint to scrape is {url}]].'],
      docs: [DOCS.prometheusScrape, DOCS.harborMetrics],
      guideStep: GUIDE.monitoring,
    },
  },
};
