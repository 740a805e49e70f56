import { createServer, type Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../fixtures/kube/apiserver-only.ts';
import { createCoreEvent, createEventsV1, createNode, createPod, ensureNamespace } from '../../fixtures/kube/seed.ts';
import { KubeClient } from './client.ts';
import { KubeApiError } from './errors.ts';
import { eventItem, ListDecoder, nodeItem, podItem, PROTOBUF_TYPE, ProtobufError, statusMessage, type ProtoItem } from './protobuf.ts';
import { normalizeEvent, type CoreEvent, type Node, type Pod } from './types.ts';

/**
 * The protobuf reader against real kube-apiserver answers: each list read as protobuf gives, for
 * every field diagnose reads, what the same list gives as JSON; the streaming decoder gives the
 * same items whatever the chunking; broken bodies are errors, not wrong objects.
 */
const NS = 'proto';

/** The fields of a pod diagnose reads (JSON's omitempty: absent, never empty). */
const podView = (p: Pod) => ({
  name: p.metadata.name,
  namespace: p.metadata.namespace,
  uid: p.metadata.uid,
  labels: p.metadata.labels,
  creationTimestamp: p.metadata.creationTimestamp,
  nodeName: p.spec?.nodeName,
  serviceAccountName: p.spec?.serviceAccountName,
  imagePullSecrets: p.spec?.imagePullSecrets,
  containers: [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => ({ name: c.name, image: c.image, imagePullPolicy: c.imagePullPolicy })),
  phase: p.status?.phase,
  statuses: [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((s) => ({ name: s.name, image: s.image, waiting: s.state?.waiting, running: !!s.state?.running, terminated: !!s.state?.terminated })),
});

describe('Kubernetes protobuf reader (real kube-apiserver answers)', () => {
  let api: ApiServer;
  const dispatcher = () => new Agent({ connect: { ca: api.caPem } });
  let agent: Agent;
  const get = async (path: string, accept: string, token = api.adminToken) => {
    const res = await fetch(`${api.server}${path}`, { headers: { authorization: `Bearer ${token}`, accept, 'accept-encoding': 'identity' }, dispatcher: agent });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
  };
  const decodeAll = <T>(body: Buffer, item: ProtoItem<T>, chunk = body.length): { items: T[]; continue: string } => {
    const items: T[] = [];
    const d = new ListDecoder(item, (it: T) => items.push(it));
    for (let i = 0; i < body.length; i += chunk) d.push(body.subarray(i, i + chunk));
    return { items, ...d.end() };
  };

  beforeAll(async () => {
    api = await startApiServer();
    agent = dispatcher();
    const kube = api.client();
    await createNode(kube, { name: 'hybrid-1', labels: { 'eks.amazonaws.com/compute-type': 'hybrid' } });
    await createNode(kube, { name: 'cloud-1' });
    await ensureNamespace(kube, NS);
    const img = 'harbor.sandbox.test/library/busybox:1.36';
    const pods = [
      await createPod(kube, { namespace: NS, name: 'backoff', node: 'hybrid-1', pullSecrets: ['a', 'b'], labels: { app: 'x', 'app.kubernetes.io/managed-by': 'hybrid-doctor' }, containers: [{ name: 'app', image: img, pullPolicy: 'Always', waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${img}"` } }] }),
      await createPod(kube, { namespace: NS, name: 'init', node: 'cloud-1', containers: [{ name: 'setup', init: true, image: 'None:None', waiting: { reason: 'InvalidImageName', message: 'couldn\'t parse image name "None:None": invalid reference format' } }, { name: 'app', image: img, waiting: { reason: 'PodInitializing' } }] }),
      await createPod(kube, { namespace: NS, name: 'running', node: 'cloud-1', containers: [{ name: 'app', image: img }] }),
      await createPod(kube, { namespace: NS, name: 'unscheduled', containers: [{ name: 'app', image: 'ünïcode.example/äpp:1' }] }),
    ];
    await createCoreEvent(kube, pods[0]!, { reason: 'Failed', message: 'Failed to pull image: 401 Unauthorized — «ünïcode»', count: 7, agoSeconds: 30, fieldPath: 'spec.containers{app}' });
    await createCoreEvent(kube, pods[1]!, { reason: 'Pulling', message: 'Pulling image', type: 'Normal' });
    await createEventsV1(kube, pods[0]!, { reason: 'Failed', message: 'not found', count: 3 });
    await createEventsV1(kube, pods[2]!, { reason: 'Failed', message: 'once' });
    await kube.close();
  }, 120_000);

  afterAll(async () => {
    await agent?.close();
    await api?.stop();
  });

  const lists: { name: string; path: string; item: ProtoItem<unknown>; view: (x: never) => unknown; count: number }[] = [
    { name: 'pods', path: `/api/v1/namespaces/${NS}/pods`, item: podItem, view: podView, count: 4 },
    { name: 'core events (core/v1 and events.k8s.io/v1 objects)', path: `/api/v1/namespaces/${NS}/events`, item: eventItem, view: (e: CoreEvent) => normalizeEvent(e), count: 4 },
    { name: 'nodes', path: '/api/v1/nodes', item: nodeItem, view: (n: Node) => ({ name: n.metadata.name, labels: n.metadata.labels }), count: 2 },
  ];

  it.each(lists)('$name: protobuf gives what JSON gives for every field read', async (l) => {
    const pb = await get(l.path, PROTOBUF_TYPE);
    expect(pb.type).toMatch(/^application\/vnd\.kubernetes\.protobuf/);
    const js = JSON.parse((await get(l.path, 'application/json')).body.toString()) as { items: never[] };
    const decoded = decodeAll(pb.body, l.item);
    expect(decoded.items).toHaveLength(l.count);
    expect(decoded.items.map((x) => l.view(x as never))).toEqual(js.items.map((x) => l.view(x)));
  });

  it.each([1, 7, 64, 4096])('streamed in %i-byte chunks: the same items as in one piece', async (chunk) => {
    const pb = await get(`/api/v1/namespaces/${NS}/pods`, PROTOBUF_TYPE);
    expect(decodeAll(pb.body, podItem, chunk)).toEqual(decodeAll(pb.body, podItem));
  });

  it('pages: the continue token of a limited list', async () => {
    const first = decodeAll((await get(`/api/v1/namespaces/${NS}/pods?limit=3`, PROTOBUF_TYPE)).body, podItem);
    expect(first.items).toHaveLength(3);
    expect(first.continue).not.toBe('');
    const rest = decodeAll((await get(`/api/v1/namespaces/${NS}/pods?limit=3&continue=${encodeURIComponent(first.continue)}`, PROTOBUF_TYPE)).body, podItem);
    expect(rest.items.map((p) => p.metadata.name)).toEqual(['unscheduled']);
    expect(rest.continue).toBe('');
  });

  it('a body cut short, or not protobuf, is an error', async () => {
    const pb = await get(`/api/v1/namespaces/${NS}/pods`, PROTOBUF_TYPE);
    for (const cut of [2, 10, pb.body.length - 1]) expect(() => decodeAll(pb.body.subarray(0, cut), podItem), `cut at ${cut}`).toThrow(ProtobufError);
    expect(() => decodeAll(Buffer.from('{"items":[]}'), podItem)).toThrow(/no k8s\\0 prefix/);
  });

  it("an error answer's message is read from the protobuf Status", async () => {
    const denied = await get('/api/v1/pods', PROTOBUF_TYPE, api.viewerToken);
    expect(denied.status).toBe(403);
    expect(statusMessage(denied.body)).toMatch(/pods is forbidden: User "viewer" cannot list resource "pods"/);
  });

  /**
   * KubeClient.listEach against a loopback server replaying answers: the real pod list (cut or
   * whole), the same list as JSON (a server or proxy that ignores the protobuf Accept), a 403.
   */
  describe('KubeClient.listEach with protobuf', () => {
    let replay: Server;
    let client: KubeClient;
    let answer: { status: number; type: string; body: Buffer } = { status: 200, type: 'text/plain', body: Buffer.alloc(0) };
    beforeAll(async () => {
      replay = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
      await new Promise<void>((r) => replay.listen(0, '127.0.0.1', () => r()));
      const port = (replay.address() as { port: number }).port;
      const kc = new KubeConfig();
      kc.loadFromString(JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'r', clusters: [{ name: 'r', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 'x' } }], contexts: [{ name: 'r', context: { cluster: 'r', user: 'u' } }] }));
      client = new KubeClient(kc, { requestMs: 5_000 });
    });
    afterAll(async () => {
      await client?.close();
      await new Promise<void>((r) => replay?.close(() => r()));
    });

    const names = async () => {
      const seen: string[] = [];
      await client.listEach<Pod>('/api/v1/pods', (p) => seen.push(p.metadata.name), { protobuf: podItem });
      return seen;
    };

    it('decodes the protobuf answer, and parses a JSON one the same', async () => {
      answer = await get(`/api/v1/namespaces/${NS}/pods`, PROTOBUF_TYPE);
      expect(await names()).toEqual(['backoff', 'init', 'running', 'unscheduled']);
      answer = await get(`/api/v1/namespaces/${NS}/pods`, 'application/json');
      expect(answer.type).toMatch(/^application\/json/);
      expect(await names()).toEqual(['backoff', 'init', 'running', 'unscheduled']);
    });

    it('a cut protobuf answer is a KubeApiError naming the request, not a partial list', async () => {
      const whole = await get(`/api/v1/namespaces/${NS}/pods`, PROTOBUF_TYPE);
      answer = { ...whole, body: whole.body.subarray(0, whole.body.length - 20) };
      const err = await names().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).message).toMatch(/^list \/api\/v1\/pods: other: unreadable protobuf answer/);
    });

    it("a protobuf 403 is 'forbidden' with the API server's message", async () => {
      answer = await get('/api/v1/pods', PROTOBUF_TYPE, api.viewerToken);
      const err = await names().catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'forbidden', status: 403 });
      expect((err as KubeApiError).message).toMatch(/pods is forbidden: User "viewer"/);
    });
  });
});
