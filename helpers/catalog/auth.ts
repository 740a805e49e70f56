import type { AreaCatalog, AreaParams } from './area.ts';
import { DOCS, GUIDE } from './links.ts';

/**
 * Authentication and authorisation causes (Harbor robot accounts, pull secrets, token service).
 *
 * Params: `host` (registry host[:port]), `image`, `repository` (`project/repo`), `robot` (full
 * robot name, e.g. `robot$k8s-robot`), `project`, `namespace`, `pod`, `secretName` (pull secret
 * name), `expiresAt` / `daysLeft` (robot expiry, Harbor `expires_at` as ISO time), `url` (token realm), `expected` (expected
 * host/realm), `status` (HTTP status), `field` (offending secret field), `detail` (error text).
 * The classifier fills `host`, `image`, `status` and `detail`.
 */
export const AUTH_PARAMS: AreaParams<'auth'> = {
  'auth.credentials-missing': ['host', 'image', 'namespace', 'pod', 'detail'],
  'auth.credentials-invalid': ['host', 'image', 'status', 'detail'],
  'auth.robot-disabled': ['robot', 'host'],
  'auth.robot-expired': ['robot', 'expiresAt'],
  'auth.robot-expiring-soon': ['robot', 'expiresAt', 'daysLeft'],
  'auth.robot-name-mangled': ['robot', 'expected', 'secretName', 'namespace', 'host', 'detail'],
  'auth.insufficient-scope': ['host', 'image', 'detail'],
  'auth.pull-secret-missing': ['namespace', 'pod', 'secretName', 'detail'],
  'auth.pull-secret-malformed': ['namespace', 'secretName', 'field', 'detail'],
  'auth.pull-secret-registry-mismatch': ['namespace', 'pod', 'secretName', 'host', 'expected'],
  'auth.pull-secret-not-attached': ['namespace', 'pod', 'secretName', 'host'],
  'auth.token-realm-unreachable': ['host', 'url', 'detail'],
  'auth.pull-secret-copied-everywhere': ['namespace', 'secretName', 'detail'],
  // secrets branch (issue 7 item 5): the credential realm rule.
  'auth.realm-untrusted': ['host', 'url', 'detail'],
};

const curlToken =
  'Test the robot directly: `curl -s -u \'robot$NAME:SECRET\' "https://{host|<registry>}/service/token?service=harbor-registry&scope=repository:PROJECT/REPO:pull"` — the returned JWT lists the granted actions in `access` (single quotes keep `$` literal).';

