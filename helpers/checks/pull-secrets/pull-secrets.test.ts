import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../../fixtures/kube/apiserver-only.ts';
import { createNode, createPod, createSecret, createServiceAccount, dockerConfigJson, ensureNamespace } from '../../../fixtures/kube/seed.ts';
import type { Finding } from '../../findings/finding.ts';
import type { KubeClient } from '../../kube/client.ts';
import { closeRegistryDispatcher } from '../../registry/http.ts';
import { createCheckContext } from '../../runner/context.ts';
import { parseTarget, type Target } from '../../target/load.ts';
import { pullSecretsChecks } from './index.ts';
import { diagnose } from '../../diagnose/diagnose.ts';

const ROBOT = 'robot$k8s-robot';
const GOOD = 'good-robot-secret-123';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * A minimal Docker-registry token service (distribution token spec, as Harbor core serves it):
 * `/v2/` challenges with Bearer; `/service/token` grants `pull` on `library/*` to the robot with
 * the right secret, nothing to anonymous callers (private project), 401 to the robot with a wrong
 * secret, and (as Harbor does) a 200 with an EMPTY grant to a user it does not know.
 */
function tokenService(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v2/') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/service/token",service="harbor-registry"`, 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}]}');
      return;
    }
    if (url.pathname === '/service/token') {
      const scope = url.searchParams.get('scope') ?? '';
      const repo = scope.split(':')[1] ?? '';
      const auth = req.headers.authorization;
      let access: unknown[] = [];
      if (auth) {
        const [user, ...rest] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':');
        if (user !== ROBOT) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ token: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: 'harbor-token-issuer', access: [] })}.sig`, expires_in: 1800 }));
          return;
        }
        if (rest.join(':') !== GOOD) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
          return;
        }
        if (repo.startsWith('library/')) access = [{ type: 'repository', name: repo, actions: ['pull'] }];
      }
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: 'harbor-token-issuer', access })}.sig`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: 1800 }));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as AddressInfo).port })));
}

