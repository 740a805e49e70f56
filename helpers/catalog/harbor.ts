import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Harbor server causes (API health, configuration, project policies).
 *
 * Params: `url` (Harbor URL probed, or the URL Harbor advertises), `host`, `status` (HTTP status
 * of an answer, e.g. 502 from the registry behind Harbor), `component` (health component name), `field` (where Harbor advertises `url`),
 * `expected` (URL nodes use), `project`, `threshold` (prevent_vul severity), `value` (the signer a
 * content-trust policy asks for: "notation", "cosign" or both), `detail` (error/response text).
 *
 * LDAP causes (`harbor.ldap-*`, helpers/checks/harbor-ldap): `url` is Harbor's ldap_url, `host` the
 * Harbor host (for the API commands), `address` and `port` the LDAP endpoint, `name` the search DN or the LDAP user, `field` the configuration key
 * (ldap_base_dn, ldap_group_base_dn), `value` its value, `detail` Harbor's answer or the probe's error.
 *
 * Retired (kept in the catalog for the shared contract, reported by no check): `harbor.notary-removed`. Harbor 2.13 enforces `enable_content_trust` as Notation
 * (src/server/middleware/contenttrust, building.md difference 3): it is a live policy, not a dead
 * Notary setting, so `harbor.content-trust-enforced` says what it does.
 */
