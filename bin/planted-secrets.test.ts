import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../fixtures/kube/apiserver-only.ts';
import { startFakeHarbor, type FakeHarbor } from '../fixtures/registry/fake-harbor.ts';
import { createCoreEvent, createNode, createPod, createSecret, dockerConfigJson, ensureNamespace } from '../fixtures/kube/seed.ts';
import { createPki } from '../helpers/net/test-pki.ts';

/**
 * Planted secrets never appear in any output of the real CLI (`bin/hybrid-doctor.mjs` in a child
 * process): `run --target` (every suite; report.json, junit.xml, Allure results and attachments,
 * HTML, the results folder), `diagnose --target` (JSON and text), `explain` (JSON and text) and
 * `lint nodeconfig` (JSON and text), stdout and stderr of each. The planted values: the robot
 * secret (env), the admin password (file), a cluster pull secret's password (read at run time),
 * and for explain / lint credentials that only pattern redaction can catch. Each is searched
 * raw, base64 (standard and url-safe, padding dropped), as `user:secret` base64 (Basic / auth)
 * and URL-encoded. Against loopback servers: a TLS "Harbor" that records what it received and a
 * real kube-apiserver (fixtures/kube).
 */
const BIN = new URL('./hybrid-doctor.mjs', import.meta.url).pathname;
const ROBOT = 'robot$k8s-robot';
const nonce = () => Math.random().toString(36).slice(2, 10);
const ROBOT_SECRET = `PlantedRobot-${nonce()}-Sx`;
const ADMIN_PASSWORD = `PlantedAdmin-${nonce()}-Px`;
const PULL_PASSWORD = `PlantedPull-${nonce()}-Qx`;
const PASTED_PASSWORD = `PlantedPaste-${nonce()}-Zx`;
const LINT_PASSWORD = `PlantedToml-${nonce()}-Tx`;
const ACTIVATION = `PlantedSsm${nonce()}Ax`;

const USERS = [ROBOT, 'admin', 'robot', 'robot$x', 'u'];
/** The base64 characters that encode only `s`, at each of the three alignments (found inside any base64 stream). */
function base64Cores(s: string): string[] {
  const b = Buffer.from(s);
  return [0, 1, 2].map((k) => Buffer.concat([Buffer.alloc(k), b]).toString('base64').slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + b.length)) / 6)));
}

function forms(s: string): string[] {
  const strip = (x: string) => x.replace(/=+$/, '');
  return [...new Set([s, strip(Buffer.from(s).toString('base64')), strip(Buffer.from(s).toString('base64url')), encodeURIComponent(s), ...USERS.map((u) => strip(Buffer.from(`${u}:${s}`).toString('base64'))), ...base64Cores(s)])];
}
const NEEDLES = [ROBOT_SECRET, ADMIN_PASSWORD, PULL_PASSWORD, PASTED_PASSWORD, LINT_PASSWORD, ACTIVATION].flatMap((s) => forms(s).map((f) => [s, f] as const));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

/** `[where, secret]` for every needle found; binary files are read as latin1 (base64 and ASCII still match). */
function leaks(haystacks: [string, string][]): string[] {
  return haystacks.flatMap(([where, text]) => NEEDLES.filter(([, n]) => text.includes(n)).map(([s, n]) => `${where}: ${s === n ? s : `${n} (a form of ${s})`}`));
}

let api: ApiServer;
let harbor: FakeHarbor;
const dir = mkdtempSync(join(tmpdir(), 'hd-planted-'));
let targetFile: string;
/** host:port of the loopback Harbor (set once it listens; explain and lint use a fixed one). */
let host = '127.0.0.1:5000';

function cli(args: string[], opts: { input?: string; timeout?: number } = {}) {
  return execa(process.execPath, [BIN, ...args], {
    reject: false,
    timeout: opts.timeout ?? 120_000,
    cwd: dir,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    env: { NO_COLOR: '1', HD_PLANTED_ROBOT_SECRET: ROBOT_SECRET },
  });
}

