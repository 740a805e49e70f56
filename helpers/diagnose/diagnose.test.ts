import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../fixtures/kube/apiserver-only.ts';
import { createCoreEvent, createEventsV1, createNode, createPod, createSecret, createServiceAccount, dockerConfigJson, ensureNamespace, type ContainerDef, type EventSpec } from '../../fixtures/kube/seed.ts';
import { UsageError } from '../errors.ts';
import type { CauseId } from '../findings/cause-ids.ts';
import { finding } from '../findings/make-finding.ts';
import type { KubeClient } from '../kube/client.ts';
import { diagnose, type DiagnoseProgress } from './diagnose.ts';

/** Real kubelet/containerd texts (../shared/vectors); the index is the vector's position. */
const VECTORS = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../shared/vectors/pull-error-messages.json'), 'utf8')) as { text: string; expect: string[] }[];
const v = (i: number): string => VECTORS[i]!.text;
const H = 'harbor.sandbox.test';
const IMG = `${H}/library/busybox:1.36`;
/** containerd 1.6 wording observed against the sandbox registry (docs environment.md), wrapped as the kubelet does. */
const harbor401 = `Failed to pull image "${IMG}": failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": pulling from host ${H} failed with status code [manifests 1.36]: 401 Unauthorized`;
const harborX509 = `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: Head "https://${H}/v2/library/busybox/manifests/1.36": x509: certificate signed by unknown authority`;

interface Scenario {
  name: string;
  node?: string;
  containers: ContainerDef[];
  pullSecrets?: string[];
  core?: EventSpec[];
  v1?: EventSpec[];
  expect: CauseId | null;
  symptom?: CauseId;
}

const NS = 'diag';
const scenarios: Scenario[] = [
  {
    name: 'secret-missing-401',
    node: 'cloud-1',
    pullSecrets: ['harbor-registry'],
    containers: [{ name: 'app', image: IMG, waiting: { reason: 'ErrImagePull', message: harbor401 } }],
    core: [{ reason: 'FailedToRetrieveImagePullSecret', message: 'Unable to retrieve some image pull secrets (harbor-registry); attempting to pull the image may not succeed.', count: 4 }],
    expect: 'auth.pull-secret-missing',
    symptom: 'auth.credentials-invalid',
  },
  {
    name: 'robot-mangled-backoff',
    node: 'cloud-1',
    pullSecrets: ['good-secret'],
    containers: [{ name: 'app', image: IMG, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } }],
    core: [
      { reason: 'BackOff', message: `Back-off pulling image "${IMG}"`, count: 12, type: 'Normal' },
      { reason: 'Failed', message: 'Error: ImagePullBackOff', count: 12 },
      { reason: 'Failed', message: harbor401, count: 5, agoSeconds: 30 },
    ],
    expect: 'auth.robot-name-mangled',
    symptom: 'auth.credentials-invalid',
  },
  {
    name: 'x509-hybrid-ca-missing',
    node: 'hybrid-1',
    containers: [{ name: 'app', image: IMG, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } }],
    core: [{ reason: 'Failed', message: harborX509, count: 7 }],
    expect: 'node.ca-not-installed',
    symptom: 'tls.untrusted-ca',
  },
  {
    name: 'x509-cloud-no-node-fact',
    node: 'cloud-1',
    containers: [{ name: 'app', image: 'registry.k8s.io/coredns/coredns:v1.11.1', waiting: { reason: 'ErrImagePull', message: v(9) } }],
    expect: 'tls.untrusted-ca',
  },
  {
    name: 'not-found-events-v1-series',
    node: 'cloud-1',
    containers: [{ name: 'app', image: 'docker.io/bitnami/jenkins:2.516.2-debian-12-r0', waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "docker.io/bitnami/jenkins:2.516.2-debian-12-r0"' } }],
    v1: [{ reason: 'Failed', message: v(6), count: 3 }],
    expect: 'image.not-found',
  },
  {
    name: 'init-invalid-name',
    node: 'hybrid-1',
    containers: [
      { name: 'setup', init: true, image: 'None:None', waiting: { reason: 'InvalidImageName', message: v(24) } },
      { name: 'app', image: IMG, waiting: { reason: 'PodInitializing' } },
    ],
    expect: 'image.invalid-reference',
  },
  {
    name: 'never-pull',
    node: 'hybrid-1',
    containers: [{ name: 'app', image: 'error_pages:local', pullPolicy: 'Never', waiting: { reason: 'ErrImageNeverPull', message: v(36) } }],
    expect: 'image.pull-never',
  },
  {
    name: 'vulnerability-policy',
    node: 'hybrid-1',
    containers: [{ name: 'app', image: `${H}/secure/vulnerable:1.0`, waiting: { reason: 'ErrImagePull', message: v(28) } }],
    expect: 'image.policy-vulnerability',
  },
  {
    name: 'sandbox-pause',
    node: 'hybrid-1',
    containers: [{ name: 'app', image: IMG, waiting: { reason: 'ContainerCreating' } }],
    core: [{ reason: 'FailedCreatePodSandBox', message: v(46), count: 9 }],
    expect: 'node.sandbox-image-unpullable',
  },
  {
    name: 'backoff-without-events',
    node: 'cloud-1',
    containers: [{ name: 'app', image: IMG, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } }],
    expect: 'image.unknown',
  },
  {
    name: 'backoff-without-events-2',
    node: 'cloud-1',
    containers: [{ name: 'app', image: IMG, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } }],
    expect: 'image.unknown',
  },
  {
    name: 'leaky-message',
    node: 'cloud-1',
    // A secret that exists and serves the registry with a well-formed robot name: the cluster adds nothing.
    pullSecrets: ['good-secret'],
    containers: [{ name: 'app', image: IMG, waiting: { reason: 'ErrImagePull', message: `${harbor401} (request had Authorization: Basic ${Buffer.from('robot$k8s-robot:planted-secret-9f3a').toString('base64')})` } }],
    // 401 on the registry whose robot name robot-auth found mangled (registry-wide prior).
    expect: 'auth.robot-name-mangled',
  },
  {
    name: 'healthy',
    node: 'cloud-1',
    containers: [{ name: 'app', image: IMG }],
    expect: null,
  },
];