export const HARBOR_PARAMS: AreaParams<'harbor'> = {
  'harbor.unreachable': ['url', 'status', 'detail', 'host'],
  'harbor.unhealthy': ['host', 'component', 'status', 'detail'],
  'harbor.external-url-mismatch': ['url', 'field', 'expected'],
  'harbor.prevent-vul-off': ['project'],
  'harbor.auto-scan-off': ['project'],
  'harbor.vulnerability-policy-unenforced': ['project', 'threshold', 'detail'],
  'harbor.content-trust-enforced': ['project', 'value'],
  'harbor.notary-removed': ['project'],
  'harbor.config-invalid': ['path', 'field', 'detail'],
  'harbor.config-unknown-key': ['path', 'field', 'expected', 'detail'],
  'harbor.config-http-only': ['path', 'host'],
  'harbor.config-certificate': ['path', 'field', 'host', 'detail'],
  'harbor.config-default-password': ['path', 'field'],
  'harbor.config-metrics': ['path', 'field', 'url', 'detail'],
  'harbor.config-trivy-off': ['path', 'field', 'detail'],
  'harbor.config-retention': ['path', 'field', 'value', 'detail'],
  'harbor.ldap-unreachable': ['url', 'host', 'address', 'port', 'detail'],
  'harbor.ldap-untrusted-cert': ['url', 'host', 'address', 'port', 'detail'],
  'harbor.ldap-bind-failed': ['url', 'host', 'name', 'detail'],
  'harbor.ldap-base-dn-wrong': ['url', 'host', 'field', 'value', 'name', 'detail'],
  'harbor.ldap-verify-cert-disabled': ['url', 'host', 'address', 'port'],
  'harbor.ldap-plaintext': ['url', 'host', 'address'],
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
  'harbor.vulnerability-policy-unenforced': {
    title: 'Vulnerability policy not enforced (no scanner)',
    message: '[[Project {project}||A project]] has "Prevent vulnerable images from running"[[ (severity {threshold})]] on, but Harbor has no scanner for it, so vulnerable images are served[[ ({detail})]]',
    explanation: 'Harbor checks prevent_vul only for artifacts a scanner can scan (src/controller/scan/checker.go): with no scanner registered for the project (no default scanner, e.g. Harbor installed without Trivy, or the scanner was removed), the check is skipped and every image is pulled, whatever its vulnerabilities.',
    remediation: {
      summary: 'Register a scanner (or install Harbor with Trivy) and make it the default or the project\'s scanner.',
      steps: [
        'See what Harbor has: `curl -u admin https://<harbor>/api/v2.0/scanners` and `curl -u admin -H "X-Is-Resource-Name: true" https://<harbor>/api/v2.0/projects/{project|<project>}/scanner` (an empty answer means none).',
        'Register one: Administration > Interrogation Services > Scanners > NEW SCANNER (or `POST /api/v2.0/scanners`), then SET AS DEFAULT.',
        'Scan the existing artifacts so their reports exist: `POST /api/v2.0/projects/{project|<project>}/repositories/REPO/artifacts/TAG/scan`.',
      ],
      docs: [DOCS.harborScanning, DOCS.harborProjectConfig],
      guideStep: GUIDE.security,
    },
  },
  'harbor.content-trust-enforced': {
    title: 'Project serves signed images only',
    message: '[[Project {project}||A project]] only serves images signed by {value|a signature}: an unsigned image fails to pull with HTTP 412',
    explanation: 'Harbor 2.13 enforces `enable_content_trust` as Notation ("The image is not signed by notation.") and `enable_content_trust_cosign` as cosign ("The image is not signed by cosign."), in src/server/middleware/contenttrust. Notary (Docker Content Trust, DOCKER_CONTENT_TRUST=1) is gone since 2.9 and plays no part: images must carry a Notation or cosign signature as an accessory in Harbor.',
    remediation: {
      summary: 'Sign every image pulled from [[{project}||the project]] with the signer the policy asks for, or turn the policy off.',
      steps: [
        'Sign: `notation sign <harbor>/{project|PROJECT}/REPO@sha256:DIGEST` or `cosign sign --key cosign.key <harbor>/{project|PROJECT}/REPO@sha256:DIGEST`.',
        'Check: the artifact lists a signature accessory (`GET /api/v2.0/projects/{project|PROJECT}/repositories/REPO/artifacts/TAG?with_accessory=true`).',
        'Or turn it off: `PUT /api/v2.0/projects/{project|PROJECT}` with `{"metadata":{"enable_content_trust":"false","enable_content_trust_cosign":"false"}}`.',
      ],
      docs: [DOCS.harborSign, DOCS.harborContentTrust, DOCS.harborNotaryRemoved],
      guideStep: GUIDE.security,
    },
  },
  'harbor.notary-removed': {
    title: 'Retired: Notary content trust',
    message: 'Retired cause, not reported: content trust[[ of project {project}]] is Notation in Harbor 2.13, not Notary',
    explanation: 'Earlier versions of hybrid-doctor reported `enable_content_trust` as a dead Notary setting. Harbor removed Notary in v2.9, but Harbor 2.13 enforces `enable_content_trust` as Notation ("The image is not signed by notation.", src/server/middleware/contenttrust), so the setting is live: see `harbor.content-trust-enforced` and, at pull time, `image.policy-unsigned`. Only client-side Docker Content Trust (DOCKER_CONTENT_TRUST=1) is dead against Harbor 2.13, and the tool cannot see it.',
    remediation: {
      summary: 'Nothing to do for this id; sign with Notation or cosign where a project demands it.',
      steps: [
        'Remove DOCKER_CONTENT_TRUST=1 from CI: it asks for a Notary server Harbor no longer has.',
        'Sign: `notation sign <harbor>/PROJECT/REPO@sha256:DIGEST` (enable_content_trust) or `cosign sign --key cosign.key <harbor>/PROJECT/REPO@sha256:DIGEST` (enable_content_trust_cosign).',
      ],
      docs: [DOCS.harborNotaryRemoved, DOCS.harborSign, DOCS.harborContentTrust],
      guideStep: GUIDE.security,
    },
  },
  'harbor.config-invalid': {
    title: 'harbor.yml is invalid',
    message: '[[{path}||harbor.yml]][[: {field}]] is invalid[[: {detail}]]',
    explanation: "Harbor's installer (`./prepare`, run by install.sh) reads harbor.yml with the rules of its v2.13 template (make/harbor.yml.tmpl, make/photon/prepare/utils/configs.py). A file it refuses, a missing key it indexes, or a value of the wrong type stops `prepare`, so the configuration never reaches Harbor, or renders a broken component configuration.",
    remediation: {
      summary: 'Fix [[{field}||the setting]] in harbor.yml against the v2.13 template, then run `./prepare` again.',
      steps: [
        'Compare with the template shipped with the installer: `diff <(grep -v "^ *#" harbor.yml.tmpl) <(grep -v "^ *#" harbor.yml)`.',
        'Run `./prepare` (or `./install.sh`) and read its error before `docker compose up -d`.',
      ],
      docs: [DOCS.harborYml],
      guideStep: GUIDE.harborYml,
    },
  },
  'harbor.config-unknown-key': {
    title: 'harbor.yml key Harbor does not read',
    message: '[[{path}||harbor.yml]] has [[the key {field}||a key]] that Harbor v2.13 does not read[[ (did you mean {expected}?)]][[; {detail}]]',
    explanation: "Harbor's prepare reads only the keys of its template; any other key is ignored without a word. A typo (`hostnmae`, `certficate`) leaves the intended setting at its default, which is how a harbor.yml that looks right produces a Harbor that behaves otherwise.",
    remediation: {
      summary: 'Rename [[{field}||the key]][[ to {expected}]] (or remove it), then run `./prepare` again.',
      steps: ['Check the key against harbor.yml.tmpl of the installer version in use (`_version` in harbor.yml).'],
      docs: [DOCS.harborYml],
      guideStep: GUIDE.harborYml,
    },
  },
  'harbor.config-http-only': {
    title: 'Harbor configured for plain HTTP',
    message: '[[{path}||harbor.yml]] has no https section: Harbor[[ on {host}]] serves plain HTTP',
    explanation: 'Without https, registry credentials (robot secrets) cross the network in clear, and containerd refuses the registry unless every node marks it insecure in hosts.toml. Harbor itself warns that HTTP is deprecated. The guide installs Harbor with HTTPS.',
    remediation: {
      summary: 'Add an https section with a certificate and key for [[{host}||the Harbor host name]], then run `./prepare`.',
      steps: [
        'In harbor.yml: `https: {port: 443, certificate: /etc/harbor/certs/harbor.crt, private_key: /etc/harbor/certs/harbor.key}`.',
        '`./prepare && docker compose down && docker compose up -d`.',
      ],
      docs: [DOCS.harborHttps, DOCS.harborYml],
      guideStep: GUIDE.harborYml,
    },
  },
  'harbor.config-certificate': {
    title: "harbor.yml's HTTPS certificate or key is unusable",
    message: '[[{path}||harbor.yml]][[ {field}]]: [[{detail}||the certificate or private key is unusable]]',
    explanation: "Harbor's nginx serves exactly the files harbor.yml names. A missing or placeholder path stops `prepare`; a key that does not match the certificate stops nginx; a certificate without the host name in its SANs, or past its validity, makes every node refuse the registry (x509 errors at pull time).",
    remediation: {
      summary: 'Point https.certificate and https.private_key at a matching pair whose SANs cover [[{host}||the Harbor host name]] and that is valid now, then run `./prepare`.',
      steps: [
        '`openssl x509 -in CERT -noout -subject -ext subjectAltName -dates`.',
        'Key match: `openssl x509 -in CERT -noout -pubkey | sha256sum` and `openssl pkey -in KEY -pubout | sha256sum` must agree.',
        'Reissue with `subjectAltName = DNS:{host|<harbor host>}` if the name is missing.',
      ],
      docs: [DOCS.harborHttps],
      guideStep: GUIDE.harborYml,
    },
  },
  'harbor.config-default-password': {
    title: 'harbor.yml keeps a default password',
    message: '[[{path}||harbor.yml]][[ {field}]] is still the default password published in Harbor\'s template',
    explanation: "Harbor's template ships a default admin password and a default database password; both are printed in every Harbor guide, so anyone who can reach the UI or the database tries them first. harbor_admin_password only seeds the first start: changing it in harbor.yml later does not change the admin password.",
    remediation: {
      summary: 'Set a strong password for [[{field}||the setting]] before installing; on a running Harbor change the admin password in the UI (it ignores harbor.yml after the first start).',
      steps: [
        'Admin: UI > admin > Change Password (or `PUT /api/v2.0/users/1/password`), then remove the value from harbor.yml.',
        'Database: `docker exec -it harbor-db psql -U postgres -c "ALTER USER postgres PASSWORD \'...\'"`, then set database.password to it and run `./prepare`.',
      ],
      docs: [DOCS.harborYml],
      guideStep: GUIDE.security,
    },
  },
  'harbor.config-metrics': {
    title: 'harbor.yml metrics differ from what is scraped',
    message: '[[{path}||harbor.yml]][[ {field}]]: [[{detail}||metrics are off or elsewhere]][[ (the target scrapes {url})]]',
    explanation: "Harbor exposes Prometheus metrics only with `metric.enabled: true`, on `metric.port` and `metric.path` of harbor.yml (the exporter behind nginx). With metrics off, or on another port or path than the one scraped, the 401/5xx rates and latency that show pull trouble early are never collected.",
    remediation: {
      summary: 'Set `metric: {enabled: true, port: PORT, path: PATH}` to match [[{url}||the scraped URL]], then run `./prepare`.',
      steps: [
        '`curl -s http://<harbor>:PORT/PATH | head` after `./prepare && docker compose up -d`.',
        'Keep the Prometheus scrape job (metrics_path, target port) in step with harbor.yml.',
      ],
      docs: [DOCS.harborMetrics, DOCS.harborYml],
      guideStep: GUIDE.harborYml,
    },
  },
  'harbor.config-trivy-off': {
    title: 'Trivy cannot keep its vulnerability database current',
    message: '[[{path}||harbor.yml]][[ {field}]]: [[{detail}||Trivy is off]], while projects are expected to block vulnerable images',
    explanation: "prevent_vul blocks only what a scanner has found. With Trivy's database updates skipped (trivy.skip_update) and no offline database, scans see no current vulnerabilities, and without Trivy (install.sh without --with-trivy) Harbor skips prevent_vul altogether (see harbor.vulnerability-policy-unenforced).",
    remediation: {
      summary: 'Let Trivy update its database (trivy.skip_update: false), or provide the database offline, and install with `--with-trivy`.',
      steps: [
        'harbor.yml: `trivy: {skip_update: false}`; air-gapped: download trivy-db into `<data_volume>/trivy-adapter/trivy/db` and set offline_scan: true.',
        '`./install.sh --with-trivy` (or `./prepare --with-trivy && docker compose up -d`).',
      ],
      docs: [DOCS.harborScanning, DOCS.harborYml],
      guideStep: GUIDE.security,
    },
  },
  'harbor.config-retention': {
    title: 'harbor.yml loses data or logs',
    message: '[[{path}||harbor.yml]][[ {field}]][[ = {value}]]: [[{detail}||data or logs are not kept]]',
    explanation: 'Harbor keeps images, the database and job logs under data_volume and its logs under log.local.location, rotated by logrotate. A data_volume on a temporary file system is emptied at reboot (all images and the database gone); rotating logs after a few kilobytes, or keeping a single rotated file, throws away the logs that explain a failed pull before anyone reads them.',
    remediation: {
      summary: 'Put data_volume on persistent storage and keep logs long enough to troubleshoot (the template keeps 50 files of 200M).',
      steps: [
        'harbor.yml: `data_volume: /data` (a persistent disk), `log: {local: {rotate_count: 50, rotate_size: 200M}}`.',
        '`./prepare && docker compose down && docker compose up -d` (move the existing data first).',
      ],
      docs: [DOCS.harborYml],
      guideStep: GUIDE.harborYml,
    },
  },
  'harbor.ldap-unreachable': {
    title: 'Harbor cannot reach its LDAP server',
    message: "Harbor's LDAP server[[ {url}]] does not accept connections[[: {detail}]]",
    explanation: "In auth_mode ldap_auth every login except Harbor's local admin is checked against LDAP: Harbor binds with ldap_search_dn, searches the user and binds as the user. With the server unreachable no LDAP user can log in to the UI or `docker login`, and new tokens for those users are refused (robot accounts are not affected). Harbor's own ping says `ldap server network timeout` for every dial failure (refused, timed out, unresolvable name, and also a TLS handshake it rejects).",
    remediation: {
      summary: "Make the LDAP server reachable from Harbor core on ldap_url's host and port, or correct ldap_url.",
      steps: [
        'From the Harbor host: `nc -vz {address|<ldap host>} {port|636}` and `docker compose exec core getent hosts {address|<ldap host>}` (core resolves the name itself).',
        "Harbor's own test (stored settings, read-only): `curl -su admin -X POST -H 'Content-Type: application/json' -d '{}' https://{host|<harbor>}/api/v2.0/ldap/ping`.",
        'On the LDAP server: `systemctl status slapd` (or the directory service), and the firewall / security group for 389 (ldap) and 636 (ldaps) from Harbor.',
        "Correct the URL if it is wrong: `curl -su admin -X PUT -H 'Content-Type: application/json' -d '{\"ldap_url\": \"ldaps://<ldap host>:636\"}' https://{host|<harbor>}/api/v2.0/configurations`.",
      ],
      docs: [DOCS.harborLdap, DOCS.harborConfigApi],
      guideStep: GUIDE.ldap,
    },
  },
  'harbor.ldap-untrusted-cert': {
    title: "LDAP server certificate not trusted",
    message: "The ldaps certificate of[[ {address}]][[ ({url})]] does not verify[[: {detail}]]",
    explanation: "With ldap_verify_cert: true Harbor core verifies the LDAP server's certificate against its trust store (the system bundle plus the CAs installed under /harbor_cust_cert or /etc/harbor/ssl). A certificate from a CA core does not trust, for another name, or expired fails the handshake; Harbor's ping then reports only `ldap server network timeout`, and every LDAP login fails.",
    remediation: {
      summary: "Give the LDAP server a certificate for the name in ldap_url, signed by a CA Harbor core trusts, or install that CA into Harbor.",
      steps: [
        'See what the server presents: `openssl s_client -connect {address|<ldap host>}:{port|636} -servername {address|<ldap host>} -showcerts </dev/null`.',
        'Verify it against the CA you expect: `LDAPTLS_CACERT=ca.crt ldapsearch -x -H ldaps://{address|<ldap host>}:{port|636} -b "" -s base` (no `TLS: ... certificate verify failed`).',
        "Install the issuing CA for Harbor core: Harbor's prepare copies harbor.yml `storage_service.ca_bundle` into `common/config/shared/trust-certificates`, which docker-compose mounts at `/harbor_cust_cert` and core adds to its trust store at start. Append the LDAP CA to that bundle file, then `./prepare && docker compose up -d` (or `docker compose restart core` after copying it into `common/config/shared/trust-certificates/`).",
        "Confirm from Harbor's side: `curl -su admin -X POST -H 'Content-Type: application/json' -d '{}' https://{host|<harbor>}/api/v2.0/ldap/ping` answers `\"success\": true`.",
        'Do not switch ldap_verify_cert off to make it work (see harbor.ldap-verify-cert-disabled).',
      ],
      docs: [DOCS.harborLdap, DOCS.openldapTls, DOCS.goX509],
      guideStep: GUIDE.ldap,
    },
  },
  'harbor.ldap-bind-failed': {
    title: "LDAP refuses Harbor's search DN",
    message: "The LDAP server refuses Harbor's bind[[ as {name}]][[ ({url})]][[: {detail}]]",
    explanation: "Harbor binds with ldap_search_dn and ldap_search_password before every user search and login. An LDAP `Invalid credentials (49)` (wrong password, a DN that does not exist, an expired service account) or an empty search DN/password makes Harbor's ping fail with `invalid credential` / `empty password` / `empty search dn`, and no LDAP user can log in.",
    remediation: {
      summary: "Set ldap_search_dn and ldap_search_password to an account the directory accepts.",
      steps: [
        'Test the bind directly: `ldapsearch -x -H <ldap_url> -D "{name|<ldap_search_dn>}" -W -b "" -s base` (answers `Invalid credentials (49)` while the password is wrong).',
        "Store the right password in Harbor: `curl -su admin -X PUT -H 'Content-Type: application/json' -d '{\"ldap_search_dn\": \"{name|<search dn>}\", \"ldap_search_password\": \"<password>\"}' https://{host|<harbor>}/api/v2.0/configurations`.",
        "Confirm: `curl -su admin -X POST -H 'Content-Type: application/json' -d '{}' https://{host|<harbor>}/api/v2.0/ldap/ping` answers `\"success\": true`.",
      ],
      docs: [DOCS.harborLdap, DOCS.harborConfigApi],
      guideStep: GUIDE.ldap,
    },
  },
  'harbor.ldap-base-dn-wrong': {
    title: "Harbor's LDAP search finds nothing",
    message: "Harbor binds to LDAP[[ ({url})]] but its search under[[ {field}]][[ {value}]] finds[[ {name}||]] nothing[[: {detail}]]",
    explanation: "Harbor looks users up under ldap_base_dn with ldap_filter and ldap_uid (groups under ldap_group_base_dn with ldap_group_search_filter). A base DN that does not exist makes the search fail (Harbor answers HTTP 500 and logs `LDAP Result Code 32 \"No Such Object\"`); one that exists but holds no matching entries, a filter that matches nothing or scope 0 (base only) returns an empty list. Either way users cannot log in although the bind works.",
    remediation: {
      summary: "Point ldap_base_dn (and ldap_group_base_dn) at the subtree that holds the users (groups), with a filter and scope that match them.",
      steps: [
        'Search as Harbor does: `ldapsearch -x -H <ldap_url> -D "<ldap_search_dn>" -W -b "{value|<ldap_base_dn>}" -s sub "(&(objectClass=person)(uid={name|*}))" dn`.',
        'Find where the users really are: `ldapsearch -x -H <ldap_url> -D "<ldap_search_dn>" -W -b "<suffix, e.g. dc=company,dc=com>" "(uid=<a user>)" dn`.',
        "Fix it in Harbor: `curl -su admin -X PUT -H 'Content-Type: application/json' -d '{\"{field|ldap_base_dn}\": \"ou=users,dc=company,dc=com\", \"ldap_scope\": 2}' https://{host|<harbor>}/api/v2.0/configurations`.",
        'Check: `curl -su admin \'https://{host|<harbor>}/api/v2.0/ldap/users/search?username={name|<user>}\'` lists the user.',
      ],
      docs: [DOCS.harborLdap, DOCS.harborConfigApi],
      guideStep: GUIDE.ldap,
    },
  },
  'harbor.ldap-verify-cert-disabled': {
    title: 'Harbor does not verify the LDAP certificate',
    message: 'Harbor connects to[[ {url}]] with ldap_verify_cert: false',
    explanation: "With ldap_verify_cert: false Harbor accepts any certificate on ldaps://. Whoever can answer on the LDAP address (DNS spoofing, a rogue host on the path) receives Harbor's search DN password and the password of every user who logs in. The guide's example sets it to false; production should verify.",
    remediation: {
      summary: "Install the LDAP server's CA in Harbor core and set ldap_verify_cert: true.",
      steps: [
        'Check the chain first: `openssl s_client -connect {address|<ldap host>}:{port|636} -servername {address|<ldap host>} </dev/null | grep "Verify return code"`.',
        "Put the issuing CA into Harbor core's trust (the `storage_service.ca_bundle` file that prepare copies to `/harbor_cust_cert`; `./prepare && docker compose up -d`), then `curl -su admin -X PUT -H 'Content-Type: application/json' -d '{\"ldap_verify_cert\": true}' https://{host|<harbor>}/api/v2.0/configurations`.",
        "Confirm with `curl -su admin -X POST -H 'Content-Type: application/json' -d '{}' https://{host|<harbor>}/api/v2.0/ldap/ping`.",
      ],
      docs: [DOCS.harborLdap, DOCS.openldapTls],
      guideStep: GUIDE.ldap,
    },
  },
  'harbor.ldap-plaintext': {
    title: 'Harbor talks to LDAP without TLS',
    message: 'Harbor binds to LDAP over plain ldap://[[ ({url})]]',
    explanation: "Over ldap:// (port 389, no StartTLS in Harbor) the simple binds carry passwords in clear: Harbor's search DN password on every search, and each user's password at every UI or `docker login`. Anyone on the path between Harbor and the directory can read them.",
    remediation: {
      summary: 'Serve ldaps:// (636) with a certificate Harbor trusts and switch ldap_url to it, with ldap_verify_cert: true.',
      steps: [
        'Check that the server speaks ldaps: `openssl s_client -connect {address|<ldap host>}:636 </dev/null`.',
        "`curl -su admin -X PUT -H 'Content-Type: application/json' -d '{\"ldap_url\": \"ldaps://{address|<ldap host>}:636\", \"ldap_verify_cert\": true}' https://{host|<harbor>}/api/v2.0/configurations`.",
      ],
      docs: [DOCS.harborLdap, DOCS.openldapTls],
      guideStep: GUIDE.ldap,
    },
  },
};
