/**
 * The kind path (issue 11), proven here: the sandbox cluster created by the kind CLI from the
 * locally built node image (docker/kind/build.sh), the same suites run green on it, and a
 * representative part of the cluster fault matrix (cluster-scenarios.ts) gets the same causes as
 * on the source-built provider. Then `sandbox down` leaves no kind container, volume or network.
 *
 * Which faults and why (one per way the kind wiring could differ from the source provider's;
 * the whole matrix on both providers would not fit CI's 90 minutes):
 * - node-ca-removed: the node's registry trust, through the certs.d bind mount of the kind worker;
 * - dns-split-view: the node's own resolver, through the resolv.conf bind mount;
 * - coredns-hosts-removed: the guide's Corefile on kubeadm's CoreDNS deployment;
 * - wrong-robot-secret: kubelet's pull credentials through the worker's hd-onprem attachment;
 * - tag-missing: registry content as containerd 1.6 in the kind node reports it.
 * Left to the source provider: guide-nodeconfig (re-renders containerd/kubelet files and restarts
 * them with the source node's hd-restart; a kind node runs systemd units configured by kind) and
 * the Harbor-side faults (TLS, policy, platform: nothing provider-specific on the node side).
 *
 * The sandbox is shared with the other proof files: this file replaces whatever cluster is up by
 * the kind one and removes it at the end (the next file's ensureSandbox starts the source one again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type * as k8s from '@kubernetes/client-node';
import * as hooks from '../../fixtures/cluster/hooks.ts';
import { stopCluster } from '../../fixtures/cluster/index.ts';
import { KIND_CLUSTER } from '../../fixtures/cluster/kind-provider.ts';
import { clients, guideCorefile, statusCode, type Clients } from '../../fixtures/cluster/kube.ts';
import { DEMO_NAMESPACE, HARBOR_HOST, HYBRID_NODE, nodeDir, PULL_SECRET_NAME, SEEDED_IMAGE } from '../../fixtures/cluster/topology.ts';
import { docker, dexec } from '../../fixtures/cluster/docker-cli.ts';
import { pollUntil } from '../../fixtures/sandbox/poll.ts';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';
import type { CauseId } from '../../helpers/findings/cause-ids.ts';
import type { Finding } from '../../helpers/findings/finding.ts';
import { runSuites, type RunReport } from '../../helpers/runner/run-suites.ts';
import { loadTarget } from '../../helpers/target/load.ts';
import { CLUSTER_SCENARIOS, type ClusterScenarioId } from './cluster-scenarios.ts';

const FAULT_NS = 'hd-kind-faults';
const PROBE_NS = 'hd-kind-probes';
const NS_LABELS = { 'app.kubernetes.io/managed-by': 'hybrid-doctor-test' };
const HYBRID = HYBRID_NODE.name;
const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);
const KIND_FAULTS: ClusterScenarioId[] = ['node-ca-removed', 'dns-split-view', 'coredns-hosts-removed', 'wrong-robot-secret', 'tag-missing'];

let sb: Sandbox;
let c: Clients;
let previousProvider: string | undefined;
const rows: string[] = [];

const describeF = (f: Finding) => `${f.check} → ${f.cause} [${f.severity}] ${f.subject}: ${f.message.slice(0, 240)}`;
let seq = 0;
const podName = (id: string) => `kf-${id}-${Date.now().toString(36)}${seq++}`.slice(0, 63);

function podBody(name: string, w: { image?: string; pullSecret?: string | null }): k8s.V1Pod {
  return {
    metadata: { name, namespace: FAULT_NS, labels: NS_LABELS },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': HYBRID },
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      ...(w.pullSecret === null ? {} : { imagePullSecrets: [{ name: w.pullSecret ?? PULL_SECRET_NAME }] }),
      containers: [{ name: 'main', image: w.image ?? SEEDED_IMAGE, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
    },
  };
}

async function deletePods(names: string[]): Promise<void> {
  for (const name of names) await c.core.deleteNamespacedPod({ name, namespace: FAULT_NS, gracePeriodSeconds: 0 }).catch(() => {});
  await pollUntil(`pods ${names.join(', ')} gone`, async () => {
    const left = (await c.core.listNamespacedPod({ namespace: FAULT_NS })).items.map((p) => p.metadata?.name ?? '').filter((n) => names.includes(n));
    return left.length ? { done: false, observed: left.join(', ') } : { done: true, value: true };
  }, { timeoutMs: 60_000, intervalMs: 500 });
}

/** A fresh pod on the hybrid node until the kubelet shows a pull symptom (a pod that runs hit the node before the fault took effect). */
async function podSymptom(id: string, want: { image?: string }, created: string[]): Promise<string> {
  let name = podName(id);
  created.push(name);
  await c.core.createNamespacedPod({ namespace: FAULT_NS, body: podBody(name, want) });
  return pollUntil(`pod <${id}> in a pull error`, async () => {
    const p = await c.core.readNamespacedPod({ name, namespace: FAULT_NS });
    const s = p.status?.containerStatuses?.[0];
    if (s?.state?.waiting?.reason && PULL_REASONS.has(s.state.waiting.reason)) return { done: true, value: name };
    if (s?.state?.running) {
      await c.core.deleteNamespacedPod({ name, namespace: FAULT_NS, gracePeriodSeconds: 0 }).catch(() => {});
      name = podName(id);
      created.push(name);
      await c.core.createNamespacedPod({ namespace: FAULT_NS, body: podBody(name, want) });
      return { done: false, observed: 'ran before the fault took effect; new pod' };
    }
    return { done: false, observed: `${p.status?.phase} ${s?.state?.waiting?.reason ?? ''} ${s?.state?.waiting?.message ?? ''}` };
  }, { timeoutMs: 90_000, intervalMs: 500 });
}