async function startCluster(): Promise<void> {
  const pki = await createPki();
  [api, harbor] = await Promise.all([startApiServer(), startFakeHarbor({ tls: { key: pki.server.keyPem, cert: pki.serverChainPem() }, accounts: { [ROBOT]: ROBOT_SECRET, admin: ADMIN_PASSWORD } })]);
  host = `127.0.0.1:${harbor.port}`;
  writeFileSync(join(dir, 'ca.pem'), pki.caBundlePem());
  writeFileSync(join(dir, 'admin-password'), `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
  targetFile = join(dir, 'target.yaml');
  writeFileSync(
    targetFile,
    [
      'name: planted',
      'harbor:',
      `  url: https://${host}`,
      `  caBundle: ${join(dir, 'ca.pem')}`,
      '  admin: { username: admin, password: { file: admin-password } }',
      'robot:',
      `  name: '${ROBOT}'`,
      '  secret: { env: HD_PLANTED_ROBOT_SECRET }',
      'images:',
      `  - ref: ${host}/library/busybox:1.36`,
      'kubernetes:',
      `  kubeconfig: ${api.kubeconfigPath}`,
      '  allowProbes: false',
      'timeouts: { connectMs: 2000, requestMs: 4000, runMs: 120000 }',
    ].join('\n'),
  );

  const kube = api.client();
  await createNode(kube, { name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' }, internalIP: '10.80.0.10' });
  await ensureNamespace(kube, 'app');
  // The pull secret's password is only in the cluster: hybrid-doctor learns it at run time.
  await createSecret(kube, 'app', 'harbor-pull', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ [host]: { username: ROBOT, password: PULL_PASSWORD } }));
  const image = `${host}/library/busybox:1.36`;
  const pod = await createPod(kube, {
    namespace: 'app',
    name: 'web-0',
    node: 'hybrid-1',
    pullSecrets: ['harbor-pull'],
    containers: [{ name: 'web', image, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }],
  });
  // A kubelet event that quotes a mirror endpoint with credentials in its userinfo.
  await createCoreEvent(kube, pod, {
    reason: 'Failed',
    message: `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://${ROBOT}:${PULL_PASSWORD}@${host}/service/token?scope=repository%3Alibrary%2Fbusybox%3Apull&service=harbor-registry: 401 Unauthorized`,
    count: 5,
  });
  // A message quoting the password verbatim, in no pattern's shape: only the run-time
  // registration of the pull secret's password (pull-secrets suite, diagnose correlation) masks it.
  await createCoreEvent(kube, pod, {
    reason: 'Failed',
    message: `Failed to pull image "${image}": rpc error: code = Unknown desc = credentials ${ROBOT} / ${PULL_PASSWORD} rejected by ${host}: 401 Unauthorized`,
    count: 2,
  });
}

describe('planted secrets never reach any output of run and diagnose (kube-apiserver + loopback Harbor)', () => {
  beforeAll(startCluster, 180_000);
  afterAll(async () => {
    await Promise.all([api?.stop(), harbor?.close()]);
  });

  it('run --target: every suite, every report file, stdout and stderr', async () => {
    const out = join(dir, 'out-run');
    const r = await cli(['run', '--target', targetFile, '--out', out], { timeout: 300_000 });
    expect([0, 1, 3], r.stderr).toContain(r.exitCode);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { findings: { cause: string }[]; checks: unknown[] };
    // The run read the pull secret and used its password (the fake Harbor rejected it): proof the
    // secret was in memory, so its absence from every output is the redactor's doing.
    expect(report.findings.map((f) => f.cause)).toContain('auth.credentials-invalid');
    const pullAuth = harbor.credentialedTokenRequests().map((q) => Buffer.from(q.authorization!.replace(/^Basic /, ''), 'base64').toString());
    expect(pullAuth).toContain(`${ROBOT}:${PULL_PASSWORD}`);
    expect(pullAuth).toContain(`${ROBOT}:${ROBOT_SECRET}`);
    const files = filesUnder(out);
    expect(files.some((f) => f.endsWith('junit.xml'))).toBe(true);
    expect(files.some((f) => f.endsWith('-result.json'))).toBe(true);
    const hay: [string, string][] = [['run stdout', r.stdout], ['run stderr', r.stderr]];
    for (const f of files) if (statSync(f).size < 64 * 1024 * 1024) hay.push([f, readFileSync(f, 'latin1')]);
    expect(leaks(hay)).toEqual([]);
  }, 360_000);

  it('diagnose --target (JSON and text)', async () => {
    const hay: [string, string][] = [];
    for (const json of [true, false]) {
      const r = await cli(['diagnose', ...(json ? ['--json'] : []), '--target', targetFile, '--read-only', '--namespace', 'app'], { timeout: 180_000 });
      expect([0, 1, 3], r.stderr).toContain(r.exitCode);
      hay.push([`diagnose${json ? ' --json' : ''} stdout`, r.stdout], [`diagnose${json ? ' --json' : ''} stderr`, r.stderr]);
      if (json) expect(r.stdout).toMatch(/web-0/);
    }
    expect(leaks(hay)).toEqual([]);
  }, 400_000);

});

