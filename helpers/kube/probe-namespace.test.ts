import { constants as osConstants } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApiGate, type ApiGate } from '../../fixtures/kube/api-gate.ts';
import { apiServerBinaries, startApiServer, type ApiServer } from '../../fixtures/kube/apiserver-only.ts';
import { createNode, ensureNamespace } from '../../fixtures/kube/seed.ts';
import { KubeClient } from './client.ts';
import { ANNOTATION, collectStaleNamespaces, collectStaleObjects, INSTANCE_LABEL, MANAGED_BY_LABEL, ProbeNamespace, type ProbeNamespaceConfig, probeGenerateName, RUN, RUN_LABEL, SIGNAL_CLEANUP_MS, withProbeNamespace } from './probe-namespace.ts';
import { KubeApiError } from './errors.ts';
import type { Finding } from '../findings/finding.ts';
import type { Pod } from './types.ts';

const bins = apiServerBinaries();
const CHILD = resolve(import.meta.dirname, 'testdata/probe-child.ts');

interface NsState {
  pods: string[];
  secrets: string[];
  namespace: 'gone' | 'terminating' | 'active';
}

/** What of ours is left: labelled pods and secrets anywhere (by namespace), and the namespace's state. */
async function leftovers(kube: KubeClient, ns: string): Promise<NsState> {
  const sel = { labelSelector: `${MANAGED_BY_LABEL}=hybrid-doctor` };
  const pods = (await kube.listAll<Pod>('/api/v1/pods', sel)).items.filter((p) => p.metadata.namespace === ns).map((p) => p.metadata.name);
  const secrets = (await kube.listAll<Pod>('/api/v1/secrets', sel)).items.filter((p) => p.metadata.namespace === ns).map((p) => p.metadata.name);
  try {
    const n = await kube.request<{ metadata: { deletionTimestamp?: string } }>('GET', `/api/v1/namespaces/${ns}`);
    return { pods: pods.sort(), secrets, namespace: n.metadata.deletionTimestamp ? 'terminating' : 'active' };
  } catch {
    return { pods: pods.sort(), secrets, namespace: 'gone' };
  }
}

/** A kubeconfig like `from` whose server is `url` (the gate). */
function kubeconfigVia(from: string, url: string, dir: string, name: string): string {
  const kc = new KubeConfig();
  kc.loadFromFile(from);
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(file, readFileSync(from, 'utf8').replace(kc.getCurrentCluster()!.server, url), { mode: 0o600 });
  return file;
}

interface Child {
  proc: ChildProcess;
  namespace: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
  killedAt: () => number;
  kill(sig: NodeJS.Signals): void;
}

async function startChild(kubeconfig: string, prefix: string, mode: 'per-run' | 'existing' = 'per-run'): Promise<Child> {
  const proc = spawn(process.execPath, [CHILD, kubeconfig, prefix, 'n1', mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let killedAt = 0;
  proc.stderr!.on('data', (d) => (err += d));
  // What a shell reports: the exit code, or 128+n for a process ended by signal n (the handler
  // ends the process by the signal it received once the cleanup is done).
  const exited = new Promise<{ code: number | null; ms: number }>((r) => proc.once('exit', (code, signal) => r({ code: code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : null), ms: Date.now() - killedAt })));
  const namespace = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`child not READY in 30s: ${err}`)), 30_000);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        res(m[1]!);
      }
    });
    proc.once('exit', () => rej(new Error(`child exited before READY: ${err}`)));
  });
  return {
    proc,
    namespace,
    stderr: () => err,
    exited,
    killedAt: () => killedAt,
    kill(sig) {
      killedAt ||= Date.now();
      proc.kill(sig);
    },
  };
}

