import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../fixtures/kube/apiserver-only.ts';
import { createCoreEvent, createEventsV1, createNode, createPod, ensureNamespace, mapLimit, type ContainerDef, type EventSpec } from '../../fixtures/kube/seed.ts';
import type { CauseId } from '../findings/cause-ids.ts';
import { KubeClient } from '../kube/client.ts';
import { diagnose, type DiagnoseReport } from './diagnose.ts';

/**
 * The all-namespaces path at a small scale (300 pods, 1,520 events) on a real kube-apiserver: the
 * lists as protobuf streamed and decoded down to the fields read, events listed per namespace of
 * failing pods, must give exactly the report the JSON lists give, the same pods as one diagnosis
 * per namespace, and the counts the seed implies.
 */
const VECTORS = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../shared/vectors/pull-error-messages.json'), 'utf8')) as { text: string }[];
const H = 'harbor.sandbox.test';
const IMG = `${H}/library/busybox:1.36`;
const harbor401 = `Failed to pull image "${IMG}": failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": pulling from host ${H} failed with status code [manifests 1.36]: 401 Unauthorized`;
const harborX509 = `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: Head "https://${H}/v2/library/busybox/manifests/1.36": x509: certificate signed by unknown authority`;
const JENKINS = 'docker.io/bitnami/jenkins:2.516.2-debian-12-r0';

