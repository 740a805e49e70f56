/**
 * hybrid-doctor inside the cluster (issue 12): its own image (fixtures/app-image.ts), loaded into
 * the sandbox nodes' containerd (no registry), installed with the Helm chart
 * (deploy/helm/hybrid-doctor) by a real helm, runs as a Job under the chart's read-only RBAC:
 * - `run` of the Harbor-facing suites from a pod on the hybrid node (the chart's ConfigMap target,
 *   the robot secret from a Secret, the CA from a ConfigMap) ends Complete with every check passed;
 * - `diagnose` over a namespace holding a pod with a missing tag names `image.not-found` with the
 *   service account's rights only;
 * - `run --suites nodes` with `probes.enabled` (a Role in the release namespace only, target
 *   probeNamespaceMode existing): the privileged node probe runs on the hybrid node from inside the
 *   cluster, every node check passes, and no probe pod or secret is left in the namespace.
 * Everything is removed again (helm uninstall, namespaces); the sandbox itself is shared.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { ensureAppImage } from '../../fixtures/app-image.ts';
import { applyPullSecret, clients, statusCode, type Clients } from '../../fixtures/cluster/kube.ts';
import { HARBOR_HOST, HYBRID_NODE, NODES, SEEDED_IMAGE } from '../../fixtures/cluster/topology.ts';
import { readSecret } from '../../fixtures/sandbox/harbor-side-config.ts';
import { pollUntil } from '../../fixtures/sandbox/poll.ts';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';

const NS = 'hd-incluster';
const BROKEN_NS = 'hd-incluster-broken';
const LABELS = { 'app.kubernetes.io/managed-by': 'hybrid-doctor-test' };
const CHART = new URL('../../deploy/helm/hybrid-doctor', import.meta.url).pathname;
const HELM = join(process.env.HYBRID_DOCTOR_CACHE ?? join(homedir(), '.cache', 'hybrid-doctor'), 'helm-v4.3.2', 'bin', 'helm');

let sb: Sandbox;
let c: Clients;
let batch: k8s.BatchV1Api;
let image: string;
const releases: string[] = [];

async function helm(args: string[]): Promise<string> {
  const r = await execa(HELM, [...args, '--kubeconfig', sb.cluster!.kubeconfigPath, '--kube-context', sb.cluster!.context], { reject: false, timeout: 120_000 });
  if (r.exitCode !== 0) throw new Error(`helm ${args[0]} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

async function ensureNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  try {
    await c.core.createNamespace({ body: { metadata: { name, labels: { ...LABELS, ...labels } } } });
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
  }
}

/** No registry: the image goes into each node's containerd (k8s.io namespace) as an archive. */
async function loadIntoNodes(tag: string): Promise<void> {
  for (const n of NODES) {
    const r = await execa('bash', ['-o', 'pipefail', '-c', `docker save ${tag} | docker exec -i ${n.name} ctr -n k8s.io images import -`], { reject: false, timeout: 300_000 });
    if (r.exitCode !== 0) throw new Error(`loading ${tag} into ${n.name}: ${r.stderr}`);
  }
}

/** Installs a release as a Job and waits (bounded) for it to finish; returns its pod's log and status. */
async function runJob(release: string, values: Record<string, unknown>): Promise<{ succeeded: boolean; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hd-incluster-'));
  writeFileSync(join(dir, 'values.yaml'), JSON.stringify(values));
  releases.push(release);
  await helm(['upgrade', '--install', release, CHART, '--namespace', NS, '-f', join(dir, 'values.yaml')]);
  const job = `${release}-hybrid-doctor-1`;
  const state = await pollUntil(`Job ${NS}/${job} finished`, async () => {
    const j = await batch.readNamespacedJob({ name: job, namespace: NS });
    if (j.status?.succeeded) return { done: true, value: true };
    if (j.status?.failed) return { done: true, value: false };
    const pods = await c.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${job}` });
    const w = pods.items[0]?.status?.containerStatuses?.[0]?.state?.waiting;
    return { done: false, observed: `active ${j.status?.active ?? 0}; pod ${pods.items[0]?.status?.phase ?? '-'} ${w?.reason ?? ''} ${w?.message ?? ''}`.trim() };
  }, { timeoutMs: 180_000, intervalMs: 1000 });
  const pod = (await c.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${job}` })).items[0]!;
  const log = await c.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: NS });
  return { succeeded: state, log: String(log) };
}