describe('planted secrets never reach any output of explain and lint', () => {
  it.each([
    ['Authorization: Basic header', `Failed to pull image "${'h.example/x:1'}": GET https://h.example/v2/: 401 Unauthorized (request had Authorization: Basic ${Buffer.from(`robot$x:${PASTED_PASSWORD}`).toString('base64')})`],
    ['URL userinfo', `Failed to pull image "h.example/x:1": failed to do request: Head "https://robot$x:${PASTED_PASSWORD}@h.example/v2/x/manifests/1": dial tcp: lookup h.example: no such host`],
    ['schemeless userinfo', `error pulling robot$x:${PASTED_PASSWORD}@h.example/library/x:1: 401 Unauthorized`],
    ['curl -u in a pasted transcript', `$ curl -u 'robot$x:${PASTED_PASSWORD}' https://h.example/service/token\n{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`],
    ['docker login -p', `docker login -u robot -p ${PASTED_PASSWORD} h.example\nError response from daemon: Get "https://h.example/v2/": x509: certificate signed by unknown authority`],
  ])('explain with %s (JSON and text)', async (_n, text) => {
    const hay: [string, string][] = [];
    for (const json of [true, false]) {
      const viaArg = await cli(['explain', ...(json ? ['--json'] : []), text]);
      const viaStdin = await cli(['explain', ...(json ? ['--json'] : [])], { input: text });
      expect(viaArg.exitCode, viaArg.stderr).toBe(0);
      expect(viaStdin.exitCode, viaStdin.stderr).toBe(0);
      if (json) expect(JSON.parse(viaArg.stdout)).toHaveProperty('cause');
      hay.push(['explain arg stdout', viaArg.stdout], ['explain arg stderr', viaArg.stderr], ['explain stdin stdout', viaStdin.stdout], ['explain stdin stderr', viaStdin.stderr]);
    }
    expect(leaks(hay)).toEqual([]);
  });

  it('lint nodeconfig with credentials in the containerd config and an SSM activation code (JSON and text)', async () => {
    const file = join(dir, 'nodeconfig.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: node.eks.aws/v1alpha1',
        'kind: NodeConfig',
        'spec:',
        '  cluster: { name: c, region: us-west-2 }',
        '  hybrid:',
        `    ssm: { activationCode: "${ACTIVATION}", activationId: "e488f2f6-e686-4afb-8a04-ef6dfe0a1b2c" }`,
        '  containerd:',
        '    config: |',
        '      version = 2',
        `      [plugins."io.containerd.grpc.v1.cri".registry.configs."${host}".auth]`,
        `        username = "${ROBOT}"`,
        `        password = "${LINT_PASSWORD}"`,
        `        auth = "${Buffer.from(`${ROBOT}:${LINT_PASSWORD}`).toString('base64')}"`,
      ].join('\n'),
    );
    const hay: [string, string][] = [];
    for (const json of [true, false]) {
      const r = await cli(['lint', 'nodeconfig', ...(json ? ['--json'] : []), file]);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/plaintext-registry-credentials/);
      hay.push([`lint${json ? ' --json' : ''} stdout`, r.stdout], [`lint${json ? ' --json' : ''} stderr`, r.stderr]);
    }
    expect(leaks(hay)).toEqual([]);
  });
});
