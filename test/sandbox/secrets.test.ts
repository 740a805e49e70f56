import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyPullSecret, clients, ensureNamespace, statusCode } from '../../fixtures/cluster/kube.ts';
import { HYBRID_NODE, SEEDED_IMAGE } from '../../fixtures/cluster/topology.ts';
import { pollUntil } from '../../fixtures/sandbox/poll.ts';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';

const BIN = new URL('../../bin/hybrid-doctor.mjs', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

/** The base64 characters that encode only `s`, at each of the three alignments (found inside any base64 stream). */
function base64Cores(s: string): string[] {
  const b = Buffer.from(s);
  return [0, 1, 2].map((k) => Buffer.concat([Buffer.alloc(k), b]).toString('base64').slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + b.length)) / 6)));
}

/** Every form a secret can take in text: raw, base64 / base64url (no padding), `user:secret` base64 (Basic, auth), URL-encoded. */
function forms(s: string, users: string[]): string[] {
  const strip = (x: string) => x.replace(/=+$/, '');
  return [...new Set([s, strip(Buffer.from(s).toString('base64')), strip(Buffer.from(s).toString('base64url')), encodeURIComponent(s), ...users.map((u) => strip(Buffer.from(`${u}:${s}`).toString('base64'))), ...base64Cores(s)])];
}

/** Where each needle was found (`where: needle`), for a readable failure. */
function leaksIn(haystacks: [string, string][], needles: string[]): string[] {
  return haystacks.flatMap(([where, text]) => needles.filter((n) => text.includes(n)).map((n) => `${where}: ${n.slice(0, 6)}…`));
}

/** The sandbox's own components whose logs must not hold a secret either. */
const SANDBOX_CONTAINERS = ['hd-harbor-core', 'hd-nginx', 'hd-registry', 'hd-dns'];

/**
 * A planted secret appears in no output: the robot secret (right and wrong), the admin password
 * and their Basic-auth base64 forms are searched in every report file (JSON, JUnit, Allure
 * results and HTML), the console, and the logs of the sandbox's own components.
 */