describe('diagnose against a real kube-apiserver', () => {
  let api: ApiServer;
  let kube: KubeClient;
  const priorFindings = [
    finding('auth.robot-name-mangled', { subject: 'robot$k8s-robot', params: { robot: 'robot', expected: 'robot$k8s-robot', host: H } }),
    finding('node.ca-not-installed', { subject: 'node/hybrid-1', params: { node: 'hybrid-1', host: H, path: `/etc/containerd/certs.d/${H}/ca.crt` } }),
  ];

  beforeAll(async () => {
    api = await startApiServer();
    kube = api.client();
    await createNode(kube, { name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' }, internalIP: '172.29.10.20' });
    await createNode(kube, { name: 'cloud-1', internalIP: '172.29.20.20' });
    await ensureNamespace(kube, NS);
    await ensureNamespace(kube, 'other');
    await createSecret(kube, NS, 'good-secret', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ [H]: { username: 'robot$k8s-robot', password: 'a-password-for-tests' } }));
    for (const s of scenarios) {
      const pod = await createPod(kube, { namespace: NS, name: s.name, ...(s.node ? { node: s.node } : {}), containers: s.containers, ...(s.pullSecrets ? { pullSecrets: s.pullSecrets } : {}) });
      for (const e of s.core ?? []) await createCoreEvent(kube, pod, e);
      for (const e of s.v1 ?? []) await createEventsV1(kube, pod, e);
    }
    // A failing pod in another namespace: seen with --all-namespaces only.
    await createPod(kube, { namespace: 'other', name: 'elsewhere', node: 'cloud-1', containers: [{ name: 'app', image: 'error_pages:local', waiting: { reason: 'ErrImageNeverPull', message: v(36) } }] });
    // A probe pod of a concurrent hybrid-doctor run, stuck pulling: ours, not the user's workload.
    await createPod(kube, { namespace: 'other', name: 'probe-of-another-run', node: 'hybrid-1', labels: { 'app.kubernetes.io/managed-by': 'hybrid-doctor' }, containers: [{ name: 'probe', image: IMG, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}"` } }] });
  }, 120_000);

  it("leaves hybrid-doctor's own probe pods out of a namespace listing, but diagnoses one asked for by name", async () => {
    const all = await diagnose({ kube, allNamespaces: true, priorFindings });
    expect(all.pods.map((p) => p.pod)).not.toContain('probe-of-another-run');
    expect(all.pods.map((p) => p.pod)).toContain('elsewhere');
    const named = await diagnose({ kube, namespace: 'other', pod: 'probe-of-another-run', priorFindings });
    expect(named.pods.map((p) => p.pod)).toEqual(['probe-of-another-run']);
  });

  afterAll(async () => {
    await kube?.close();
    await api?.stop();
  });

  it.each(scenarios)('$name → $expect', async (s) => {
    const report = await diagnose({ kube, namespace: NS, priorFindings, signal: AbortSignal.timeout(20_000) });
    const pod = report.pods.find((p) => p.pod === s.name);
    if (s.expect === null) {
      expect(pod).toBeUndefined();
      return;
    }
    expect(pod, `pod ${s.name} diagnosed`).toBeDefined();
    expect(pod!.cause).toBe(s.expect);
    if (s.symptom) expect(pod!.symptom).toBe(s.symptom);
    expect(pod!.remediation.summary.length).toBeGreaterThan(0);
  });

  it('reports init containers, node type and correlation evidence', async () => {
    const r = await diagnose({ kube, namespace: NS, priorFindings });
    const init = r.pods.find((p) => p.pod === 'init-invalid-name')!;
    expect(init.containers).toEqual([expect.objectContaining({ name: 'setup', init: true, reason: 'InvalidImageName' })]);
    expect(init.nodeType).toBe('hybrid');
    const ca = r.pods.find((p) => p.pod === 'x509-hybrid-ca-missing')!;
    expect(ca.correlation).toMatchObject({ rule: 'node-ca-missing', prior: 'node.ca-not-installed' });
    expect(ca.evidence.message).toContain('x509: certificate signed by unknown authority');
    expect(ca.evidence.events[0]).toMatchObject({ reason: 'Failed', count: 7 });
    const series = r.pods.find((p) => p.pod === 'not-found-events-v1-series')!;
    expect(series.evidence.events[0]).toMatchObject({ count: 3 });
  });

  it('read-only, served chain verified: unknown authority is read as the node side, with the probe that decides; node warnings below', async () => {
    const warn = finding('node.insecure-skip-verify', { subject: 'node/hybrid-1', params: { node: 'hybrid-1', host: 'other.registry.test' } });
    const r = await diagnose({ kube, namespace: NS, pod: 'x509-hybrid-ca-missing', priorFindings: [warn], verifiedHosts: [H], readOnly: true });
    const p = r.pods[0]!;
    expect(p.cause).toBe('tls.untrusted-ca');
    expect(p.reading).toMatch(/verifies with the target's CA bundle .*this node's trust is what fails.*re-run without --read-only.*nodes\/node-probe/);
    expect(p.nodeWarnings).toEqual([expect.objectContaining({ cause: 'node.insecure-skip-verify', subject: 'node/hybrid-1' })]);
    // Without the verified chain, nothing is claimed about the node side.
    const plain = await diagnose({ kube, namespace: NS, pod: 'x509-hybrid-ca-missing', priorFindings: [warn] });
    expect(plain.pods[0]!.reading).toBeUndefined();
    // No fact decided it: the classifier's other candidates and what tells them apart are shown.
    expect(plain.pods[0]!.alternatives?.causes).toEqual(expect.arrayContaining(['node.ca-not-installed', 'tls.chain-incomplete']));
    // A correlation decided it: no alternatives.
    const decided = await diagnose({ kube, namespace: NS, pod: 'x509-hybrid-ca-missing', priorFindings });
    expect(decided.pods[0]!.alternatives).toBeUndefined();
  });

  it('groups pods by cause, node, node type and namespace, one finding per cause and namespace', async () => {
    const r = await diagnose({ kube, allNamespaces: true, priorFindings });
    const never = r.groups.find((g) => g.cause === 'image.pull-never')!;
    expect(never.count).toBe(2);
    expect(never.namespaces.sort()).toEqual([NS, 'other']);
    expect(never.nodeTypes.sort()).toEqual(['cloud', 'hybrid']);
    expect(r.byNodeType.hybrid['node.ca-not-installed']).toBe(1);
    expect(r.byNode['cloud-1']?.['tls.untrusted-ca']).toBe(1);
    expect(r.byNamespace.other).toEqual({ 'image.pull-never': 1 });
    const keys = r.findings.map((f) => `${f.cause}/${f.params.namespace}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(r.findings.find((f) => f.cause === 'auth.pull-secret-missing')?.subject).toBe(`${NS}/secret-missing-401`);
    expect(r.stats.eventsKept).toBeGreaterThan(0);
  });

  it('reports progress per listed object (last report = the final counts) and once before analysing', async () => {
    const seen: DiagnoseProgress[] = [];
    const r = await diagnose({ kube, allNamespaces: true, priorFindings, pageSize: 2, onProgress: (p) => seen.push(p) });
    const listing = seen.filter((p) => p.phase === 'listing');
    expect(listing.at(-1)).toEqual({ phase: 'listing', pods: r.stats.podsScanned, events: r.stats.eventsScanned, nodes: 2 });
    expect(listing).toHaveLength(r.stats.podsScanned + r.stats.eventsScanned + 2);
    expect(seen.at(-1)).toEqual({ phase: 'analysing', pods: expect.any(Number) });
    expect((seen.at(-1) as { pods: number }).pods).toBeGreaterThanOrEqual(r.pods.length);
  });

  it('the CLI shows progress on stderr and keeps stdout pure JSON with --json', async () => {
    const bin = resolve(import.meta.dirname, '../../bin/hybrid-doctor.mjs');
    const r = await execa(process.execPath, [bin, 'diagnose', '--kubeconfig', api.kubeconfigPath, '-A', '--json'], { reject: false, timeout: 60_000, stdin: 'ignore', env: { NO_COLOR: '1' } });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).pods.length).toBeGreaterThan(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toBe('hybrid-doctor: listing pods and events…');
    expect(lines[1]).toMatch(/^hybrid-doctor: listed \d+ pods, \d+ events, 2 nodes$/);
    expect(lines[2]).toMatch(/^hybrid-doctor: analysing \d+ pods?…$/);
    expect(lines).toHaveLength(3);
  });

  it('never reports a credential that leaked into an event or status message', async () => {
    const r = await diagnose({ kube, namespace: NS, priorFindings });
    const all = JSON.stringify(r);
    expect(all).not.toContain(Buffer.from('robot$k8s-robot:planted-secret-9f3a').toString('base64'));
    expect(r.pods.find((p) => p.pod === 'leaky-message')!.evidence.message).toContain('«redacted»');
  });

  it('a correlated pod finding renders with the real values of the finding it points to, no filler', async () => {
    const r = await diagnose({ kube, namespace: NS, priorFindings });
    const ca = r.findings.find((f) => f.cause === 'node.ca-not-installed')!;
    expect(ca.message).toBe(`Node hybrid-1 has no CA for ${H} at /etc/containerd/certs.d/${H}/ca.crt`);
    expect(ca.params).toMatchObject({ namespace: NS, pod: 'x509-hybrid-ca-missing', node: 'hybrid-1', image: IMG, path: `/etc/containerd/certs.d/${H}/ca.crt` });
    const missing = r.findings.find((f) => f.cause === 'auth.pull-secret-missing')!;
    expect(missing.message).toContain(`Pod ${NS}/secret-missing-401 references pull secret harbor-registry, which does not exist in namespace ${NS}`);
    expect(missing.remediation.steps.join('\n')).toContain(`kubectl -n ${NS} get secret harbor-registry`);
    const mangled = r.findings.find((f) => f.cause === 'auth.robot-name-mangled')!;
    expect(mangled.message).toContain('robot username robot is mangled; the robot is named robot$k8s-robot');
    expect(mangled.remediation.steps.join('\n')).toContain("--docker-username='robot$k8s-robot'");
    for (const f of r.findings) {
      for (const t of [f.title, f.message, f.remediation.summary, ...f.remediation.steps]) {
        expect(t).not.toMatch(/the expected value|no further detail|\ba component\b|\bundefined\b|\{\w+[|}]|\[\[|HOSTNAME|\(\s*\)/);
      }
    }
  });

  it('each pod of a group gets steps naming that pod', async () => {
    const r = await diagnose({ kube, namespace: NS, priorFindings });
    for (const name of ['backoff-without-events', 'backoff-without-events-2']) {
      const d = r.pods.find((p) => p.pod === name)!;
      expect(d.cause).toBe('image.unknown');
      expect(d.remediation.steps.join('\n')).toContain(`kubectl -n ${NS} describe pod ${name}\``);
    }
  });

  it('diagnoses one pod', async () => {
    const r = await diagnose({ kube, namespace: NS, pod: 'x509-hybrid-ca-missing', priorFindings });
    expect(r.pods.map((p) => [p.pod, p.cause])).toEqual([['x509-hybrid-ca-missing', 'node.ca-not-installed']]);
  });

  it('without prior findings the symptom is the cause', async () => {
    const r = await diagnose({ kube, namespace: NS, pod: 'robot-mangled-backoff' });
    expect(r.pods[0]!.cause).toBe('auth.credentials-invalid');
  });

  it('a missing pod, a forbidden identity and an unreachable API are UsageErrors, not stack traces', async () => {
    await expect(diagnose({ kube, namespace: NS, pod: 'nope' })).rejects.toThrow(/not found/);
    const viewer = api.client({ user: 'viewer' });
    const err = await diagnose({ kube: viewer, allNamespaces: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/forbidden \(HTTP 403\)/);
    expect((err as UsageError).hint).toMatch(/RBAC/);
    await viewer.close();
  });

  /**
   * kubeconfig only (no target, no prior findings: the usual on-call start): the pod spec, its
   * service account and the namespace's secrets decide the auth cause of a 401, as the
   * pull-secret checks of a target would. One namespace per case (a matching secret elsewhere in
   * the namespace would make it "not attached").
   */
  describe('kubeconfig only: pull-secret evidence from the cluster', () => {
    const DCJ = 'kubernetes.io/dockerconfigjson';
    const EH = 'harbor.example.com';
    const EIMG = `${EH}/library/busybox:1.36`;
    const e401 = harbor401.replaceAll(IMG, EIMG).replaceAll(H, EH);
    const cases: { ns: string; seed: () => Promise<void>; pod: { secrets?: string[]; sa?: string }; expect: CauseId; params?: Record<string, string> }[] = [
      { ns: 'ko-none', seed: async () => {}, pod: {}, expect: 'auth.credentials-missing' },
      { ns: 'ko-pod-absent', seed: async () => {}, pod: { secrets: ['harbor-registry'] }, expect: 'auth.pull-secret-missing', params: { secretName: 'harbor-registry' } },
      { ns: 'ko-sa-absent', seed: () => createServiceAccount(kube, 'ko-sa-absent', 'app-sa', ['nope']), pod: { sa: 'app-sa' }, expect: 'auth.pull-secret-missing', params: { secretName: 'nope' } },
      {
        ns: 'ko-default-port',
        // kubelet compares host[:port] as written: `host:443` does not serve `host` (no credentials sent).
        seed: () => createSecret(kube, 'ko-default-port', 'harbor-registry', DCJ, dockerConfigJson({ [`${EH}:443`]: { username: 'robot$k8s-robot', password: 'a-password-for-tests' } })),
        pod: { secrets: ['harbor-registry'] },
        expect: 'auth.pull-secret-registry-mismatch',
        params: { secretName: 'harbor-registry', host: EH, expected: `${EH}:443` },
      },
      { ns: 'ko-wrong-type', seed: () => createSecret(kube, 'ko-wrong-type', 'harbor-registry', 'Opaque', { password: Buffer.from('x').toString('base64') }), pod: { secrets: ['harbor-registry'] }, expect: 'auth.pull-secret-malformed', params: { field: 'type' } },
      { ns: 'ko-mangled', seed: () => createSecret(kube, 'ko-mangled', 'harbor-registry', DCJ, dockerConfigJson({ [EH]: { username: 'robot', password: 'a-password-for-tests' } })), pod: { secrets: ['harbor-registry'] }, expect: 'auth.robot-name-mangled' },
      { ns: 'ko-unattached', seed: () => createSecret(kube, 'ko-unattached', 'harbor-registry', DCJ, dockerConfigJson({ [EH]: { username: 'robot$k8s-robot', password: 'a-password-for-tests' } })), pod: {}, expect: 'auth.pull-secret-not-attached', params: { secretName: 'harbor-registry' } },
      { ns: 'ko-wrong-creds', seed: () => createSecret(kube, 'ko-wrong-creds', 'harbor-registry', DCJ, dockerConfigJson({ [`https://${EH}`]: { username: 'robot$k8s-robot', password: 'a-password-for-tests' } })), pod: { secrets: ['harbor-registry'] }, expect: 'auth.credentials-invalid' },
    ];

    beforeAll(async () => {
      for (const c of cases) {
        await ensureNamespace(kube, c.ns);
        await c.seed();
        await createPod(kube, { namespace: c.ns, name: 'app', node: 'cloud-1', containers: [{ name: 'app', image: EIMG, waiting: { reason: 'ErrImagePull', message: e401 } }], ...(c.pod.secrets ? { pullSecrets: c.pod.secrets } : {}), ...(c.pod.sa ? { serviceAccount: c.pod.sa } : {}) });
      }
    }, 60_000);

    it.each(cases)('$ns → $expect', async (c) => {
      const r = await diagnose({ kube, namespace: c.ns, signal: AbortSignal.timeout(20_000) });
      const pod = r.pods.find((p) => p.pod === 'app')!;
      expect(pod.symptom).toBe('auth.credentials-invalid');
      expect(pod.cause).toBe(c.expect);
      const f = r.findings.find((x) => x.cause === c.expect)!;
      if (c.params) expect(f.params).toMatchObject(c.params);
      // Without a target the finding says what one would add; never a password.
      expect(f.evidence.targetWouldAdd).toMatch(/token-service check/);
      expect(JSON.stringify(r)).not.toContain('a-password-for-tests');
      if (c.expect === 'auth.credentials-missing') expect(f.remediation.steps.join('\n')).not.toMatch(/base64 -d/);
    });

    it('reads secrets only for namespaces of pods the registry refused, and with a target says nothing about what one would add', async () => {
      const r = await diagnose({ kube, namespace: 'ko-none', withTarget: true });
      expect(r.pods[0]!.cause).toBe('auth.credentials-missing');
      expect(r.pods[0]!.evidence.targetWouldAdd).toBeUndefined();
      expect(r.pods[0]!.evidence.pullSecrets).toEqual({ referenced: [], serviceAccount: 'default', keys: {} });
      const x509 = await diagnose({ kube, namespace: NS, pod: 'x509-cloud-no-node-fact' });
      expect(x509.pods[0]!.evidence.pullSecrets).toBeUndefined();
      expect(x509.stats.phasesMs.secrets).toBeDefined();
    });
  });
});
