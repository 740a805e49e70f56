import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { k8sBinDir, startApiServer, type ApiServer } from '../fixtures/kube/apiserver-only.ts';
import { createCoreEvent, createNode, createPod, ensureNamespace } from '../fixtures/kube/seed.ts';

/**
 * `kubectl hybrid-doctor diagnose POD`: the real kubectl (the cached Kubernetes build) finds
 * bin/kubectl-hybrid_doctor on PATH and runs it against a real kube-apiserver on loopback. The
 * same pod name lives in two namespaces with different causes, so the output shows which
 * namespace the plugin chose: the current context's, -n's, or --context's.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const KUBECTL = join(k8sBinDir(), 'kubectl');
const H = 'harbor.plugin.test';
const IMG = `${H}/library/busybox:1.36`;
const MISSING = `${H}/library/nope:9.9`;
const e401 = `Failed to pull image "${IMG}": failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": pulling from host ${H} failed with status code [manifests 1.36]: 401 Unauthorized`;
const e404 = `Failed to pull image "${MISSING}": rpc error: code = NotFound desc = failed to pull and unpack image "${MISSING}": failed to resolve reference "${MISSING}": ${MISSING}: not found`;
let api: ApiServer;
let kubeconfig: string;

const kubectl = (args: string[], env: Record<string, string> = {}) =>
  execa(KUBECTL, args, { reject: false, timeout: 90_000, stdin: 'ignore', env: { ...process.env, PATH: `${join(ROOT, 'bin')}${delimiter}${process.env.PATH}`, KUBECONFIG: kubeconfig, NO_COLOR: '1', ...env }, extendEnv: false });

beforeAll(async () => {
  api = await startApiServer();
  const kube = api.client();
  await createNode(kube, { name: 'cloud-1', internalIP: '172.29.20.20' });
  for (const [ns, image, message] of [['team-a', IMG, e401], ['team-b', MISSING, e404]] as const) {
    await ensureNamespace(kube, ns);
    const pod = await createPod(kube, { namespace: ns, name: 'app', node: 'cloud-1', containers: [{ name: 'app', image, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }] });
    await createCoreEvent(kube, pod, { reason: 'Failed', message, count: 5 });
  }
  // A kubeconfig of the user's own: current context → team-a; a second context → team-b.
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'hd-plugin-')), 'config');
  copyFileSync(api.kubeconfigPath, kubeconfig);
  const view = (path: string) => kubectl(['config', 'view', '-o', `jsonpath=${path}`]).then((r) => r.stdout);
  const [cluster, user] = [await view('{.contexts[0].context.cluster}'), await view('{.contexts[0].context.user}')];
  expect((await kubectl(['config', 'set-context', '--current', '--namespace=team-a'])).exitCode).toBe(0);
  expect((await kubectl(['config', 'set-context', 'other', `--cluster=${cluster}`, `--user=${user}`, '--namespace=team-b'])).exitCode).toBe(0);
}, 180_000);
afterAll(() => api?.stop());

describe('kubectl hybrid-doctor', () => {
  it('kubectl lists the plugin from PATH', async () => {
    expect(statSync(join(ROOT, 'bin/kubectl-hybrid_doctor')).mode & 0o111).not.toBe(0);
    const r = await kubectl(['plugin', 'list']);
    expect(r.stdout).toContain(join(ROOT, 'bin/kubectl-hybrid_doctor'));
  });

  it.each([
    { name: 'the current context namespace', args: [], ns: 'team-a', cause: 'auth.credentials-missing' },
    { name: '-n overrides it', args: ['-n', 'team-b'], ns: 'team-b', cause: 'image.not-found' },
    { name: '--namespace=', args: ['--namespace=team-b'], ns: 'team-b', cause: 'image.not-found' },
    { name: "--context picks that context's namespace", args: ['--context', 'other'], ns: 'team-b', cause: 'image.not-found' },
  ])('diagnose POD uses $name', async ({ args, ns, cause }) => {
    const r = await kubectl(['hybrid-doctor', 'diagnose', 'app', ...args]);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toContain(`${ns}/app`);
    expect(r.stdout).toContain(cause);
  });

  it('--json passes through (stdout is the diagnosis)', async () => {
    const r = await kubectl(['hybrid-doctor', 'diagnose', 'app', '--json']);
    const out = JSON.parse(r.stdout) as { pods: { namespace: string; pod: string; cause: string }[] };
    expect(out.pods.map((p) => [p.namespace, p.pod, p.cause])).toEqual([['team-a', 'app', 'auth.credentials-missing']]);
  });

  it('--markdown writes the diagnosis for a ticket or job page', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hd-plugin-md-')), 'diagnosis.md');
    const r = await kubectl(['hybrid-doctor', 'diagnose', 'app', '--markdown', file]);
    expect(r.exitCode, r.stderr).toBe(1);
    const md = readFileSync(file, 'utf8');
    expect(md).toMatch(/^## hybrid-doctor diagnose · pod team-a\/app\n\n❌ \*\*1 pod\(s\) stuck pulling\*\* \(1 root cause\(s\)\)\n/);
    expect(md).toMatch(/^\| `auth\.credentials-missing` \| 1 \| 1 \(/m);
    expect(md).toMatch(/^\| team-a\/app \| cloud-1 \| `auth\.credentials-missing` \(symptom `auth\.credentials-invalid`\) \| Failed to pull image "harbor\.plugin\.test\/library\/busybox:1\.36"/m);
    expect(md).toMatch(/^- \*\*`auth\.credentials-missing`\*\* \S/m);
  });

  it('the krew manifest names this plugin and its executable', () => {
    const m = parse(readFileSync(join(ROOT, 'deploy/krew/hybrid-doctor.yaml'), 'utf8')) as { kind: string; metadata: { name: string }; spec: { version: string; platforms: { bin: string; sha256: string }[] } };
    expect(m.kind).toBe('Plugin');
    // krew: plugin `hybrid-doctor` is invoked as `kubectl hybrid-doctor`, executable kubectl-hybrid_doctor.
    expect(m.metadata.name).toBe('hybrid-doctor');
    expect(m.spec.version).toMatch(/^v\d+\.\d+\.\d+$/);
    for (const p of m.spec.platforms) {
      expect(existsSync(join(ROOT, p.bin)), p.bin).toBe(true);
      expect(p.bin.split('/').at(-1)).toBe('kubectl-hybrid_doctor');
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