describe('secrets never leave memory', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await ensureSandbox();
  });

  it('a full run with a planted wrong robot secret leaks nothing anywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hd-secrets-'));
    const planted = `Planted-${Math.random().toString(36).slice(2)}-Secret`;
    writeFileSync(join(dir, 'robot-secret'), planted, { mode: 0o600 });
    const target = parse(readFileSync(sb.targetFile, 'utf8'));
    target.robot.secret = { file: join(dir, 'robot-secret') };
    writeFileSync(join(dir, 'target.yaml'), stringify(target));
    const real = readFileSync(sb.harbor.robot.secretFile, 'utf8').trim();
    const admin = readFileSync(sb.harbor.adminPasswordFile, 'utf8').trim();
    const registryPassword = readFileSync(sb.harbor.registryUser.passwordFile, 'utf8').trim();

    const out = join(dir, 'out');
    const r = await execa(process.execPath, [BIN, 'run', '--target', join(dir, 'target.yaml'), '--out', out, '--suites', 'tls,dns,robot-auth,image-pull,harbor,metrics,nodeconfig'], { reject: false, timeout: 240_000 });
    expect(r.exitCode, r.stderr).toBe(1); // the wrong secret is a finding
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.findings.map((f: { cause: string }) => f.cause)).toContain('auth.credentials-invalid');

    const needles = [planted, real, admin, registryPassword].flatMap((s) => [s, Buffer.from(s).toString('base64').replace(/=+$/, ''), Buffer.from(`robot$k8s-robot:${s}`).toString('base64').replace(/=+$/, ''), Buffer.from(`admin:${s}`).toString('base64').replace(/=+$/, '')]);
    const haystacks: [string, string][] = [['stdout', r.stdout], ['stderr', r.stderr]];
    const files = filesUnder(out);
    expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
    expect(files.some((f) => f.endsWith('-result.json'))).toBe(true);
    for (const f of files) if (statSync(f).size < 64 * 1024 * 1024) haystacks.push([f, readFileSync(f, 'latin1')]);
    for (const c of ['hd-harbor-core', 'hd-nginx', 'hd-registry', 'hd-dns']) {
      const logs = await execa('docker', ['logs', c], { reject: false, all: true });
      haystacks.push([`docker logs ${c}`, logs.all ?? '']);
    }
    const leaks = haystacks.flatMap(([where, text]) => needles.filter((n) => text.includes(n)).map(() => where));
    expect(leaks).toEqual([]);
  });

  /**
   * The cluster side: a pull secret with a planted password (wrong for the robot, so the
   * pull-secrets suite sends it to the token service and gets it rejected) sits in a namespace
   * with a pod on the hybrid node that fails to pull with it. Every suite (cluster suites
   * included: pull-secrets, imagepullbackoff, nodes, cluster-dns, pull-e2e, eks) and `diagnose`
   * (with and without a target, JSON and text) run; the planted password, the robot secret, the
   * admin password and the registry password appear in none of their outputs, report files or
   * the sandbox's logs.
   */
  it('cluster suites and diagnose with a planted pull-secret password leak nothing anywhere', async () => {
    expect(sb.cluster, 'the sandbox cluster is needed (HYBRID_DOCTOR_SANDBOX_CLUSTER=0 disables it)').toBeDefined();
    const cluster = sb.cluster!;
    const c = clients(cluster.kubeconfigPath, cluster.context);
    const ns = 'hd-secrets';
    const secretName = 'planted-pull';
    const pod = `planted-${Date.now().toString(36)}`;
    const planted = `PlantedPull-${Math.random().toString(36).slice(2)}-Pw`;
    const robotName = sb.harbor.robot.name;
    const real = readFileSync(sb.harbor.robot.secretFile, 'utf8').trim();
    const admin = readFileSync(sb.harbor.adminPasswordFile, 'utf8').trim();
    const registryPassword = readFileSync(sb.harbor.registryUser.passwordFile, 'utf8').trim();
    await ensureNamespace(c, ns);
    try {
      await applyPullSecret(c, { namespace: ns, name: secretName, username: robotName, password: planted });
      await c.core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: pod, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'hybrid-doctor-test' } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': HYBRID_NODE.name },
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            imagePullSecrets: [{ name: secretName }],
            containers: [{ name: 'main', image: SEEDED_IMAGE, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
          },
        },
      });
      // The kubelet's own symptom first, so diagnose has a stuck pod to explain (bounded).
      await pollUntil(`pod ${ns}/${pod} fails to pull with the planted secret`, async () => {
        const p = await c.core.readNamespacedPod({ name: pod, namespace: ns });
        const w = p.status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'ErrImagePull' || w?.reason === 'ImagePullBackOff' ? { done: true, value: w.reason } : { done: false, observed: `phase ${p.status?.phase}, waiting ${w?.reason ?? '-'}` };
      }, { timeoutMs: 120_000, intervalMs: 1000 });

      const dir = mkdtempSync(join(tmpdir(), 'hd-secrets-cluster-'));
      const out = join(dir, 'out');
      const run = await execa(process.execPath, [BIN, 'run', '--target', sb.targetFile, '--out', out], { reject: false, timeout: 900_000, cwd: dir });
      expect(run.exitCode, run.stderr).toBe(1); // the planted (wrong) pull-secret password is a finding
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { findings: { cause: string; subject: string }[] };
      // The planted password was read and used: the token service rejected it for this secret.
      expect(report.findings.filter((f) => f.cause === 'auth.credentials-invalid').map((f) => f.subject)).toContain(`${ns}/secret/${secretName}`);

      const haystacks: [string, string][] = [['run stdout', run.stdout], ['run stderr', run.stderr]];
      const files = filesUnder(out);
      expect(files.some((f) => f.endsWith('junit.xml'))).toBe(true);
      expect(files.some((f) => f.endsWith('-result.json'))).toBe(true);
      for (const f of files) if (statSync(f).size < 64 * 1024 * 1024) haystacks.push([f, readFileSync(f, 'latin1')]);

      const diagnoseRuns: [string, string[]][] = [
        ['diagnose --json --target', ['diagnose', '--json', '--target', sb.targetFile, '--namespace', ns]],
        ['diagnose --target', ['diagnose', '--target', sb.targetFile, '--namespace', ns]],
        ['diagnose --json (no target)', ['diagnose', '--json', '--kubeconfig', cluster.kubeconfigPath, '--context', cluster.context, '--namespace', ns]],
        ['diagnose (no target)', ['diagnose', '--kubeconfig', cluster.kubeconfigPath, '--context', cluster.context, '--all-namespaces']],
      ];
      for (const [what, args] of diagnoseRuns) {
        const r = await execa(process.execPath, [BIN, ...args], { reject: false, timeout: 600_000, cwd: dir });
        expect([0, 1], `${what}: ${r.stderr}`).toContain(r.exitCode);
        if (args.includes('--namespace')) expect(r.stdout, what).toContain(pod);
        haystacks.push([`${what} stdout`, r.stdout], [`${what} stderr`, r.stderr]);
      }
      for (const name of SANDBOX_CONTAINERS) {
        const logs = await execa('docker', ['logs', name], { reject: false, all: true });
        haystacks.push([`docker logs ${name}`, logs.all ?? '']);
      }
      const needles = [planted, real, admin, registryPassword].flatMap((s) => forms(s, [robotName, 'admin', 'robot']));
      expect(leaksIn(haystacks, needles)).toEqual([]);
    } finally {
      await c.core.deleteNamespace({ name: ns }).catch((err: unknown) => {
        if (statusCode(err) !== 404) throw err;
      });
    }
  });
});