const PODS = 300;
// 5 namespaces, 6 pod kinds: every namespace holds every kind.
const NAMESPACES = ['scale-0', 'scale-1', 'scale-2', 'scale-3', 'scale-4'];
const NODES = 10;
const backoff = (img: string): ContainerDef[] => [{ name: 'app', image: img, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${img}"` } }];

/** Pod i's shape (i % 6): containers, the event that names the cause (core or events.k8s.io), expected root cause. */
const KINDS: { name: string; containers: ContainerDef[]; cause?: EventSpec & { v1?: boolean }; expect: CauseId | null }[] = [
  { name: '401 in an event, no pull secret anywhere', containers: backoff(IMG), cause: { reason: 'Failed', message: harbor401, agoSeconds: 20 }, expect: 'auth.credentials-missing' },
  { name: 'x509 in an event', containers: backoff(IMG), cause: { reason: 'Failed', message: harborX509, count: 4, agoSeconds: 10 }, expect: 'tls.untrusted-ca' },
  { name: 'not found in the waiting message', containers: [{ name: 'app', image: JENKINS, waiting: { reason: 'ErrImagePull', message: VECTORS[6]!.text } }], expect: 'image.not-found' },
  { name: 'pause image unpullable (pending sandbox)', containers: [{ name: 'app', image: IMG, waiting: { reason: 'ContainerCreating' } }], cause: { reason: 'FailedCreatePodSandBox', message: VECTORS[46]!.text, count: 9 }, expect: 'node.sandbox-image-unpullable' },
  { name: 'not found in an events.k8s.io/v1 event with a series', containers: backoff(JENKINS), cause: { reason: 'Failed', message: VECTORS[6]!.text, count: 3, v1: true }, expect: 'image.not-found' },
  { name: 'healthy', containers: [{ name: 'app', image: IMG }], expect: null },
];

describe('diagnose --all-namespaces at scale (real kube-apiserver, 300 pods / 1,520 events)', () => {
  let api: ApiServer;
  let kube: KubeClient;
  let jsonKube: KubeClient;
  let proto: DiagnoseReport;
  let json: DiagnoseReport;

  beforeAll(async () => {
    api = await startApiServer();
    kube = api.client({ requestMs: 30_000 });
    jsonKube = new KubeClient(api.kubeConfig(), { protobuf: false, requestMs: 30_000 });
    for (let n = 0; n < NODES; n++) await createNode(kube, { name: `node-${n}`, ...(n % 2 ? { labels: { 'eks.amazonaws.com/compute-type': 'hybrid' } } : {}) });
    for (const ns of [...NAMESPACES, 'scale-quiet']) await ensureNamespace(kube, ns);
    await mapLimit([...Array(PODS).keys()], 16, async (i) => {
      const k = KINDS[i % KINDS.length]!;
      const pod = await createPod(kube, { namespace: NAMESPACES[i % NAMESPACES.length]!, name: `pod-${i}`, node: `node-${i % NODES}`, containers: k.containers });
      // 5 events per pod: what the kubelet writes around a failing pull (Normal ones for the healthy pod).
      const img = k.containers[0]!.image;
      const events: (EventSpec & { v1?: boolean })[] = k.expect === null
        ? ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'].map((reason) => ({ reason, message: `${reason} ${img}`, type: 'Normal' }))
        : [
            { reason: 'Pulling', message: `Pulling image "${img}"`, type: 'Normal', agoSeconds: 60 },
            k.cause ?? { reason: 'Pulled', message: `Container image "${img}" already present on machine`, type: 'Normal' },
            { reason: 'Failed', message: 'Error: ErrImagePull', count: 2 },
            { reason: 'BackOff', message: `Back-off pulling image "${img}"`, type: 'Normal', count: 5 },
            { reason: 'Failed', message: 'Error: ImagePullBackOff', count: 5 },
          ];
      for (const e of events) await (e.v1 ? createEventsV1(kube, pod, e) : createCoreEvent(kube, pod, e));
    });
    // A namespace without failing pods: its Warning events are never listed with --all-namespaces.
    for (let i = 0; i < 20; i++) {
      const pod = await createPod(kube, { namespace: 'scale-quiet', name: `ok-${i}`, node: 'node-0', containers: [{ name: 'app', image: IMG }] });
      await createCoreEvent(kube, pod, { reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' });
    }
    // hybrid-doctor's own probe pod: not the user's workload.
    await createPod(kube, { namespace: 'scale-0', name: 'probe', node: 'node-1', labels: { 'app.kubernetes.io/managed-by': 'hybrid-doctor' }, containers: backoff(IMG) });
    proto = await diagnose({ kube, allNamespaces: true, signal: AbortSignal.timeout(60_000) });
    json = await diagnose({ kube: jsonKube, allNamespaces: true, signal: AbortSignal.timeout(60_000) });
  }, 240_000);

  afterAll(async () => {
    await kube?.close();
    await jsonKube?.close();
    await api?.stop();
  });

  const withoutStats = ({ stats: _stats, ...rest }: DiagnoseReport) => rest;

  it('gives the counts the seed implies, per cause, node type and namespace', () => {
    const expected = new Map<CauseId, number>();
    for (let i = 0; i < PODS; i++) {
      const c = KINDS[i % KINDS.length]!.expect;
      if (c) expected.set(c, (expected.get(c) ?? 0) + 1);
    }
    expect(Object.fromEntries(proto.groups.map((g) => [g.cause, g.count]))).toEqual(Object.fromEntries(expected));
    expect(proto.pods).toHaveLength(250);
    expect(proto.pods.map((p) => p.pod)).not.toContain('probe');
    // Odd pods sit on hybrid nodes (odd node numbers): kinds 1 and 3 (5 is healthy); even ones on cloud nodes.
    expect(proto.byNodeType.hybrid).toEqual({ 'tls.untrusted-ca': 50, 'node.sandbox-image-unpullable': 50 });
    expect(proto.byNodeType.cloud).toEqual({ 'auth.credentials-missing': 50, 'image.not-found': 100 });
    expect(Object.keys(proto.byNamespace).sort()).toEqual(NAMESPACES);
  });

  it('is exactly the report of the JSON lists (pods, evidence, groups, findings)', () => {
    expect(json.pods).toHaveLength(250);
    expect(withoutStats(proto)).toEqual(withoutStats(json));
  });

  it('lists events only in namespaces with failing or pending pods', () => {
    // Warning events of pod kinds 0, 1, 3, 4: 3 each; kind 2: 2; healthy and quiet pods: none listed.
    expect(proto.stats.eventsScanned).toBe(50 * (3 + 3 + 2 + 3 + 3));
    expect(json.stats.eventsScanned).toBe(proto.stats.eventsScanned);
    expect(proto.stats.eventsKept).toBe(proto.stats.eventsScanned);
  });

  it('finds the same pods as one diagnosis per namespace', async () => {
    const per = await Promise.all(NAMESPACES.map((namespace) => diagnose({ kube, namespace, signal: AbortSignal.timeout(60_000) })));
    const pods = per.flatMap((r) => r.pods).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
    expect(pods).toEqual(proto.pods);
  });
});