export const auth: AreaCatalog<'auth'> = {
  'auth.credentials-missing': {
    title: 'No registry credentials presented',
    message: 'The pull from {host} was anonymous and the repository requires credentials[[ ({detail})]]',
    explanation:
      'Harbor private projects refuse anonymous pulls. The kubelet sends credentials only from imagePullSecrets whose `auths` key matches the image host[:port] exactly, and containerd only from hosts.toml/CRI config for that host. containerd\'s "failed to fetch anonymous token" or Docker\'s "no basic auth credentials" mean none matched.',
    remediation: {
      summary: 'Give the pod a pull secret for {host} (or configure node-level credentials) with a robot that can pull.',
      steps: [
        'See which secrets the pod uses: `kubectl[[ -n {namespace}]] get pod {pod|POD} -o jsonpath=\'{.spec.imagePullSecrets}\'` and `kubectl[[ -n {namespace}]] get sa default -o yaml`.',
        'Create the secret in the pod namespace: `kubectl[[ -n {namespace}]] create secret docker-registry harbor-registry --docker-server={host|<registry>} --docker-username=\'robot$NAME\' --docker-password=SECRET` (single quotes around the robot name).',
        'Reference it from the pod (`imagePullSecrets`) or the service account: `kubectl[[ -n {namespace}]] patch sa default -p \'{"imagePullSecrets":[{"name":"harbor-registry"}]}\'`.',
        'Verify from the node: `sudo crictl pull --creds \'robot$NAME:SECRET\' {image|<image>}`.',
      ],
      docs: [DOCS.k8sPrivateRegistry, DOCS.harborRobotSystem, DOCS.k8sServiceAccountPullSecret],
      guideStep: GUIDE.pullSecret,
    },
  },
  'auth.credentials-invalid': {
    title: 'Registry credentials rejected',
    message: 'Credentials for {host} were rejected[[ pulling {image}]][[ (HTTP {status})]][[: {detail}]]',
    explanation:
      'The client sent a username and secret and Harbor refused them: wrong or rotated robot secret, a robot name missing its `robot$` prefix or mangled by the shell, a disabled or expired robot, or the secret created for another Harbor. containerd reports "failed to fetch oauth token: ... 401" or "pulling from host H failed with status code [manifests T]: 401 Unauthorized" (the latter also when no credentials matched).',
    remediation: {
      summary: 'Check the robot account and re-create the pull secret with its exact full name and current secret.',
      steps: [
        'Decode what the secret holds: `kubectl get secret harbor-registry -o jsonpath=\'{.data.\\.dockerconfigjson}\' | base64 -d` and check the username starts with `robot$`.',
        curlToken,
        'In Harbor check the robot is enabled and not expired: system robots `robot$NAME` under Administration > Robot Accounts (`GET /api/v2.0/robots?q=Level%3Dsystem`), project robots `robot$PROJECT+NAME` under Projects > PROJECT > Robot Accounts (`GET /api/v2.0/robots?q=Level%3Dproject%2CProjectID%3DPROJECT_ID`, the id from `GET /api/v2.0/projects/PROJECT`); refresh its secret if unsure (`PATCH /api/v2.0/robots/ROBOT_ID` with a new secret).',
        'Re-create the pull secret with `--docker-username=\'robot$NAME\'` (single quotes) and restart the pod.',
      ],
      docs: [DOCS.harborRobotSystem, DOCS.harborRobotProject, DOCS.k8sPrivateRegistry],
      guideStep: GUIDE.pullSecret,
    },
  },
  'auth.robot-disabled': {
    title: 'Harbor robot account disabled',
    message: '[[Robot account {robot}||A robot account]] on {host} is disabled',
    explanation: 'Harbor rejects every token request from a disabled robot with 401, exactly like a wrong secret; all pulls using it fail at once.',
    remediation: {
      summary: 'Re-enable [[{robot}||the robot]] in Harbor or switch the pull secrets to an enabled robot.',
      steps: [
        'Find it and look at `disable`: a system robot with `curl -u admin "https://{host|<harbor>}/api/v2.0/robots?q=Level%3Dsystem"`; a project robot `robot$PROJECT+NAME` only with `?q=Level%3Dproject%2CProjectID%3DPROJECT_ID` (the id from `GET /api/v2.0/projects/PROJECT`): without `Level` Harbor lists system robots only.',
        'Enable: Administration > Robot Accounts > ENABLE, or `PUT /api/v2.0/robots/ROBOT_ID` with `"disable": false` (PUT takes the full robot object).',
      ],
      docs: [DOCS.harborRobotSystem, DOCS.harborApi],
      guideStep: GUIDE.robot,
    },
  },
  'auth.robot-expired': {
    title: 'Harbor robot account expired',
    message: '[[Robot account {robot}||A robot account]] has expired[[ (at {expiresAt})]]',
    explanation: 'A robot past its expiry (`expires_at`) is refused like a wrong secret: every pull with it returns 401.',
    remediation: {
      summary: 'Extend [[{robot}||the robot]] (or create a new robot) and update the pull secrets that use it.',
      steps: [
        'In Harbor: Robot Accounts > select > REFRESH/EDIT duration, or `PUT /api/v2.0/robots/ROBOT_ID` with a new `duration` (days; -1 = never).',
        'If you created a new robot, re-create the pull secrets: `kubectl create secret docker-registry ... --docker-username=\'{robot|robot$NAME}\'`.',
      ],
      docs: [DOCS.harborRobotSystem, DOCS.harborApi],
      guideStep: GUIDE.robot,
    },
  },
  'auth.robot-expiring-soon': {
    title: 'Harbor robot account expires soon',
    message: '[[Robot account {robot}||A robot account]] expires soon[[ (at {expiresAt})]][[, in {daysLeft} days]]',
    explanation: 'When the robot expires every pull secret using it stops working at the same moment, across all namespaces that copied it.',
    remediation: {
      summary: 'Extend the robot duration[[ before {expiresAt}]], or rotate to a new robot and update the pull secrets.',
      steps: [
        'Extend: `PUT /api/v2.0/robots/ROBOT_ID` with a longer `duration`, or use the Harbor UI.',
        'List secrets that embed it: `kubectl get secrets -A --field-selector type=kubernetes.io/dockerconfigjson`.',
      ],
      docs: [DOCS.harborRobotSystem],
      guideStep: GUIDE.robot,
    },
  },
  'auth.robot-name-mangled': {
    title: 'Robot username mangled',
    message: 'The robot username[[ {robot}]] is mangled[[ in pull secret {namespace}/{secretName}]][[; the robot is named {expected}]][[ ({detail})]]',
    explanation:
      'Harbor robot names contain a `$` (`robot$k8s-robot`, or `robot$project+name` for project robots). In double quotes or unquoted shell arguments `$k8s` expands to an empty string, so the secret stores `robot-robot` or `robot` and Harbor answers 401.',
    remediation: {
      summary: 'Re-create the secret with the robot name in single quotes.',
      steps: [
        'Check: `kubectl[[ -n {namespace}]] get secret {secretName|<secret>} -o jsonpath=\'{.data.\\.dockerconfigjson}\' | base64 -d`.',
        'Re-create: `kubectl[[ -n {namespace}]] create secret docker-registry {secretName|<secret>} --docker-server={host|<registry>} --docker-username=\'{expected}\' --docker-password=SECRET --dry-run=client -o yaml | kubectl apply -f -`.',
      ],
      docs: [DOCS.harborRobotSystem, DOCS.k8sPrivateRegistry],
      guideStep: GUIDE.pullSecret,
    },
  },
  'auth.insufficient-scope': {
    title: 'Credentials lack pull permission',
    message: 'Access to {image} on {host} was denied to the presented identity[[ ({detail})]]',
    explanation:
      'Authentication worked but the identity may not pull this repository: a project robot used for another project, a system robot without `pull` on the project, or a user without a project role. Harbor returns 403/"insufficient_scope"/"unauthorized to access repository"; Docker shows "pull access denied ... may require docker login" (which also appears when the repository does not exist).',
    remediation: {
      summary: 'Grant the robot `pull` (repository) on the project of {image}, or use a robot that has it.',
      steps: [
        curlToken,
        'In Harbor: edit the robot permissions (system robot: add the project with Pull Repository; project robot: only works in its own project).',
        'Confirm the repository exists: `GET /api/v2.0/projects/PROJECT/repositories/REPO/artifacts?q=tags%3DTAG` with admin credentials.',
      ],
      docs: [DOCS.harborRobotSystem, DOCS.harborRobotProject],
      guideStep: GUIDE.robot,
    },
  },
  'auth.pull-secret-missing': {
    title: 'Referenced pull secret does not exist',
    message: '[[Pod {namespace}/{pod}||A pod]] references [[pull secret {secretName}||a pull secret]], which does not exist in [[namespace {namespace}||its namespace]][[ ({detail})]]',
    explanation:
      'The kubelet logs "Unable to retrieve some image pull secrets" and pulls without those credentials. Secrets are namespaced: a secret created in `default` is invisible to pods in other namespaces.',
    remediation: {
      summary: 'Create [[{secretName}||the secret]] in [[namespace {namespace}||the pod namespace]] (or fix the name referenced by the pod/service account).',
      steps: [
        '`kubectl -n {namespace|<namespace>} get secret {secretName|<secret>}`; compare with `kubectl -n {namespace|<namespace>} get pod {pod|<pod>} -o jsonpath=\'{.spec.imagePullSecrets}\'`.',
        'Copy it: `kubectl get secret {secretName|<secret>} -n default -o yaml | sed "s/namespace: default/namespace: {namespace|<namespace>}/" | kubectl apply -f -` (strip uid/resourceVersion if apply complains).',
      ],
      docs: [DOCS.k8sPrivateRegistry, DOCS.k8sServiceAccountPullSecret],
      guideStep: GUIDE.pullSecret,
    },
  },
  'auth.pull-secret-malformed': {
    title: 'Pull secret malformed',
    message: '[[Pull secret {namespace}/{secretName}||A pull secret]] is malformed[[ at {field}]][[ ({detail})]]',
    explanation:
      'The kubelet needs type kubernetes.io/dockerconfigjson with valid JSON `{"auths":{"host":{"auth":"base64(user:password)"}}}`. A wrong type, double base64 encoding, a missing `auth`, or an `auth` that does not decode to `user:password` makes it ignore the credentials.',
    remediation: {
      summary: 'Re-create the secret with `kubectl create secret docker-registry` instead of hand-written YAML.',
      steps: [
        'Inspect: `kubectl -n {namespace|<namespace>} get secret {secretName|<secret>} -o jsonpath=\'{.type}\'` and `... -o jsonpath=\'{.data.\\.dockerconfigjson}\' | base64 -d | jq .`.',
        'Check an auth field: `echo AUTH | base64 -d` must print `robot$NAME:SECRET`.',
        'Re-create with `kubectl create secret docker-registry {secretName|<secret>} -n {namespace|<namespace>} --docker-server=<registry> --docker-username=\'robot$NAME\' --docker-password=SECRET`.',
      ],
      docs: [DOCS.k8sDockerConfigSecret, DOCS.k8sPrivateRegistry],
      guideStep: GUIDE.pullSecret,
    },
  },
  'auth.pull-secret-registry-mismatch': {
    title: 'Pull secret does not match the image registry',
    message: '[[Pull secret {namespace}/{secretName}||A pull secret]] has no auths entry for {host}[[ (it has: {expected})]]',
    explanation:
      'The kubelet picks credentials by matching the image\'s registry host[:port] against the `auths` keys. `harbor.example.com` does not match `harbor.example.com:443`, `https://harbor.example.com/v2/` path variants or an IP, so the pull goes out anonymously.',
    remediation: {
      summary: 'Re-create the secret with `--docker-server` equal to the registry part of the image reference.',
      steps: [
        'Compare the image host (`kubectl[[ -n {namespace}]] get pod {pod|POD} -o jsonpath=\'{.spec.containers[*].image}\'`) with the secret keys (`... | base64 -d | jq \'.auths|keys\'`).',
        'Re-create with `--docker-server={host|<registry>}` (no scheme, same port as in the image reference).',
      ],
      docs: [DOCS.k8sPrivateRegistry, DOCS.k8sImages],
      guideStep: GUIDE.pullSecret,
    },
  },
  'auth.pull-secret-not-attached': {
    title: 'Pull secret exists but is not used',
    message: '[[Secret {namespace}/{secretName}||A pull secret]] matches {host} but neither [[pod {pod}||the pod]] nor its service account references it',
    explanation: 'Creating a secret is not enough: the pod spec or its service account must list it in imagePullSecrets. Pods created before the service account was patched keep their old spec.',
    remediation: {
      summary: 'Reference [[{secretName}||the secret]] from the service account (or pod spec) and recreate the pod.',
      steps: [
        '`kubectl -n {namespace|<namespace>} patch serviceaccount default -p \'{"imagePullSecrets":[{"name":"{secretName|<secret>}"}]}\'` (use the pod\'s service account).',
        'Delete the pod so its controller recreates it with the new imagePullSecrets.',
      ],
      docs: [DOCS.k8sServiceAccountPullSecret, DOCS.k8sPrivateRegistry],
      guideStep: GUIDE.pullSecret,
    },
  },
  'auth.token-realm-unreachable': {
    title: 'Token service (Bearer realm) unreachable',
    message: 'The Bearer token realm[[ {url}]] advertised by {host} cannot be reached[[ ({detail})]]',
    explanation:
      'Harbor answers /v2/ with `Www-Authenticate: Bearer realm="<external_url>/service/token"`. The realm is built from harbor.yml `external_url`/`hostname`; if that is a name or port nodes cannot reach (an internal hostname, http://, a load balancer not routable on-prem), the client fails fetching the token even though the registry itself is reachable.',
    remediation: {
      summary: 'Make Harbor advertise a realm URL nodes can reach (harbor.yml hostname / external_url).',
      steps: [
        'See the realm: `curl -sI https://{host|<registry>}/v2/ | grep -i www-authenticate`.',
        'Fix harbor.yml `hostname` (and `external_url` if set) to the name nodes use, then `./prepare && docker compose up -d`.',
        'Check the realm resolves and connects from the node: `curl -v "{url|<realm>}?service=harbor-registry"`.',
      ],
      docs: [DOCS.harborYml, DOCS.harborHttps],
      guideStep: GUIDE.harborYml,
    },
  },
  'auth.pull-secret-copied-everywhere': {
    title: 'Pull secret copied where nothing needs it',
    message: '[[Secret {namespace}/{secretName}||A pull secret]] looks like a leftover of the copy-to-all-namespaces loop[[ ({detail})]]',
    explanation:
      'The guide\'s Step 11 loop copies the registry credentials into every namespace, including kube-system, kube-public and kube-node-lease, and its `sed "s/namespace: default/..."` leaves the original namespace inside the last-applied-configuration annotation. Every copy is one more place the robot secret can leak from, and copies go stale when the secret is rotated.',
    remediation: {
      summary: 'Keep the secret only in namespaces whose pods pull from the registry; delete the other copies.',
      steps: [
        '`kubectl -n {namespace|<namespace>} get pods -o jsonpath=\'{.items[*].spec.imagePullSecrets}\'` to confirm nothing there uses {secretName|<secret>}.',
        '`kubectl -n {namespace|<namespace>} delete secret {secretName|<secret>}`.',
        'Distribute the secret only to application namespaces (or use a controller that syncs it), and re-create copies after rotating the robot secret.',
      ],
      docs: [DOCS.k8sDockerConfigSecret, DOCS.k8sServiceAccountPullSecret],
      guideStep: GUIDE.pullSecret,
    },
  },
  // --- secrets branch (issue 7 item 5): credentials follow only the right realm. ---
  'auth.realm-untrusted': {
    title: 'Credentials withheld from an untrusted token realm',
    message: 'hybrid-doctor did not send credentials to [[the token realm {url}||an untrusted token realm]][[: {detail}]]',
    explanation:
      'After `GET /v2/` answers 401, a registry client sends the robot (or pull secret) credentials to whatever token realm the `Www-Authenticate: Bearer realm=...` header names. A misconfigured or hostile registry, a proxy, or an http:// `external_url` can point that realm at another host or at plain HTTP, and the credentials leak there. hybrid-doctor sends credentials only to an https realm on the origin (scheme, host, port) of the Harbor URL in the target, or to an origin the target lists in `harbor.trustedRealms`; anything else is reported here and nothing is sent. Nodes (containerd) do not apply this rule: fix the realm, not just the target.',
    remediation: {
      summary: "Make Harbor advertise an https realm on the URL nodes use (harbor.yml hostname / external_url); list a separate token service in harbor.trustedRealms only if it is yours.",
      steps: [
        'See the realm Harbor advertises: `curl -sI https://{host}/v2/ | grep -i www-authenticate`.',
        'Set harbor.yml `hostname` and `external_url` to the https URL nodes pull from (the target\'s harbor.url), then `./prepare && docker compose up -d`.',
        'If the token service is deliberately on another origin you control, add that origin to the target: `harbor: { trustedRealms: ["https://token.example.com"] }` (an http:// origin only for a lab registry without TLS).',
      ],
      docs: [DOCS.harborYml, DOCS.harborHttps],
      guideStep: GUIDE.harborYml,
    },
  },
};