describe('probe namespace name', () => {
  it.each([
    ['hybrid-doctor', 'hybrid-doctor-probe-'],
    ['hd-probe', 'hd-probe-'],
    ['team-x-', 'team-x-probe-'],
    ['x'.repeat(80), `${'x'.repeat(57)}-`],
  ])('probeNamespace %s → generateName %s', (configured, expected) => {
    expect(probeGenerateName(configured)).toBe(expected);
    expect(expected.length + 5).toBeLessThanOrEqual(63);
  });

});

// A real kube-apiserver + etcd (no controller-manager: deleted namespaces stay Terminating).
// Missing binaries fail the run (docker/k8s/build.sh builds them); they never skip it.
describe('probe namespace live-mode safety (real kube-apiserver)', () => {
  let api: ApiServer;
  let kube: KubeClient;
  const gates: ApiGate[] = [];
  beforeAll(async () => {
    if ('missing' in bins) throw new Error(`kube-apiserver fixture: ${bins.missing}`);
    api = await startApiServer();
    kube = api.client();
    await createNode(kube, { name: 'n1' });
  }, 120_000);
  afterAll(async () => {
    for (const g of gates) await g.close();
    await kube?.close();
    await api?.stop();
  });

  it('two probe namespaces open at once get different namespaces; cleaning one leaves the other intact', async () => {
    const [a, b] = await Promise.all([ProbeNamespace.open(kube, 'hd-conc'), ProbeNamespace.open(kube, 'hd-conc')]);
    expect(a.namespace).toMatch(/^hd-conc-probe-[a-z0-9]{5}$/);
    expect(b.namespace).toMatch(/^hd-conc-probe-[a-z0-9]{5}$/);
    expect(a.namespace).not.toBe(b.namespace);
    for (const p of [a, b]) {
      const secret = await p.createPullSecret('harbor.test', 'robot$x', 'pw');
      expect(secret).toBe(`hybrid-doctor-pull-${RUN.id}`);
      await p.createPod({ name: 'dns-cluster-0', node: 'n1', image: 'busybox', command: ['true'], pullSecrets: [secret] });
      await p.createPod({ name: 'dns-node-0', node: 'n1', image: 'busybox', command: ['true'], pullSecrets: [secret] });
    }
    const ns = await kube.request<{ metadata: { labels: Record<string, string>; annotations: Record<string, string> } }>('GET', `/api/v1/namespaces/${a.namespace}`);
    expect(ns.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'hybrid-doctor', [RUN_LABEL]: RUN.id });
    expect(ns.metadata.annotations).toMatchObject({ [ANNOTATION.startedAt]: RUN.startedAt, [ANNOTATION.owner]: `${hostname()}/${process.pid}` });
    expect(ns.metadata.annotations[ANNOTATION.command]).toMatch(/^hybrid-doctor/);

    // a result read: that pod goes at once, the others stay until their own turn
    await a.deletePod('dns-cluster-0');
    expect((await leftovers(kube, a.namespace)).pods).toEqual(['dns-node-0']);

    expect(await a.cleanup()).toMatchObject({ ok: true, namespaces: [a.namespace] });
    expect(await leftovers(kube, a.namespace)).toEqual({ pods: [], secrets: [], namespace: 'terminating' });
    expect(await leftovers(kube, b.namespace)).toEqual({ pods: ['dns-cluster-0', 'dns-node-0'], secrets: [b.pullSecretName], namespace: 'active' });
    expect(await b.cleanup()).toMatchObject({ ok: true });
    expect(await leftovers(kube, b.namespace)).toEqual({ pods: [], secrets: [], namespace: 'terminating' });
    // idempotent, and closed for new objects
    expect(await b.cleanup()).toMatchObject({ ok: true });
    await expect(b.createPod({ name: 'late', node: 'n1', image: 'busybox', command: ['true'] })).rejects.toThrow(/already cleaned up/);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('a run killed with %s mid-way leaves nothing behind and exits 128+n', async (sig) => {
    const child = await startChild(api.kubeconfigPath, `hd-kill-${sig.toLowerCase()}`);
    expect(await leftovers(kube, child.namespace)).toMatchObject({ pods: ['probe-a', 'probe-b'], namespace: 'active' });
    child.kill(sig);
    expect((await child.exited).code).toBe(sig === 'SIGINT' ? 130 : 143);
    // Without a namespace controller (apiserver only) a deleted namespace stays Terminating.
    expect(await leftovers(kube, child.namespace)).toEqual({ pods: [], secrets: [], namespace: 'terminating' });
    expect(child.stderr()).toContain(`${sig}: deleting probe namespace ${child.namespace}`);
    expect(child.stderr()).not.toMatch(/could not delete/);
  }, 60_000);

  it('a signal while the API server refuses connections: reported on stderr with the kubectl command, exit 130', async () => {
    const gate = await startApiGate(api.server);
    gates.push(gate);
    const kc = kubeconfigVia(api.kubeconfigPath, gate.url, api.dir, 'refuse');
    const child = await startChild(kc, 'hd-refused');
    gate.mode('refuse');
    child.kill('SIGINT');
    const { code, ms } = await child.exited;
    expect(code).toBe(130);
    expect(ms).toBeLessThan(SIGNAL_CLEANUP_MS);
    expect(child.stderr()).toContain(`could not delete probe namespace ${child.namespace}`);
    expect(child.stderr()).toContain('May remain: namespace');
    expect(child.stderr()).toContain(`Delete with: kubectl --kubeconfig ${kc} --context apiserver-only delete namespace ${child.namespace}`);
    expect(child.stderr()).not.toContain('not-a-real-secret');
    // it really is still there (the report is true), and the printed command's target removes it
    expect((await leftovers(kube, child.namespace)).namespace).toBe('active');
    await kube.request('DELETE', `/api/v1/namespaces/${child.namespace}/pods`, { query: { gracePeriodSeconds: 0 } });
    await kube.request('DELETE', `/api/v1/namespaces/${child.namespace}`);
  }, 60_000);

  it('a signal while the API server hangs: bounded, then reported; a second Ctrl-C exits at once naming what may remain', async () => {
    const gate = await startApiGate(api.server);
    gates.push(gate);
    const kc = kubeconfigVia(api.kubeconfigPath, gate.url, api.dir, 'hang');
    const [bounded, twice] = await Promise.all([startChild(kc, 'hd-hang-a'), startChild(kc, 'hd-hang-b')]);
    gate.mode('hang');
    bounded.kill('SIGTERM');
    twice.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 2_000));
    twice.kill('SIGINT');
    const t = await twice.exited;
    expect(t.code).toBe(130);
    expect(t.ms).toBeLessThan(4_000);
    expect(twice.stderr()).toContain('second SIGINT: exiting without finishing the cleanup');
    expect(twice.stderr()).toContain(`delete namespace ${twice.namespace}`);
    const b = await bounded.exited;
    expect(b.code).toBe(143);
    // bounded: every request of the cleanup times out (8 s each), or the whole is cut at 20 s
    expect(b.ms).toBeGreaterThan(5_000);
    expect(b.ms).toBeLessThan(SIGNAL_CLEANUP_MS + 3_000);
    expect(bounded.stderr()).toMatch(new RegExp(`cleanup did not finish within ${SIGNAL_CLEANUP_MS / 1000} s|could not delete probe namespace ${bounded.namespace}: .*timeout`));
    expect(bounded.stderr()).toMatch(new RegExp(`May remain: namespace ${bounded.namespace}; pods probe-a, probe-b; secret hybrid-doctor-pull-`));
    expect(bounded.stderr()).toContain(`delete namespace ${bounded.namespace}`);
    for (const ns of [bounded.namespace, twice.namespace]) {
      await kube.request('DELETE', `/api/v1/namespaces/${ns}/pods`, { query: { gracePeriodSeconds: 0 } });
      await kube.request('DELETE', `/api/v1/namespaces/${ns}`);
    }
  }, 60_000);

  it('a cleanup that fails at the normal end is a cluster.probe-cleanup-failed finding and a stderr report', async () => {
    const gate = await startApiGate(api.server);
    gates.push(gate);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigVia(api.kubeconfigPath, gate.url, api.dir, 'end'));
    const viaGate = new KubeClient(kc, { requestMs: 3_000 });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let name = '';
    try {
      const out = await withProbeNamespace(viaGate, 'hd-end', async (p) => {
        name = p.namespace;
        await p.createPod({ name: 'dns-node-1', node: 'n1', image: 'busybox', command: ['true'] });
        gate.mode('refuse');
        return { findings: [] as Finding[] };
      });
      expect(out.findings.map((f) => [f.cause, f.subject, f.params.namespace])).toEqual([['cluster.probe-cleanup-failed', `namespace/${name}`, name]]);
      expect(out.findings[0]!.remediation.steps[0]).toContain(`kubectl --context apiserver-only delete namespace ${name}`);
      expect(out.findings[0]!.evidence).toMatchObject({ remaining: [`namespace ${name}`, 'pods dns-node-1'] });
      const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toContain(`could not delete probe namespace ${name}`);
      expect(printed).toContain(`delete namespace ${name}`);
    } finally {
      stderr.mockRestore();
      await viaGate.close();
    }
    expect((await leftovers(kube, name)).namespace).toBe('active');
    await kube.request('DELETE', `/api/v1/namespaces/${name}/pods`, { query: { gracePeriodSeconds: 0 } });
    await kube.request('DELETE', `/api/v1/namespaces/${name}`);
  }, 60_000);

  it('cleans up when the probe body throws (the error stands)', async () => {
    let name = '';
    await expect(
      withProbeNamespace(kube, 'hd-throw', async (p) => {
        name = p.namespace;
        await p.createPod({ name: 'probe-x', node: 'n1', image: 'busybox', command: ['true'] });
        throw new Error('probe failed');
      }),
    ).rejects.toThrow('probe failed');
    expect(await leftovers(kube, name)).toEqual({ pods: [], secrets: [], namespace: 'terminating' });
  });

  it('stale-namespace GC deletes only labelled namespaces of old runs with no live owner', async () => {
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const fresh = new Date().toISOString();
    const ours = { [MANAGED_BY_LABEL]: 'hybrid-doctor', [RUN_LABEL]: 'old-run' };
    const cases: { name: string; labels: Record<string, string>; annotations: Record<string, string>; collected: boolean }[] = [
      { name: 'gc-crashed-elsewhere', labels: ours, annotations: { [ANNOTATION.startedAt]: old, [ANNOTATION.heartbeat]: old, [ANNOTATION.owner]: 'some-other-host/4242' }, collected: true },
      { name: 'gc-crashed-here', labels: ours, annotations: { [ANNOTATION.startedAt]: old, [ANNOTATION.heartbeat]: old, [ANNOTATION.owner]: `${hostname()}/999999999` }, collected: true },
      { name: 'gc-live-heartbeat', labels: ours, annotations: { [ANNOTATION.startedAt]: old, [ANNOTATION.heartbeat]: fresh, [ANNOTATION.owner]: 'some-other-host/4242' }, collected: false },
      { name: 'gc-live-owner-here', labels: ours, annotations: { [ANNOTATION.startedAt]: old, [ANNOTATION.heartbeat]: old, [ANNOTATION.owner]: `${hostname()}/${process.pid}` }, collected: false },
      { name: 'gc-young-run', labels: ours, annotations: { [ANNOTATION.startedAt]: fresh, [ANNOTATION.owner]: 'some-other-host/4242' }, collected: false },
      { name: 'gc-unlabelled', labels: {}, annotations: { [ANNOTATION.startedAt]: old, [ANNOTATION.heartbeat]: old }, collected: false },
      { name: 'gc-other-manager', labels: { [MANAGED_BY_LABEL]: 'hybrid-doctor-bench' }, annotations: { [ANNOTATION.startedAt]: old, [ANNOTATION.heartbeat]: old }, collected: false },
    ];
    for (const c of cases) await kube.request('POST', '/api/v1/namespaces', { body: { metadata: { name: c.name, labels: c.labels, annotations: c.annotations } } });
    // created just now: the old-timestamp fallback (no annotations) is not what decides here
    const deleted = await collectStaleNamespaces(kube);
    expect(deleted.filter((n) => n.startsWith('gc-')).sort()).toEqual(cases.filter((c) => c.collected).map((c) => c.name).sort());
    for (const c of cases) expect([c.name, (await leftovers(kube, c.name)).namespace]).toEqual([c.name, c.collected ? 'terminating' : 'active']);
    // a namespace that already existed under a probe-like name is never touched by a run
    await ensureNamespace(kube, 'hybrid-doctor-probe-keep');
    await withProbeNamespace(kube, 'hybrid-doctor', async () => ({ findings: [] }));
    expect((await leftovers(kube, 'hybrid-doctor-probe-keep')).namespace).toBe('active');
  });
});

