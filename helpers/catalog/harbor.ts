import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Harbor server causes (API health, configuration, project policies).
 *
 * Params: `url` (Harbor URL probed, or the URL Harbor advertises), `host`, `status` (HTTP status
 * of an answer, e.g. 502 from the registry behind Harbor), `component` (health component name), `field` (where Harbor advertises `url`),
 * `expected` (URL nodes use), `project`, `version` (Harbor version), `detail` (error/response text).
 */
export const HARBOR_PARAMS: AreaParams<'harbor'> = {
  'harbor.unreachable': ['url', 'status', 'detail', 'host'],
  'harbor.unhealthy': ['host', 'component', 'status', 'detail'],
  'harbor.external-url-mismatch': ['url', 'field', 'expected'],
  'harbor.prevent-vul-off': ['project'],
  'harbor.auto-scan-off': ['project'],
  'harbor.notary-removed': ['project', 'version'],
};

export const harbor: AreaCatalog<'harbor'> = {
  'harbor.unreachable': {
    title: 'Harbor API does not answer',
    message: 'The Harbor API[[ at {url}]] does not answer[[ as expected (HTTP {status})]][[: {detail}]]',
    explanation: 'Without the API (core) Harbor issues no tokens and serves no pulls; checks that read projects, robots and scan results cannot run either.',
    remediation: {
      summary: 'Bring Harbor core and its proxy back; check network access to the API URL.',
      steps: [
        '`curl -v {url}/api/v2.0/ping` and `curl {url}/api/v2.0/health`.',
        'On the Harbor host ({host|<registry>}): `docker compose ps` and `docker compose logs --tail=100 core proxy`.',
      ],
      docs: [DOCS.harborTroubleshoot],
      guideStep: GUIDE.tests,
    },
  },
  'harbor.unhealthy': {
    title: 'Harbor component unhealthy',
    message: 'Harbor on {host} is unhealthy[[: its {component} component reports unhealthy]][[; it answered HTTP {status}]][[ ({detail})]]',
    explanation: '`GET /api/v2.0/health` lists core, database, redis, registry, registryctl, jobservice, portal and trivy. An unhealthy registry or database makes pulls fail with 5xx; unhealthy trivy/jobservice stops scans (and with "prevent vulnerable images" on, unscanned images are blocked).',
    remediation: {
      summary: 'Restart or repair the unhealthy component, then re-check /api/v2.0/health.',
      steps: [
        '`curl -s https://{host|<registry>}/api/v2.0/health | jq`.',
        '`docker compose logs --tail=200 {component|registry core proxy}` on the Harbor host; check disk space of the data volume.',
      ],
      docs: [DOCS.harborTroubleshoot],
      guideStep: GUIDE.troubleshooting,
    },
  },
  'harbor.external-url-mismatch': {
    title: 'Harbor external URL differs from the one nodes use',
    message: '[[Harbor advertises {url}||Harbor advertises another URL]][[ (in {field})]] instead of the one nodes use[[, {expected}]]',
    explanation: 'Harbor builds the Bearer realm (`Www-Authenticate`) and systeminfo from harbor.yml `hostname`/`external_url`. If that differs from the name nodes pull with, token requests go to an unreachable or untrusted URL, or tokens are issued for the wrong service.',
    remediation: {
      summary: 'Set harbor.yml hostname (and external_url) to [[{expected}||the URL nodes use]] and reconfigure Harbor.',
      steps: [
        '`curl -sI {expected}/v2/ | grep -i www-authenticate` and `curl -s {expected}/api/v2.0/systeminfo | jq .registry_url`.',
        'Edit harbor.yml, then `./prepare && docker compose down && docker compose up -d`.',
      ],
      docs: [DOCS.harborYml],
      guideStep: GUIDE.harborYml,
    },
  },
  'harbor.prevent-vul-off': {
    title: 'Project does not block vulnerable images',
    message: '[[Project {project}||A project]] allows pulling images with known vulnerabilities',
    explanation: 'Without "Prevent vulnerable images from running" Harbor serves images regardless of scan results; the guide enables it as part of hardening.',
    remediation: {
      summary: 'Enable prevent_vul with a severity threshold on [[{project}||the project]].',
      steps: [
        'UI: Projects > {project|<project>} > Configuration > Deployment security > "Prevent vulnerable images from running", severity High.',
        'API: `PUT /api/v2.0/projects/{project|<project>}` with `{"metadata":{"prevent_vul":"true","severity":"high"}}`.',
      ],
      docs: [DOCS.harborProjectConfig, DOCS.harborScanning],
      guideStep: GUIDE.security,
    },
  },
  'harbor.auto-scan-off': {
    title: 'Project does not scan on push',
    message: '[[Project {project}||A project]] does not scan images on push',
    explanation: 'Without auto scan, new images have no vulnerability report; with prevent_vul on they are blocked as unscanned until someone scans them.',
    remediation: {
      summary: 'Enable "Automatically scan images on push" for [[{project}||the project]].',
      steps: [
        'API: `PUT /api/v2.0/projects/{project|<project>}` with `{"metadata":{"auto_scan":"true"}}`.',
        'Scan existing artifacts: `POST /api/v2.0/projects/{project|<project>}/repositories/REPO/artifacts/TAG/scan`.',
      ],
      docs: [DOCS.harborProjectConfig, DOCS.harborScanning],
      guideStep: GUIDE.security,
    },
  },
  'harbor.notary-removed': {
    title: 'Notary configured against Harbor 2.9+',
    message: '[[Project {project}||A project]] enables Docker Content Trust / Notary, but Harbor[[ {version}]] (2.9 and later) has no Notary',
    explanation: 'Harbor removed Notary (Docker Content Trust) in v2.9; signing is done with Cosign or Notation and enforced per project. DOCKER_CONTENT_TRUST=1 or notary settings (as in the guide\'s Step 14) do nothing or fail against Harbor 2.13.',
    remediation: {
      summary: 'Sign with cosign or notation and enable the matching deployment security policy.',
      steps: [
        'Remove DOCKER_CONTENT_TRUST / notary settings from CI and harbor.yml.',
        'Sign: `cosign sign --key cosign.key <harbor>/PROJECT/REPO@sha256:DIGEST`; enable "Cosign" under the project deployment security.',
      ],
      docs: [DOCS.harborNotaryRemoved, DOCS.harborSign, DOCS.harborContentTrust],
      guideStep: GUIDE.security,
    },
  },
};