describe('pull-secrets checks against a real kube-apiserver and a token service', () => {
  let api: ApiServer;
  let kube: KubeClient;
  let reg: { server: Server; port: number };
  let target: Target;
  let H: string;
  let findings: Finding[];
  let evidence: Record<string, unknown>[];

  beforeAll(async () => {
    [api, reg] = await Promise.all([startApiServer(), tokenService()]);
    kube = api.client();
    H = `harbor.sandbox.test:${reg.port}`;
    process.env.HD_TEST_ROBOT_SECRET = GOOD;
    target = parseTarget(
      [
        // Plain-HTTP loopback token service: trusted explicitly (credential realm rule).
        'harbor:', `  url: http://${H}`, '  connectAddress: 127.0.0.1', `  trustedRealms: ['http://${H}']`,
        'robot:', `  name: '${ROBOT}'`, '  secret: { env: HD_TEST_ROBOT_SECRET }',
        'kubernetes:', `  kubeconfig: ${api.kubeconfigPath}`,
      ].join('\n'),
    );
    const img = `${H}/library/busybox:1.36`;
    const good = dockerConfigJson({ [H]: { username: ROBOT, password: GOOD } });
    await createNode(kube, { name: 'n1' });
    for (const ns of ['ok', 'missing', 'sa-missing', 'malformed', 'mismatch', 'robot', 'noattach', 'nocreds', 'copied']) await ensureNamespace(kube, ns);
    const pod = (ns: string, name: string, opts: { secrets?: string[]; image?: string; sa?: string } = {}) =>
      createPod(kube, { namespace: ns, name, node: 'n1', containers: [{ name: 'app', image: opts.image ?? img }], ...(opts.secrets ? { pullSecrets: opts.secrets } : {}), ...(opts.sa ? { serviceAccount: opts.sa } : {}) });
    const DCJ = 'kubernetes.io/dockerconfigjson';

    await createSecret(kube, 'ok', 'harbor-registry', DCJ, good);
    await pod('ok', 'app', { secrets: ['harbor-registry'] });
    await pod('ok', 'public-image', { image: 'docker.io/library/busybox:1.36' });

    await pod('missing', 'app', { secrets: ['harbor-registry'] });
    await createServiceAccount(kube, 'sa-missing', 'app-sa', ['nope']);
    await pod('sa-missing', 'app', { sa: 'app-sa' });

    await createSecret(kube, 'malformed', 'bad-type', 'Opaque', good);
    await createSecret(kube, 'malformed', 'no-auths', DCJ, { '.dockerconfigjson': b64(JSON.stringify({ [H]: { auth: b64(`${ROBOT}:${GOOD}`) } })) });
    await createSecret(kube, 'malformed', 'no-colon', DCJ, { '.dockerconfigjson': b64(JSON.stringify({ auths: { [H]: { auth: b64(ROBOT) } } })) });
    await createSecret(kube, 'malformed', 'auth-not-b64', DCJ, { '.dockerconfigjson': b64(JSON.stringify({ auths: { [H]: { auth: `${ROBOT}:${GOOD}` } } })) });
    for (const s of ['bad-type', 'no-auths', 'no-colon', 'auth-not-b64']) await pod('malformed', s, { secrets: [s] });

    await createSecret(kube, 'mismatch', 'harbor-registry', DCJ, dockerConfigJson({ 'harbor.sandbox.test': { username: ROBOT, password: GOOD } }));
    await pod('mismatch', 'app', { secrets: ['harbor-registry'] });

    await createSecret(kube, 'robot', 'mangled', DCJ, dockerConfigJson({ [H]: { username: 'robot', password: GOOD } }));
    await createSecret(kube, 'robot', 'wrong-password', DCJ, dockerConfigJson({ [H]: { username: ROBOT, password: 'not-the-secret' } }));
    await createSecret(kube, 'robot', 'good', DCJ, good);
    await createSecret(kube, 'robot', 'dollar-only', DCJ, dockerConfigJson({ [H]: { username: 'robot$', password: GOOD } }));
    await createSecret(kube, 'robot', 'unknown-user', DCJ, dockerConfigJson({ [H]: { username: 'robot$someone-else', password: GOOD } }));
    await pod('robot', 'mangled', { secrets: ['mangled'] });
    await pod('robot', 'dollar-only', { secrets: ['dollar-only'] });
    await pod('robot', 'unknown-user', { secrets: ['unknown-user'] });
    await pod('robot', 'wrong-password', { secrets: ['wrong-password'] });
    await pod('robot', 'no-scope', { secrets: ['good'], image: `${H}/secure/vulnerable:1.0` });

    await createSecret(kube, 'noattach', 'harbor-registry', DCJ, good);
    await pod('noattach', 'app');
    await pod('nocreds', 'app');

    await createSecret(kube, 'kube-system', 'harbor-registry', DCJ, good);
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'harbor-registry', namespace: 'default' }, type: DCJ });
    await createSecret(kube, 'copied', 'harbor-registry', DCJ, good, { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied });
    await pod('copied', 'app', { secrets: ['harbor-registry'] });

    const ctx = createCheckContext(target, { signal: AbortSignal.timeout(60_000) });
    findings = [];
    evidence = [];
    for (const c of pullSecretsChecks) {
      const out = await c.run(ctx);
      findings.push(...out.findings);
      evidence.push(out.evidence ?? {});
    }
  }, 120_000);

  afterAll(async () => {
    await closeRegistryDispatcher(target);
    await kube?.close();
    await api?.stop();
    reg?.server.close();
  });

  it('names exactly the expected cause per secret / pod', () => {
    const got = findings.map((f) => `${f.cause} ${f.subject}`).sort();
    expect(got).toEqual(
      [
        'auth.pull-secret-missing missing/secret/harbor-registry',
        'auth.pull-secret-missing sa-missing/secret/nope',
        'auth.pull-secret-malformed malformed/secret/bad-type',
        'auth.pull-secret-malformed malformed/secret/no-auths',
        'auth.pull-secret-malformed malformed/secret/no-colon',
        'auth.pull-secret-malformed malformed/secret/auth-not-b64',
        'auth.pull-secret-registry-mismatch mismatch/secret/harbor-registry',
        // Unknown users get an empty grant from Harbor: a mangled name or bad credentials, never a scope problem.
        'auth.robot-name-mangled robot/secret/mangled',
        'auth.robot-name-mangled robot/secret/dollar-only',
        'auth.credentials-invalid robot/secret/unknown-user',
        'auth.credentials-invalid robot/secret/wrong-password',
        'auth.insufficient-scope robot/secret/good',
        'auth.pull-secret-not-attached noattach/secret/harbor-registry',
        'auth.credentials-missing nocreds/app',
        'auth.pull-secret-copied-everywhere kube-system/secret/harbor-registry',
        'auth.pull-secret-copied-everywhere copied/secret/harbor-registry',
      ].sort(),
    );
  });

  it('says which field of a malformed secret is wrong, and who references a missing one', () => {
    const by = (s: string) => findings.find((f) => f.subject === s)!;
    expect(by('malformed/secret/bad-type').params.field).toBe('type');
    expect(by('malformed/secret/no-auths').params.field).toBe('auths');
    expect(by('malformed/secret/no-colon').params.field).toBe(`auths["${H}"].auth`);
    expect(by('sa-missing/secret/nope').evidence).toMatchObject({ secretName: 'nope', serviceAccounts: ['app-sa'], pods: ['app'] });
    expect(findings.find((f) => f.subject === 'copied/secret/harbor-registry')!.severity).toBe('info');
  });

  it.each([
    ['per-run: a namespace named like the probe prefix is hybrid-doctor\'s own', 'per-run', ['auth.pull-secret-copied-everywhere hd-ops/secret/harbor-registry']],
    ['existing: the probe namespace is the user\'s, judged like any other', 'existing', []],
  ] as const)('an unused pull secret in the probe namespace, %s', async (_name, mode, expected) => {
    await ensureNamespace(kube, 'hd-ops');
    await createSecret(kube, 'hd-ops', 'harbor-registry', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ [H]: { username: ROBOT, password: GOOD } })).catch(() => undefined);
    const t = { ...target, kubernetes: { ...target.kubernetes!, probeNamespace: 'hd-ops', probeNamespaceMode: mode } };
    const copies = pullSecretsChecks.find((c) => c.id === 'pull-secret-copies')!;
    const out = await copies.run(createCheckContext(t, { signal: AbortSignal.timeout(30_000) }));
    expect(out.findings.map((f) => `${f.cause} ${f.subject}`).filter((x) => x.includes('hd-ops'))).toEqual(expected);
  });

  it('never prints the credentials', () => {
    const all = JSON.stringify({ findings, evidence });
    expect(all).not.toContain(GOOD);
    expect(all).not.toContain(b64(`${ROBOT}:${GOOD}`).replace(/=+$/, ''));
    expect(all).not.toContain('not-the-secret');
  });

  it('feeds diagnose: a 401 on a pod whose secret is missing / mangled / for another host gets that root cause', async () => {
    const img = `${H}/library/busybox:1.36`;
    const msg401 = `Failed to pull image "${img}": failed to pull and unpack image "${img}": failed to resolve reference "${img}": pulling from host ${H} failed with status code [manifests 1.36]: 401 Unauthorized`;
    for (const [ns, name] of [['missing', 'app'], ['robot', 'mangled'], ['mismatch', 'app'], ['robot', 'wrong-password'], ['nocreds', 'app']] as const) {
      await kube.request('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, { contentType: 'application/merge-patch+json', body: { status: { phase: 'Pending', containerStatuses: [{ name: 'app', image: img, imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: msg401 } } }] } } });
    }
    const r = await diagnose({ kube, allNamespaces: true, priorFindings: findings });
    const cause = (ns: string, pod: string) => r.pods.find((p) => p.namespace === ns && p.pod === pod)?.cause;
    expect(cause('missing', 'app')).toBe('auth.pull-secret-missing');
    expect(cause('robot', 'mangled')).toBe('auth.robot-name-mangled');
    expect(cause('mismatch', 'app')).toBe('auth.pull-secret-registry-mismatch');
    expect(cause('robot', 'wrong-password')).toBe('auth.credentials-invalid');
    // containerd's 401 reads the same without credentials; pull-secrets knows the pod has none.
    expect(cause('nocreds', 'app')).toBe('auth.credentials-missing');
    // kubeconfig only (no prior findings): the cluster's pod specs, service accounts and secrets
    // give the same root causes, and the findings say what a target file would add.
    const bare = await diagnose({ kube, allNamespaces: true });
    for (const [ns, name] of [['missing', 'app'], ['robot', 'mangled'], ['mismatch', 'app'], ['robot', 'wrong-password'], ['nocreds', 'app']] as const) {
      expect(`${ns}/${name} ${bare.pods.find((p) => p.namespace === ns && p.pod === name)?.cause}`).toBe(`${ns}/${name} ${cause(ns, name)}`);
    }
    expect(bare.findings.every((f) => typeof f.evidence.targetWouldAdd === 'string')).toBe(true);
    expect(JSON.stringify(bare)).not.toContain(GOOD);
  });

  it('reports an RBAC-less identity as one access finding', async () => {
    const t2 = parseTarget(['harbor:', `  url: http://${H}`, '  connectAddress: 127.0.0.1', 'kubernetes:', `  kubeconfig: ${api.viewerKubeconfigPath}`].join('\n'));
    const ctx = createCheckContext(t2, { signal: AbortSignal.timeout(20_000) });
    const outs = [];
    for (const c of pullSecretsChecks) outs.push(await c.run(ctx));
    expect(outs.flatMap((o) => o.findings.map((f) => f.cause))).toEqual(['cluster.api-access-denied']);
    expect(outs[1]!).toMatchObject({ findings: [], notChecked: { kind: 'blocked', blockedBy: 'cluster.api-access-denied' } });
    await closeRegistryDispatcher(t2);
  });
});