/**
 * `probeNamespaceMode: existing` (the Helm chart's probe mode): every probe set goes into ONE
 * namespace that exists already, under an identity holding only a namespaced Role there (the real
 * apiserver's RBAC authorizer: the fixture's `viewer` token user, bound here to exactly the chart's
 * probe Role). The namespace is never created, patched or deleted; only our labelled objects are.
 */
describe('existing probe namespace under a namespaced Role only (real kube-apiserver, RBAC)', () => {
  const NS = 'hd-ops';
  const EXISTING: ProbeNamespaceConfig = { probeNamespace: NS, probeNamespaceMode: 'existing' };
  /**
   * The Role the chart's `probes.enabled` renders (deploy/helm/hybrid-doctor/templates/rbac.yaml).
   * Beyond create/get/delete: `list` on pods and secrets finds objects by label (cleanup of a lost
   * create answer, crashed runs' GC); `list` on events reads pull outcomes (Pulled in 1.2s, Failed).
   */
  const PROBE_ROLE_RULES = [
    { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'delete'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'list', 'delete'] },
    { apiGroups: [''], resources: ['events'], verbs: ['list'] },
  ];
  let api: ApiServer;
  let admin: KubeClient;
  /** Holds the probe Role in NS and nothing else. */
  let roleOnly: KubeClient;
  const gates: ApiGate[] = [];
  const NS_META = { labels: { team: 'ops' }, annotations: { 'ops/owner': 'platform' } };

  /** Every pod and secret in NS (any labels), sorted names. */
  async function contents(): Promise<{ pods: string[]; secrets: string[] }> {
    const pods = (await admin.listAll<Pod>(`/api/v1/namespaces/${NS}/pods`)).items.map((p) => p.metadata.name).sort();
    const secrets = (await admin.listAll<Pod>(`/api/v1/namespaces/${NS}/secrets`)).items.map((p) => p.metadata.name).sort();
    return { pods, secrets };
  }
  async function nsState(): Promise<{ phase: string; labels: Record<string, string>; annotations: Record<string, string>; terminating: boolean }> {
    const n = await admin.request<{ metadata: { labels: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string }; status: { phase: string } }>('GET', `/api/v1/namespaces/${NS}`);
    return { phase: n.status.phase, labels: n.metadata.labels, annotations: n.metadata.annotations ?? {}, terminating: !!n.metadata.deletionTimestamp };
  }
  const untouched = { phase: 'Active', terminating: false, labels: expect.objectContaining(NS_META.labels), annotations: NS_META.annotations };

  beforeAll(async () => {
    if ('missing' in bins) throw new Error(`kube-apiserver fixture: ${bins.missing}`);
    api = await startApiServer();
    admin = api.client();
    await createNode(admin, { name: 'n1' });
    await admin.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NS, ...NS_META } } });
    await ensureNamespace(admin, NS); // its `default` service account (no controller-manager here)
    await admin.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, { body: { metadata: { name: 'hd-probes' }, rules: PROBE_ROLE_RULES } });
    await admin.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      body: { metadata: { name: 'hd-probes' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hd-probes' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer' }] },
    });
    // what an operator keeps in that namespace: never ours to touch
    await admin.request('POST', `/api/v1/namespaces/${NS}/pods`, { body: { metadata: { name: 'keep-app' }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox' }] } } });
    await admin.request('POST', `/api/v1/namespaces/${NS}/pods`, { body: { metadata: { name: 'keep-other-tool', labels: { [MANAGED_BY_LABEL]: 'helm' } }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox' }] } } });
    await admin.request('POST', `/api/v1/namespaces/${NS}/secrets`, { body: { metadata: { name: 'keep-secret' }, stringData: { k: 'v' } } });
    roleOnly = api.client({ user: 'viewer' });
  }, 120_000);
  afterAll(async () => {
    for (const g of gates) await g.close();
    await roleOnly?.close();
    await admin?.close();
    await api?.stop();
  });

  it.each([
    ['create a namespace', () => roleOnly.request('POST', '/api/v1/namespaces', { body: { metadata: { generateName: 'hd-probe-' } } })],
    ['patch the probe namespace', () => roleOnly.request('PATCH', `/api/v1/namespaces/${NS}`, { body: { metadata: { annotations: { x: 'y' } } }, contentType: 'application/merge-patch+json' })],
    ['create a pod in another namespace', () => roleOnly.request('POST', '/api/v1/namespaces/default/pods', { body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'x', image: 'busybox' }] } } })],
    ['list namespaces', () => roleOnly.request('GET', '/api/v1/namespaces')],
  ])('the Role-only identity really is limited: it may not %s', async (_what, call) => {
    const err = await call().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).kind).toBe('forbidden');
  });

  it('a probe set creates and deletes only its own labelled pods and secret; the namespace and everything else stay', async () => {
    const before = await contents();
    let seen: { pods: string[]; secrets: string[] } = { pods: [], secrets: [] };
    let instance = '';
    const out = await withProbeNamespace(roleOnly, EXISTING, async (p) => {
      expect([p.mode, p.namespace]).toEqual(['existing', NS]);
      instance = p.instance;
      const secret = await p.createPullSecret('harbor.test', 'robot$x', 'pw');
      for (const name of ['dns-node-0', 'dns-cluster-0']) await p.createPod({ name, node: 'n1', image: 'busybox', command: ['true'], pullSecrets: [secret], labels: { [MANAGED_BY_LABEL]: 'spoofed' } });
      // the caller's names work for every read; in the cluster they carry the instance
      expect((await p.getPod('dns-node-0')).metadata.name).toBe(`dns-node-0-${p.instance}`);
      expect(await p.podEvents('dns-node-0')).toEqual([]);
      await p.deletePod('dns-cluster-0');
      seen = await contents();
      const pod = await admin.request<Pod & { metadata: { annotations: Record<string, string> } }>('GET', `/api/v1/namespaces/${NS}/pods/dns-node-0-${p.instance}`);
      expect(pod.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'hybrid-doctor', [RUN_LABEL]: RUN.id, [INSTANCE_LABEL]: p.instance });
      expect(pod.metadata.annotations).toMatchObject({ [ANNOTATION.owner]: `${hostname()}/${process.pid}`, [ANNOTATION.startedAt]: RUN.startedAt });
      return { findings: [] as Finding[] };
    });
    expect(out.findings).toEqual([]);
    expect(seen).toEqual({ pods: [...before.pods, `dns-node-0-${instance}`].sort(), secrets: [...before.secrets, `hybrid-doctor-pull-${RUN.id}-${instance}`].sort() });
    expect(await contents()).toEqual(before);
    expect(before.pods).toEqual(['keep-app', 'keep-other-tool']);
    expect(await nsState()).toEqual(untouched);
  });

  it('two probe sets at once share the namespace with the same pod names; cleaning one leaves the other intact', async () => {
    const [a, b] = await Promise.all([ProbeNamespace.open(roleOnly, EXISTING), ProbeNamespace.open(roleOnly, EXISTING)]);
    for (const p of [a, b]) {
      await p.createPullSecret('harbor.test', 'robot$x', 'pw');
      await p.createPod({ name: 'boundary-server-hybrid', node: 'n1', image: 'busybox', command: ['true'] });
    }
    expect(a.pullSecretName).not.toBe(b.pullSecretName);
    expect(await a.cleanup()).toMatchObject({ ok: true, scope: 'objects', namespaces: [NS] });
    const c = await contents();
    expect(c.pods).toEqual(['boundary-server-hybrid-' + b.instance, 'keep-app', 'keep-other-tool'].sort());
    expect(c.secrets).toEqual([b.pullSecretName, 'keep-secret'].sort());
    expect(await b.cleanup()).toMatchObject({ ok: true });
    expect(await contents()).toEqual({ pods: ['keep-app', 'keep-other-tool'], secrets: ['keep-secret'] });
    await expect(b.createPod({ name: 'late', node: 'n1', image: 'busybox', command: ['true'] })).rejects.toThrow(/already cleaned up/);
  });

  it('an object whose create answer was lost (not tracked by name) is found by its instance label at cleanup', async () => {
    const p = await ProbeNamespace.open(roleOnly, EXISTING);
    await admin.request('POST', `/api/v1/namespaces/${NS}/pods`, { body: { metadata: { name: 'lost-answer', labels: p.labels }, spec: { nodeName: 'n1', containers: [{ name: 'x', image: 'busybox' }] } } });
    expect(await p.cleanup()).toMatchObject({ ok: true });
    expect((await contents()).pods).toEqual(['keep-app', 'keep-other-tool']);
  });

  it('stale probe objects of crashed runs are collected there with the Role only; nothing unlabelled, live or young', async () => {
    const ours = (run: string) => ({ [MANAGED_BY_LABEL]: 'hybrid-doctor', [RUN_LABEL]: run, [INSTANCE_LABEL]: `${run}-i` });
    const cases: { kind: 'pods' | 'secrets'; name: string; labels: Record<string, string>; owner?: string; collected: boolean }[] = [
      { kind: 'pods', name: 'gc-crashed-elsewhere', labels: ours('r1'), owner: 'other-host/4242', collected: true },
      { kind: 'secrets', name: 'gc-crashed-elsewhere-pull', labels: ours('r1'), owner: 'other-host/4242', collected: true },
      { kind: 'pods', name: 'gc-crashed-here', labels: ours('r2'), owner: `${hostname()}/999999999`, collected: true },
      { kind: 'pods', name: 'gc-no-owner', labels: ours('r3'), collected: true },
      { kind: 'pods', name: 'gc-live-owner-here', labels: ours('r4'), owner: `${hostname()}/${process.pid}`, collected: false },
      { kind: 'secrets', name: 'gc-live-owner-here-pull', labels: ours('r4'), owner: `${hostname()}/${process.pid}`, collected: false },
      { kind: 'pods', name: 'gc-unlabelled', labels: {}, owner: 'other-host/4242', collected: false },
      { kind: 'secrets', name: 'gc-other-manager', labels: { [MANAGED_BY_LABEL]: 'hybrid-doctor-bench' }, owner: 'other-host/4242', collected: false },
    ];
    for (const c of cases) {
      const metadata = { name: c.name, labels: c.labels, annotations: c.owner ? { [ANNOTATION.owner]: c.owner } : {} };
      const body = c.kind === 'pods' ? { metadata, spec: { nodeName: 'n1', containers: [{ name: 'x', image: 'busybox' }] } } : { metadata, stringData: { k: 'v' } };
      await admin.request('POST', `/api/v1/namespaces/${NS}/${c.kind}`, { body });
    }
    // young (created just now): nothing is collected
    expect(await collectStaleObjects(roleOnly, NS)).toEqual([]);
    // an hour later: the crashed runs' objects, and only those
    const deleted = await collectStaleObjects(roleOnly, NS, { now: Date.now() + 3_600_000 });
    const kindName = (c: (typeof cases)[number]) => `${c.kind === 'pods' ? 'pod' : 'secret'}/${c.name}`;
    expect(deleted.sort()).toEqual(cases.filter((c) => c.collected).map(kindName).sort());
    const after = await contents();
    for (const c of cases) expect([c.name, (c.kind === 'pods' ? after.pods : after.secrets).includes(c.name)]).toEqual([c.name, !c.collected]);
    expect(after.pods).toEqual(expect.arrayContaining(['keep-app', 'keep-other-tool']));
    expect(after.secrets).toContain('keep-secret');
    expect(await nsState()).toEqual(untouched);
    for (const c of cases.filter((x) => !x.collected)) await admin.request('DELETE', `/api/v1/namespaces/${NS}/${c.kind}/${c.name}`, { query: { gracePeriodSeconds: 0 } });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('a Role-only run killed with %s deletes its pods and secret, not the namespace', async (sig) => {
    const child = await startChild(api.viewerKubeconfigPath, NS, 'existing');
    expect(child.namespace).toBe(NS);
    expect((await contents()).pods.filter((n) => /^probe-[ab]-/.test(n))).toHaveLength(2);
    child.kill(sig);
    expect((await child.exited).code).toBe(sig === 'SIGINT' ? 130 : 143);
    expect(child.stderr()).toContain(`${sig}: deleting probe pods and secrets in namespace ${NS}`);
    expect(child.stderr()).not.toMatch(/could not delete/);
    expect(await contents()).toEqual({ pods: ['keep-app', 'keep-other-tool'], secrets: ['keep-secret'] });
    expect(await nsState()).toEqual(untouched);
  }, 60_000);

  it('a cleanup that fails is a cluster.probe-objects-cleanup-failed finding whose command deletes by instance label, never the namespace', async () => {
    const gate = await startApiGate(api.server);
    gates.push(gate);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigVia(api.viewerKubeconfigPath, gate.url, api.dir, 'existing-end'));
    const viaGate = new KubeClient(kc, { requestMs: 3_000 });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let instance = '';
    try {
      const out = await withProbeNamespace(viaGate, EXISTING, async (p) => {
        instance = p.instance;
        await p.createPod({ name: 'dns-node-1', node: 'n1', image: 'busybox', command: ['true'] });
        gate.mode('refuse');
        return { findings: [] as Finding[] };
      });
      expect(out.findings.map((f) => [f.cause, f.subject, f.params.namespace])).toEqual([['cluster.probe-objects-cleanup-failed', `namespace/${NS}`, NS]]);
      expect(out.findings[0]!.evidence).toMatchObject({ remaining: [`pods dns-node-1-${instance}`], command: `kubectl --context apiserver-only --namespace ${NS} delete pods,secrets -l ${INSTANCE_LABEL}=${instance}` });
      const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toContain(`could not delete the probe pods and secrets in namespace ${NS}`);
      expect(printed + JSON.stringify(out.findings)).not.toMatch(/delete namespace/);
    } finally {
      stderr.mockRestore();
      await viaGate.close();
    }
    // the report is true: it is still there; the printed selector's objects are exactly ours
    const left = (await admin.listAll<Pod>(`/api/v1/namespaces/${NS}/pods`, { labelSelector: `${INSTANCE_LABEL}=${instance}` })).items.map((p) => p.metadata.name);
    expect(left).toEqual([`dns-node-1-${instance}`]);
    await admin.request('DELETE', `/api/v1/namespaces/${NS}/pods/${left[0]}`, { query: { gracePeriodSeconds: 0 } });
    expect(await nsState()).toEqual(untouched);
  }, 60_000);
});