describe('hybrid-doctor in the cluster: image loaded into the nodes, Helm chart, Job', () => {
  beforeAll(async () => {
    sb = await ensureSandbox();
    if (!sb.cluster) throw new Error('the sandbox has no cluster (HYBRID_DOCTOR_SANDBOX_CLUSTER=0?)');
    c = clients(sb.cluster.kubeconfigPath, sb.cluster.context);
    batch = c.kc.makeApiClient(k8s.BatchV1Api);
    image = await ensureAppImage();
    await loadIntoNodes(image);
    // what the chart's probe mode asks of the operator: the node probe is privileged (hostPath, hostNetwork)
    await ensureNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'privileged' });
    await ensureNamespace(BROKEN_NS);
    // the robot secret and Harbor's CA, as an operator would create them (the chart only references them)
    const secret = await readSecret(sb.harbor.robot.secretFile);
    await c.core.deleteNamespacedSecret({ name: 'hd-robot', namespace: NS }).catch(() => {});
    await c.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'hd-robot', labels: LABELS }, stringData: { secret } } });
    await c.core.deleteNamespacedConfigMap({ name: 'hd-harbor-ca', namespace: NS }).catch(() => {});
    await c.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'hd-harbor-ca', labels: LABELS }, data: { 'ca.crt': await readSecret(sb.harbor.caPath) } } });
    // a pod that cannot start: its tag does not exist in Harbor
    await applyPullSecret(c, { namespace: BROKEN_NS, username: sb.harbor.robot.name, password: secret });
    await c.core.createNamespacedPod({
      namespace: BROKEN_NS,
      body: { metadata: { name: 'web-0', labels: LABELS }, spec: { imagePullSecrets: [{ name: 'harbor-registry' }], nodeSelector: { 'kubernetes.io/hostname': HYBRID_NODE.name }, containers: [{ name: 'web', image: `${HARBOR_HOST}/library/busybox:9.99` }] } },
    }).catch((err) => (statusCode(err) === 409 ? undefined : Promise.reject(err)));
  }, 900_000);

  afterAll(async () => {
    if (!c) return;
    for (const r of releases) await helm(['uninstall', r, '--namespace', NS, '--wait']).catch(() => {});
    for (const ns of [NS, BROKEN_NS]) await c.core.deleteNamespace({ name: ns, gracePeriodSeconds: 0 }).catch(() => {});
  });

  const common = () => {
    const [repository, tag] = image.split(':') as [string, string];
    return {
      image: { repository, tag, pullPolicy: 'Never' },
      nodeSelector: { 'kubernetes.io/hostname': HYBRID_NODE.name },
      secrets: { robot: { name: sb.harbor.robot.name, existingSecret: 'hd-robot', key: 'secret' }, caBundle: { existingConfigMap: 'hd-harbor-ca', key: 'ca.crt' } },
    };
  };

  it('a `run` Job of the Harbor-facing suites completes with every check passed', async () => {
    const { succeeded, log } = await runJob('hd-run', {
      ...common(),
      command: 'run',
      args: ['--suites', 'tls,robot-auth,image-pull'],
      target: { harbor: { url: `https://${HARBOR_HOST}` }, images: [{ ref: SEEDED_IMAGE }] },
    });
    expect(log).toMatch(/passed/);
    expect(log, 'no check may fail or stay unchecked in cluster').not.toMatch(/\b[1-9]\d* (failed|errored)\b/);
    expect(succeeded, log.slice(-2000)).toBe(true);
  }, 400_000);

  it('a `run --suites nodes` Job in probe mode (namespaced Role only) passes the node checks on the hybrid node and leaves no probe pods or secrets', async () => {
    const { succeeded, log } = await runJob('hd-probes', {
      ...common(),
      command: 'run',
      args: ['--suites', 'nodes'],
      probes: { enabled: true },
      target: { harbor: { url: `https://${HARBOR_HOST}` }, images: [{ ref: SEEDED_IMAGE }] },
    });
    // the service account's rights: the read ClusterRole, plus the probe Role in NS only (nothing on namespaces)
    const roles = await c.kc.makeApiClient(k8s.RbacAuthorizationV1Api).listNamespacedRole({ namespace: NS, labelSelector: 'app.kubernetes.io/instance=hd-probes' });
    expect(roles.items.map((r) => r.rules?.flatMap((x) => x.resources ?? []))).toEqual([['pods', 'pods/log', 'secrets', 'events']]);
    expect(log, log.slice(-3000)).toMatch(/\b[1-9]\d* passed, 0 failed, 0 not checked, 0 errored/);
    expect(succeeded, log.slice(-2000)).toBe(true);
    // the probes really ran in NS (their events outlive them), on the hybrid node, and are gone
    // (probe pods are bound by nodeName: the kubelet's events say where they ran)
    const events = (await c.core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.involvedObject.kind === 'Pod' && /^node-(pull|files)-\d+-[0-9a-f]{12}$/.test(e.involvedObject.name ?? '') && e.reason === 'Started');
    expect(events.map((e) => e.source?.host), 'probe pods started in the release namespace on the hybrid node').toContain(HYBRID_NODE.name);
    const ours = { namespace: NS, labelSelector: 'app.kubernetes.io/managed-by=hybrid-doctor' };
    expect((await c.core.listNamespacedPod(ours)).items.map((p) => p.metadata!.name)).toEqual([]);
    expect((await c.core.listNamespacedSecret(ours)).items.map((p) => p.metadata!.name)).toEqual([]);
    expect((await c.core.readNamespace({ name: NS })).status?.phase).toBe('Active');
  }, 400_000);

  it('a `diagnose` Job names the root cause of a broken pod with the read-only service account', async () => {
    const { log } = await runJob('hd-diag', { ...common(), command: 'diagnose', args: ['--namespace', BROKEN_NS, '--json'] });
    const json = JSON.parse(log.slice(log.indexOf('{'))) as { pods: { pod: string; cause: string }[] };
    const web = json.pods.find((p) => p.pod.endsWith('web-0'));
    expect(web?.cause, log.slice(0, 2000)).toBe('image.not-found');
  }, 400_000);
});
