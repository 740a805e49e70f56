import { describe, expect, it, vi } from 'vitest';
import { CATALOG } from './catalog/catalog.ts';
import { REDACTED, Redactor } from './redact.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('redactor', () => {
  const r = new Redactor();
  const secret = 'Zx9-robot-secret-Q';
  r.add(secret, 'robot$k8s-robot');

  it.each([
    ['the secret itself', `password=${secret}`],
    ['base64 of the secret', b64(secret)],
    ['dockerconfigjson auth', JSON.stringify({ auths: { h: { auth: b64(`robot$k8s-robot:${secret}`) } } })],
    ['Basic header', `Authorization: Basic ${b64(`robot$k8s-robot:${secret}`)}`],
    ['URL-encoded', `https://h/x?p=${encodeURIComponent(`${secret}/&`)}`],
  ])('removes registered secrets: %s', (_n, text) => {
    const out = r.text(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(b64(secret).replace(/=+$/, ''));
    expect(out).toContain(REDACTED);
  });

  it.each(['a', 'ab', 'abc', 'robot$other', 'x'.repeat(31)])('removes a registered secret inside any base64 stream (user %s, any alignment)', (user) => {
    const q = new Redactor();
    const pw = 'Any-Alignment-Secret-77';
    q.add(pw); // registered without its user
    for (const tail of ['', '@', '"}}}']) {
      for (const b of [Buffer.from(`${user}:${pw}${tail}`).toString('base64'), Buffer.from(`{"auths":{"h":{"password":"${pw}${tail}"}}}`).toString('base64url')]) {
        const out = q.text(`x ${b} y`);
        expect(out).toContain(REDACTED);
        // What is left of the stream no longer decodes to the secret.
        for (const frag of out.split(/[^A-Za-z0-9+/_-]+/)) expect(Buffer.from(frag, 'base64').toString('latin1')).not.toContain('Alignment-Secret');
      }
    }
  });

  it('removes a registered secret with URL-special characters in its encoded form', () => {
    const q = new Redactor();
    q.add('p@ss/w0rd&x=1', 'u');
    expect(q.text(`https://h/?a=${encodeURIComponent('p@ss/w0rd&x=1')}`)).not.toContain(encodeURIComponent('p@ss/w0rd&x=1'));
    expect(q.text(JSON.stringify({ a: 'q"uo\\te-secret' }))).toBe(JSON.stringify({ a: 'q"uo\\te-secret' }));
    q.add('q"uo\\te-secret');
    expect(q.text(JSON.stringify({ a: 'q"uo\\te-secret' }))).not.toContain('uo');
  });

  // Every unregistered form: the text must lose `leak` and gain REDACTED; `keep` must survive.
  const SECRET = 'S3cr3tV4lue-xyz';
  const cases: { name: string; text: string; leak?: string; keep?: string }[] = [
    { name: 'Authorization: Basic header', text: `Authorization: Basic ${b64(`admin:${SECRET}`)}`, leak: b64(`admin:${SECRET}`) },
    { name: 'Basic credential in a curl -H', text: `curl -H "Authorization:Basic ${b64(`robot$x:${SECRET}`)}" https://h/v2/`, leak: b64(`robot$x:${SECRET}`) },
    { name: 'Basic credential without a header name', text: `sent Basic ${b64(`robot$x:${SECRET}`)} to the realm`, leak: b64(`robot$x:${SECRET}`), keep: 'to the realm' },
    { name: 'Proxy-Authorization', text: `Proxy-Authorization: Basic ${b64(`p:${SECRET}`)}`, leak: b64(`p:${SECRET}`) },
    { name: 'Authorization in JSON headers', text: `{"authorization":"Basic ${b64(`u:${SECRET}`)}"}`, leak: b64(`u:${SECRET}`) },
    { name: 'Bearer tokens', text: 'Authorization: Bearer abc.def.ghi-unregistered-token-value', leak: 'unregistered' },
    { name: 'JWTs anywhere', text: 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb2JvdCJ9.c2lnbmF0dXJlLXZhbHVl', leak: 'c2lnbmF0dXJl' },
    { name: 'URL userinfo', text: `Get "https://robot$x:${SECRET}@harbor.example.com/v2/": EOF`, leak: SECRET, keep: 'harbor.example.com/v2/' },
    { name: 'proxy URL userinfo', text: `HTTPS_PROXY=http://proxyuser:${SECRET}@proxy:3128`, leak: SECRET, keep: 'proxy:3128' },
    { name: 'schemeless robot userinfo', text: `pulling robot$x:${SECRET}@harbor.example.com/library/nginx`, leak: SECRET, keep: 'harbor.example.com/library/nginx' },
    { name: 'containerd TOML auth', text: `[plugins."io.containerd.grpc.v1.cri".registry.configs."h".auth]\n  auth = "${b64(`u:${SECRET}`)}"`, leak: b64(`u:${SECRET}`) },
    { name: 'containerd TOML identitytoken', text: `identitytoken = "${SECRET}"`, leak: SECRET },
    { name: 'TOML password (quoted, with spaces)', text: `password = "two words ${SECRET}"`, leak: SECRET },
    { name: 'TOML password (single quotes)', text: `password = 'hunter2 ${SECRET}'`, leak: SECRET },
    { name: 'TOML password (unquoted)', text: `password=${SECRET}`, leak: SECRET },
    { name: 'YAML password', text: `robot:\n  password: ${SECRET}\n`, leak: SECRET },
    { name: 'YAML quoted password', text: `{ password: "q ${SECRET}" }`, leak: SECRET },
    { name: 'JSON secret field', text: `{"secret":"${SECRET}","name":"robot$x"}`, leak: SECRET, keep: '"name":"robot$x"' },
    { name: 'JSON identitytoken', text: `{"auths":{"h":{"identitytoken":"${SECRET}"}}}`, leak: SECRET },
    { name: 'Harbor robot creation response', text: `{"id":7,"name":"robot$ci","secret":"${SECRET}","expires_at":-1}`, leak: SECRET, keep: '"expires_at":-1' },
    { name: 'Harbor CLI robot output', text: `Name: robot$ci\nSecret: ${SECRET}\n`, leak: SECRET, keep: 'Name: robot$ci' },
    { name: 'harbor.yml admin password', text: `harbor_admin_password: ${SECRET}`, leak: SECRET },
    { name: 'HARBOR_ADMIN_PASSWORD env', text: `export HARBOR_ADMIN_PASSWORD=${SECRET}`, leak: SECRET },
    { name: 'harbor CLI login -p', text: `harbor login https://h -u admin -p ${SECRET}`, leak: SECRET },
    { name: 'curl -u', text: `curl -u 'robot$x:${SECRET}' https://h/v2/`, leak: SECRET, keep: 'robot$x' },
    { name: 'curl --user=', text: `curl --user=admin:${SECRET} https://h`, leak: SECRET },
    { name: 'ctr --user', text: `ctr -n k8s.io images pull --user robot:${SECRET} h/library/nginx:1`, leak: SECRET, keep: 'h/library/nginx:1' },
    { name: '--docker-password=', text: `kubectl create secret docker-registry p --docker-username=robot --docker-password=${SECRET}`, leak: SECRET, keep: '--docker-username=robot' },
    { name: '--docker-password value', text: `--docker-password "${SECRET}" --docker-server h`, leak: SECRET, keep: '--docker-server h' },
    { name: '--password for login', text: `podman login h --username robot --password ${SECRET}`, leak: SECRET },
    { name: 'docker login -p', text: `docker login -u robot -p ${SECRET} harbor.example.com`, leak: SECRET, keep: 'harbor.example.com' },
    { name: 'nerdctl login -p=', text: `nerdctl login -u robot -p=${SECRET} h`, leak: SECRET },
    { name: 'skopeo --creds', text: `skopeo inspect --creds robot:${SECRET} docker://h/x`, leak: SECRET, keep: 'docker://h/x' },
    { name: 'crictl --creds', text: `crictl pull --creds "robot$x:${SECRET}" h/x:1`, leak: SECRET },
    { name: 'echo | docker login --password-stdin', text: `echo "${SECRET}" | docker login -u robot --password-stdin h`, leak: SECRET },
    { name: 'printf | docker login --password-stdin', text: `printf '%s' '${SECRET}' | nerdctl login -u robot --password-stdin h`, leak: SECRET },
    { name: 'here-string --password-stdin', text: `docker login -u robot --password-stdin h <<< ${SECRET}`, leak: SECRET },
    { name: 'kubectl --from-literal', text: `kubectl create secret generic x --from-literal=password=${SECRET}`, leak: SECRET },
    { name: '.dockerconfigjson value', text: `.dockerconfigjson: ${b64(`{"auths":{"h":{"auth":"${b64(`u:${SECRET}`)}"}}}`)}`, leak: b64(`{"auths"`).slice(0, 8) },
    { name: 'X-Registry-Auth header', text: `X-Registry-Auth: ${Buffer.from(JSON.stringify({ username: 'u', password: SECRET })).toString('base64url')}`, leak: 'eyJ1c2Vy' },
    { name: 'Cookie header', text: `Cookie: sid=${SECRET}; _gorilla_csrf=abc`, leak: SECRET },
    { name: 'X-Harbor-CSRF-Token header', text: `X-Harbor-CSRF-Token: ${SECRET}`, leak: SECRET },
    { name: 'AWS access key id', text: 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', leak: 'AKIAIOSFODNN7EXAMPLE' },
    { name: 'AWS secret key (credentials file)', text: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', leak: 'wJalrXUtnFEMI' },
    { name: 'AWS secret key (env)', text: 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', leak: 'wJalrXUtnFEMI' },
    { name: 'AWS session token (JSON)', text: `{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"${SECRET}","SessionToken":"${SECRET}2"}`, leak: SECRET },
    { name: 'token= in a query string', text: `GET https://h/v2/x?token=${SECRET}&n=1`, leak: SECRET, keep: '&n=1' },
    { name: 'access_token= in a query string', text: `https://h/service/token?service=harbor-registry&access_token=${SECRET}`, leak: SECRET, keep: 'service=harbor-registry' },
    { name: 'presigned S3 URL', text: `https://b.s3.amazonaws.com/o?X-Amz-Credential=AK%2F2024&X-Amz-Signature=${SECRET}`, leak: SECRET },
    { name: 'PEM private key', text: `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${SECRET}\n-----END RSA PRIVATE KEY-----`, leak: SECRET, keep: '-----END RSA PRIVATE KEY-----' },
    { name: 'PEM private key (JSON-escaped)', text: `"-----BEGIN PRIVATE KEY-----\\nMIIEv${SECRET}\\n-----END PRIVATE KEY-----\\n"`, leak: SECRET },
    { name: 'PEM private key cut off', text: `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI${SECRET.replace(/-/g, '')}\n`, leak: SECRET.replace(/-/g, '') },
    { name: 'kubeconfig client-key-data', text: `users:\n- name: u\n  user:\n    client-key-data: LS0tLS1CRUdJTiBSU0E${SECRET.replace(/-/g, '')}\n`, leak: SECRET.replace(/-/g, '') },
    { name: 'kubeconfig token', text: `  user:\n    token: ${SECRET}\n`, leak: SECRET },
    { name: 'nodeadm activationCode', text: `ssm:\n  activationCode: ${SECRET}\n  activationId: a-b`, leak: SECRET, keep: 'activationId: a-b' },
    { name: 'a secret inside backticks keeps the closing backtick', text: `run \`curl -u robot:${SECRET}\` now`, leak: SECRET, keep: '` now' },
    { name: 'lower-case value that looks like a word', text: `--docker-password=hunter`, leak: 'hunter' },
    { name: 'harbor-cli encryption key (env)', text: `HARBOR_ENCRYPTION_KEY=${SECRET}`, leak: SECRET },
    { name: 'harbor-cli config credential', text: `credentials:\n  - name: admin@https://h\n    username: admin\n    password: ${SECRET}\n`, leak: SECRET, keep: 'username: admin' },
    { name: '.netrc entry', text: `machine harbor.example.com login robot password ${SECRET}`, leak: SECRET, keep: 'login robot' },
    { name: 'htpasswd bcrypt hash', text: 'harbor_registry_user:$2y$10$abcdefghijklmnopqrstuuO0sG1QmJ3x7X5rWcFzqP4Y2yQ8aB1Ce', leak: 'O0sG1QmJ3x7X5rWcFzqP4Y2yQ8aB1Ce', keep: 'harbor_registry_user:' },
    { name: 'GitHub token', text: `ghp_${'a1B2'.repeat(9)}`, leak: 'a1B2a1B2' },
  ];

  it.each(cases)('redacts $name', ({ text, leak, keep }) => {
    const n = new Redactor();
    const out = n.text(text);
    expect(out).toContain(REDACTED);
    if (leak) expect(out).not.toContain(leak);
    if (keep) expect(out).toContain(keep);
  });

  // Look-alike prose and ordinary log text must pass unchanged.
  const prose = [
    'robot.secret: give a secret as {env: VAR}',
    'harbor.admin.password: give a secret as {env: VAR} or {file: PATH}; inline secrets are refused',
    'x509: certificate signed by unknown authority',
    'failed to fetch anonymous token: unexpected status from GET request to https://harbor.example.com/service/token?scope=repository%3Alibrary%2Fnginx%3Apull&service=harbor-registry: 401 Unauthorized',
    'WWW-Authenticate: Bearer realm="https://harbor.example.com/service/token",service="harbor-registry"',
    'WWW-Authenticate: Basic realm="harbor"',
    'Basic authentication failed for the robot account',
    'harbor.example.com/library/nginx:1.25@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
    'nginx:1.25@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
    'docker login -u robot --password-stdin harbor.example.com',
    'kubectl logs -p web-0 and ssh -p 2222 node',
    'the pull secret harbor-pull has no auths entry for harbor.example.com',
    'imagePullSecrets: harbor-pull',
    'secretName: harbor-pull',
    'auth.credentials-invalid: the token service rejected the credentials of default/harbor-pull (user robot$x)',
    'the token for robot$x grants [] on library/nginx',
    'failed to fetch oauth token: 401 Unauthorized',
    'token: 401 Unauthorized',
    'password: give it as {env: VAR}',
    'Get "https://harbor.example.com:8443/v2/": dial tcp 10.0.0.5:8443: connect: connection refused',
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----',
    'pods "web-0" is forbidden: User "system:serviceaccount:default:x" cannot get resource "secrets"',
    'Secret/harbor-pull in namespace default',
    'the admin password is wrong or the account is locked',
    'a robot secret (token) is needed: create one in Harbor',
    'kubectl create secret docker-registry harbor-pull --docker-server=h --docker-username=robot --docker-password-stdin',
    'ctr images pull --user robot h/library/nginx:1',
    'ValidatingAdmissionPolicy ..., AKIA is an access key prefix',
    // Placeholders in remediation steps are not secrets.
    "`kubectl create secret docker-registry r --docker-username='robot$NAME' --docker-password=SECRET` (single quotes around the robot name)",
    "Verify from the node: `sudo crictl pull --creds 'robot$NAME:SECRET' h/x:1`.",
    `Test the robot: \`curl -s -u 'robot$NAME:SECRET' "https://h/service/token?service=harbor-registry&scope=repository:PROJECT/REPO:pull"\``,
    'docker login -u robot -p "$ROBOT_SECRET" h and --password=${HARBOR_PASSWORD} and --docker-password=$(cat secret-file)',
    'curl -u admin:<password> https://h/api/v2.0/ping',
    'The kubelet needs `{"auths":{"host":{"auth":"base64(user:password)"}}}`',
    'https://USER:PASSWORD@proxy.example:3128',
    'password = "..."',
    // A bare boolean is not a secret: Docker's token URL carries offline_token=true.
    'Get "https://h/service/token?account=robot%24k8s&client_id=docker&offline_token=true&service=harbor-registry": unauthorized',
    'rpc error: code = Unknown desc = failed to pull and unpack image "h/x:1": failed to resolve reference "h/x:1": pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials',
  ];
  it.each(prose)('leaves prose alone: %s', (text) => {
    expect(new Redactor().text(text)).toBe(text);
  });

  it('keeps ordinary text and deep-redacts objects', () => {
    expect(r.value({ a: [{ password: 'p' }], b: `x ${secret}` })).toEqual({ a: [{ password: REDACTED }], b: `x ${REDACTED}` });
    expect(r.value({ secret: 'harbor-pull', SecretAccessKey: 'x', 'client-key-data': 'y', secretName: 'harbor-pull' }, { nameKeys: ['secret'] })).toEqual({ secret: 'harbor-pull', SecretAccessKey: REDACTED, 'client-key-data': REDACTED, secretName: 'harbor-pull' });
  });

  it('does not register short values (they would blank ordinary words)', () => {
    const s = new Redactor();
    s.add('abc');
    expect(s.text('abc def')).toBe('abc def');
  });

  it('leaves every catalog text alone (titles, messages, explanations, remediation steps with placeholders)', () => {
    const n = new Redactor();
    const changed: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'string') {
        if (n.text(v) !== v) changed.push(`${path}: ${n.text(v)}`);
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    walk(CATALOG, 'catalog');
    expect(Object.keys(CATALOG).length).toBeGreaterThan(50);
    expect(changed).toEqual([]);
  });

  it('the process-wide redactor masks AWS credentials found in the environment', async () => {
    const key = 'wJalrXUtnFEMI-K7MDENG-planted-aws-key';
    const token = 'IQoJb3JpZ2luX2VjEPlanted-session-token';
    const saved = { k: process.env.AWS_SECRET_ACCESS_KEY, t: process.env.AWS_SESSION_TOKEN };
    process.env.AWS_SECRET_ACCESS_KEY = key;
    process.env.AWS_SESSION_TOKEN = token;
    try {
      vi.resetModules();
      const fresh = await import('./redact.ts');
      const out = fresh.redactor.text(`signing with ${key} and ${token}`);
      expect(out).not.toContain(key);
      expect(out).not.toContain(token);
    } finally {
      for (const [k, v] of [['AWS_SECRET_ACCESS_KEY', saved.k], ['AWS_SESSION_TOKEN', saved.t]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      vi.resetModules();
    }
  });

  it.each([
    ['long prefix chain', ' ' + 'a_'.repeat(50_000) + 'x'],
    ['many colons without @', ' a:b'.repeat(30_000)],
    ['base64 run after Basic', `Basic ${'QUFB'.repeat(50_000)}`],
    ['unterminated quoted value', `password: "${'a\\'.repeat(30_000)}`],
    ['echo without a login', `echo ${'x '.repeat(30_000)}| a`],
    ['unterminated PEM', `-----BEGIN PRIVATE KEY-----\n${'QUFB\n'.repeat(50_000)}`],
  ])('stays linear on pathological input: %s', (_n, text) => {
    const t0 = performance.now();
    new Redactor().text(text);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
