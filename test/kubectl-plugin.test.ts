import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { k8sBinDir, startApiServer, type ApiServer } from '../fixtures/kube/apiserver-only.ts';
import { createCoreEvent, createNode, createPod, ensureNamespace } from '../fixtures/kube/seed.ts';
import { buildKrewRelease } from '../fixtures/krew-archive.ts';

/**
 * `kubectl hybrid-doctor diagnose POD`: the real kubectl (the cached Kubernetes build) finds
 * bin/kubectl-hybrid_doctor on PATH and runs it against a real kube-apiserver on loopback. The
 * same pod name lives in two namespaces with different causes, so the output shows which
 * namespace the plugin chose: the current context's, -n's, or --context's.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const KUBECTL = join(k8sBinDir(), 'kubectl');
/** krew from its Go module (docker/krew/build.sh, run by prepare.sh). */
const KREW = join(process.env.HYBRID_DOCTOR_CACHE ?? join(homedir(), '.cache', 'hybrid-doctor'), 'krew-v0.4.3', 'bin', 'kubectl-krew');
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

  it('krew installs the release archive against the manifest (sha256 checked), and kubectl runs the installed plugin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hd-krew-'));
    try {
      const rel = await buildKrewRelease(join(dir, 'release'));
      const krewRoot = join(dir, 'krew');
      // krew's offline path: the archive given, the manifest's sha256 still checked.
      const env = { KREW_ROOT: krewRoot, PATH: `${join(krewRoot, 'bin')}${delimiter}${process.env.PATH}` };
      const install = await execa(KREW, ['install', `--manifest=${rel.manifest}`, `--archive=${rel.archive}`], { reject: false, stdin: 'ignore', env });
      expect(install.exitCode, install.stderr).toBe(0);
      // a tampered archive is refused by its sha256
      const bad = join(dir, 'bad.yaml');
      await import('node:fs/promises').then((f) => f.writeFile(bad, readFileSync(rel.manifest, 'utf8').replaceAll(rel.sha256, '0'.repeat(64))));
      const refused = await execa(KREW, ['install', `--manifest=${bad}`, `--archive=${rel.archive}`], { reject: false, stdin: 'ignore', env: { ...env, KREW_ROOT: join(dir, 'krew2') } });
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/sha256|checksum/i);
      // kubectl finds krew's link (not this checkout's bin/), and the plugin runs from krew's store
      const installed = join(krewRoot, 'bin', 'kubectl-hybrid_doctor');
      expect(realpathSync(installed)).toBe(join(krewRoot, 'store', 'hybrid-doctor', rel.version, 'bin', 'kubectl-hybrid_doctor'));
      const kc = (args: string[]) => execa(KUBECTL, args, { reject: false, timeout: 90_000, stdin: 'ignore', env: { PATH: `${join(krewRoot, 'bin')}${delimiter}/usr/bin:/bin`, KUBECONFIG: kubeconfig, NO_COLOR: '1', HOME: dir }, extendEnv: false });
      expect((await kc(['plugin', 'list'])).stdout).toContain(installed);
      const r = await kc(['hybrid-doctor', 'diagnose', 'app', '-n', 'team-b']);
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
      expect(r.stdout).toContain('team-b/app');
      expect(r.stdout).toContain('image.not-found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

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