/** The hybrid node pulls the seeded image with the pull secret (≤ 90 s). */
async function waitPulls(what: string): Promise<void> {
  const name = podName('healthy');
  await c.core.createNamespacedPod({ namespace: FAULT_NS, body: podBody(name, {}) });
  try {
    await pollUntil(`a fresh pod on ${HYBRID} runs ${SEEDED_IMAGE} ${what}`, async () => {
      const p = await c.core.readNamespacedPod({ name, namespace: FAULT_NS });
      const s = p.status?.containerStatuses?.[0];
      return s?.state?.running ? { done: true, value: true } : { done: false, observed: `${p.status?.phase} ${s?.state?.waiting?.reason ?? ''} ${s?.state?.waiting?.message ?? ''}` };
    }, { timeoutMs: 90_000, intervalMs: 500 });
  } finally {
    await deletePods([name]);
  }
}

async function applyScenario(id: ClusterScenarioId): Promise<{ undo(): Promise<void>; pod?: { image?: string } }> {
  const state = sb.harbor.stateDir;
  switch (id) {
    case 'node-ca-removed':
      return hooks.removeNodeCa(HYBRID, state);
    case 'dns-split-view':
      return hooks.setResolvConf(HYBRID, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n', state);
    case 'coredns-hosts-removed':
      return hooks.setCorednsCorefile(guideCorefile({ hostsEntry: false }), { state });
    case 'wrong-robot-secret':
      return hooks.setPullSecret({ namespace: FAULT_NS, username: sb.harbor.robot.name, password: 'wrong-robot-secret-for-the-kind-matrix', state });
    case 'tag-missing':
      return { undo: async () => {}, pod: { image: `${HARBOR_HOST}/library/busybox:9.99` } };
    default:
      throw new Error(`${id} is not part of the kind subset`);
  }
}

async function scenarioTarget(id: string): Promise<string> {
  const doc = parse(await readFile(sb.targetFile, 'utf8')) as Record<string, any>;
  doc.name = `sandbox kind cluster ${id}`;
  doc.kubernetes = { ...doc.kubernetes, namespaces: [FAULT_NS, DEMO_NAMESPACE], probeNamespace: PROBE_NS };
  const file = join(dirname(sb.targetFile), 'target.kind.yaml');
  await writeFile(file, stringify(doc));
  return file;
}

function podCause(run: RunReport, pod: string): CauseId[] {
  const id = `${FAULT_NS}/${pod}`;
  return run.findings.filter((f) => f.check === 'imagepullbackoff/pods-image-pull' && (f.subject === id || f.subject.startsWith(`${id} `) || ((f.evidence.pods as string[] | undefined) ?? []).includes(id))).map((f) => f.cause);
}

describe('kind provider: the sandbox cluster from the locally built kind node image', () => {
  let volumes: string[] = [];

  beforeAll(async () => {
    previousProvider = process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER;
    await stopCluster();
    process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER = 'kind';
    const t0 = performance.now();
    sb = await ensureSandbox({ log: (m) => process.stderr.write(`[kind] ${m}\n`) });
    rows.push(`kind cluster up (Harbor side reused): ${((performance.now() - t0) / 1000).toFixed(1)} s; phases ${JSON.stringify(sb.cluster?.timings ?? {})}`);
    if (!sb.cluster) throw new Error('no cluster (HYBRID_DOCTOR_SANDBOX_CLUSTER=0?)');
    c = clients(sb.cluster.kubeconfigPath, sb.cluster.context);
    await c.core.createNamespace({ body: { metadata: { name: FAULT_NS, labels: NS_LABELS } } }).catch((e) => (statusCode(e) === 409 ? undefined : Promise.reject(e)));
    const demo = await c.core.readNamespacedSecret({ name: PULL_SECRET_NAME, namespace: DEMO_NAMESPACE });
    await c.core.createNamespacedSecret({ namespace: FAULT_NS, body: { metadata: { name: PULL_SECRET_NAME, namespace: FAULT_NS, labels: NS_LABELS }, type: demo.type ?? 'kubernetes.io/dockerconfigjson', data: demo.data ?? {} } });
  });

  afterAll(async () => {
    console.log(`\nkind provider:\n  ${rows.join('\n  ')}`);
    await stopCluster();
    if (previousProvider === undefined) delete process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER;
    else process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER = previousProvider;
  });

  it('is kind: kind containers, the local node image, the sandbox node names, labels and networks', async () => {
    expect(sb.cluster!.provider).toBe('kind');
    const ps = await docker(['ps', '--filter', `label=io.x-k8s.kind.cluster=${KIND_CLUSTER}`, '--format', '{{.Names}} {{.Image}}']);
    const containers = ps.stdout.split('\n').filter(Boolean).sort();
    expect(containers.map((l) => l.split(' ')[0])).toEqual([`${KIND_CLUSTER}-control-plane`, `${KIND_CLUSTER}-worker`, `${KIND_CLUSTER}-worker2`]);
    for (const l of containers) expect(l.split(' ')[1]).toMatch(/^hybrid-doctor\/kind-node:v1\.33\.13-[0-9a-f]{16}$/);
    for (const l of containers) {
      const name = l.split(' ')[0]!;
      const v = await docker(['inspect', '--format', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', name]);
      volumes.push(...v.stdout.split(' ').filter(Boolean));
    }
    const nodes = (await c.core.listNode()).items;
    const byName = Object.fromEntries(nodes.map((n) => [n.metadata!.name!, n]));
    expect(Object.keys(byName).sort()).toEqual(['hd-node-cloud', 'hd-node-hybrid', `${KIND_CLUSTER}-control-plane`]);
    // a hybrid node's InternalIP is in the remote node network (the EKS suite checks it)
    const internal = (n: string) => byName[n]!.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    expect([internal('hd-node-hybrid'), internal('hd-node-cloud')]).toEqual(['172.29.10.21', '172.29.20.21']);
    expect(byName['hd-node-hybrid']!.metadata!.labels).toMatchObject({ 'eks.amazonaws.com/compute-type': 'hybrid', 'node-type': 'hybrid', registry: 'harbor' });
    expect(byName['hd-node-cloud']!.metadata!.labels?.['eks.amazonaws.com/compute-type']).toBeUndefined();
    for (const n of nodes) expect(n.status?.nodeInfo?.kubeletVersion).toBe('v1.33.13');
    expect(nodes.every((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))).toBe(true);
    const nets = async (n: string) => (await docker(['inspect', '--format', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}', n])).stdout.trim().split(' ').sort();
    expect(await nets(`${KIND_CLUSTER}-worker`)).toEqual(['hd-onprem=172.29.10.21', expect.stringMatching(/^kind=/)]);
    expect(await nets(`${KIND_CLUSTER}-worker2`)).toEqual(['hd-cloud=172.29.20.21', expect.stringMatching(/^kind=/)]);
    // nodeadm's registry layout inside the hybrid worker, from <state>/nodes/hd-node-hybrid
    const hostsToml = await dexec(`${KIND_CLUSTER}-worker`, ['cat', `/etc/containerd/certs.d/${HARBOR_HOST}/hosts.toml`]);
    expect(hostsToml.stdout).toBe(await readFile(join(nodeDir(HYBRID, sb.harbor.stateDir), 'containerd', 'certs.d', HARBOR_HOST, 'hosts.toml'), 'utf8').then((s) => s.replace(/\n$/, '')));
    expect((await dexec(`${KIND_CLUSTER}-worker`, ['cat', '/etc/resolv.conf'])).stdout).toContain('nameserver 172.29.10.53');
    const cfg = await dexec(`${KIND_CLUSTER}-worker`, ['cat', '/etc/containerd/config.toml']);
    expect(cfg.stdout).toMatch(/config_path = "\/etc\/containerd\/certs\.d:\/etc\/docker\/certs\.d"/);
  });

  it('the suites run green on it', async () => {
    const t0 = performance.now();
    const run = await runSuites(loadTarget(await scenarioTarget('healthy')));
    rows.push(`suites (healthy): ${run.checks.length} checks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(run.checks.filter((x) => x.status === 'errored').map((x) => `${x.suite}/${x.id}: ${x.reason}`)).toEqual([]);
    expect(run.findings.filter((f) => f.severity !== 'info').map(describeF)).toEqual([]);
    expect(run.checks.filter((x) => x.status === 'passed').length).toBeGreaterThan(20);
  });

  it.each(CLUSTER_SCENARIOS.filter((s) => KIND_FAULTS.includes(s.id)))('fault $id → $pod ($owner)', async (s) => {
    const ownerCause = s.ownerCause ?? s.pod!;
    const created: string[] = [];
    await waitPulls(`before ${s.id}`);
    const applied = await applyScenario(s.id);
    const t0 = performance.now();
    try {
      const pod = s.pod ? await podSymptom(s.id, applied.pod ?? {}, created) : undefined;
      const run = await runSuites(loadTarget(await scenarioTarget(s.id)));
      const owned = [...new Set(run.findings.filter((f) => f.check?.startsWith(`${s.owner}/`)).map((f) => f.cause))];
      rows.push(`${s.id.padEnd(22)} pod: ${pod ? podCause(run, pod).join(',') || '(none)' : '-'}; ${s.owner}: ${owned.join(',')}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      expect(run.checks.filter((x) => x.status === 'errored').map((x) => `${x.suite}/${x.id}: ${x.reason}`)).toEqual([]);
      if (pod) expect(podCause(run, pod)).toEqual([s.pod]);
      expect(owned).toContain(ownerCause);
      const ok = new Set<CauseId>([ownerCause, ...(s.pod ? [s.pod] : []), ...(s.symptom ? [s.symptom] : []), ...(s.allowed ?? [])]);
      expect(run.findings.filter((f) => f.severity !== 'info' && !ok.has(f.cause)).map(describeF)).toEqual([]);
    } finally {
      if (created.length) await deletePods(created);
      await applied.undo();
      await waitPulls(`after reverting ${s.id}`);
    }
  });

  it('sandbox down deletes the kind cluster and leaves nothing (containers, volumes, networks)', async () => {
    const t0 = performance.now();
    await stopCluster();
    rows.push(`kind down: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const left = await docker(['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${KIND_CLUSTER}`, '--format', '{{.Names}}']);
    expect(left.stdout.trim()).toBe('');
    expect((await docker(['ps', '-a', '--filter', 'name=^hd-router$', '--format', '{{.Names}}'])).stdout.trim()).toBe('');
    expect(volumes.length).toBe(3);
    for (const v of volumes) expect((await docker(['volume', 'inspect', v], { reject: false })).exitCode, `volume ${v}`).not.toBe(0);
    expect((await docker(['network', 'inspect', 'kind'], { reject: false })).exitCode).not.toBe(0);
  });
});
