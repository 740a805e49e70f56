/**
 * Benchmark: `diagnose --all-namespaces` on a real kube-apiserver (fixtures/kube/apiserver-only)
 * holding 10,000 pods in ImagePullBackOff over 200 registered nodes, with 50,000 events.
 * Creation (bounded concurrency) is not measured. The diagnosis runs in a child process so its
 * wall time and peak RSS are its own. Aim (issue 4): < 5 s and < 300 MB.
 *
 *   npx node bench/diagnose-scale.ts [--pods 10000] [--nodes 200] [--events 50000] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from '../fixtures/kube/apiserver-only.ts';
import { createNode, ensureNamespace, mapLimit, podStatus, type ContainerDef } from '../fixtures/kube/seed.ts';
import { KubeClient } from '../helpers/kube/client.ts';
import type { Pod } from '../helpers/kube/types.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

if (args[0] === '--child') {
  // The measured part: a fresh process, one diagnose over all namespaces.
  const { diagnose } = await import('../helpers/diagnose/diagnose.ts');
  const kc = new KubeConfig();
  kc.loadFromFile(args[1]!);
  const kube = new KubeClient(kc, { requestMs: 30_000 });
  const t0 = performance.now();
  const page = process.env.HD_BENCH_PAGE ? Number(process.env.HD_BENCH_PAGE) : undefined;
  const r = await diagnose({ kube, allNamespaces: true, signal: AbortSignal.timeout(120_000), ...(page !== undefined ? { pageSize: page } : {}) });
  const ms = performance.now() - t0;
  await kube.close();
  const groups = r.groups.map((g) => ({ cause: g.cause, count: g.count, nodes: g.nodes.length }));
  process.stdout.write(JSON.stringify({ ms: Math.round(ms), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), pods: r.pods.length, stats: r.stats, groups }));
  process.exit(0);
}

const PODS = arg('pods', 10_000);
const NODES = arg('nodes', 200);
const EVENTS = arg('events', 50_000);
const NAMESPACES = 20;
const H = 'harbor.sandbox.test';

/** Failure texts the pods cycle through (shapes of real kubelet/containerd 1.6 messages). */
const failures: { reason: string; message: (img: string) => string }[] = [
  { reason: 'Failed', message: (img) => `Failed to pull image "${img}": failed to pull and unpack image "${img}": failed to resolve reference "${img}": pulling from host ${H} failed with status code [manifests 1.36]: 401 Unauthorized` },
  { reason: 'Failed', message: (img) => `Failed to pull image "${img}": rpc error: code = Unknown desc = failed to pull and unpack image "${img}": failed to resolve reference "${img}": failed to do request: Head "https://${H}/v2/library/busybox/manifests/1.36": x509: certificate signed by unknown authority` },
  { reason: 'Failed', message: (img) => `Failed to pull image "${img}": rpc error: code = NotFound desc = failed to pull and unpack image "${img}": failed to resolve reference "${img}": ${img}: not found` },
];

const t0 = Date.now();
const api = await startApiServer();
const kube = api.client({ requestMs: 60_000 });
try {
  console.error(`apiserver ready in ${Date.now() - t0} ms; seeding ${NODES} nodes, ${PODS} pods, ${EVENTS} events...`);
  const seedStart = Date.now();
  await mapLimit([...Array(NODES).keys()], 32, async (i) => {
    await createNode(kube, { name: `node-${i}`, internalIP: `172.29.${i % 2 ? 10 : 20}.${(i % 250) + 1}`, ...(i % 2 ? { labels: { 'eks.amazonaws.com/compute-type': 'hybrid' } } : {}) });
  });
  for (let n = 0; n < NAMESPACES; n++) await ensureNamespace(kube, `bench-${n}`);
  const pods: Pod[] = new Array(PODS);
  await mapLimit([...Array(PODS).keys()], 64, async (i) => {
    const ns = `bench-${i % NAMESPACES}`;
    const img = `${H}/library/app-${i % 50}:1.36`;
    const containers: ContainerDef[] = [{ name: 'app', image: img, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${img}"` } }];
    const spec = { nodeName: `node-${i % NODES}`, automountServiceAccountToken: false, containers: [{ name: 'app', image: img }] };
    const p = await kube.request<Pod>('POST', `/api/v1/namespaces/${ns}/pods`, { body: { metadata: { name: `pod-${i}` }, spec } });
    await kube.request('PATCH', `/api/v1/namespaces/${ns}/pods/pod-${i}/status`, { body: { status: podStatus({ namespace: ns, name: `pod-${i}`, node: spec.nodeName, containers }) }, contentType: 'application/merge-patch+json' });
    pods[i] = p;
  });
  console.error(`pods seeded in ${Date.now() - seedStart} ms`);
  const evStart = Date.now();
  const now = new Date().toISOString();
  await mapLimit([...Array(EVENTS).keys()], 64, async (i) => {
    const p = pods[i % PODS]!;
    const img = p.spec!.containers![0]!.image!;
    const kind = Math.floor(i / PODS) % 5;
    const f = failures[(i % PODS) % failures.length]!;
    const [reason, message, type] =
      kind === 0 ? ['Pulling', `Pulling image "${img}"`, 'Normal'] : kind === 1 ? [f.reason, f.message(img), 'Warning'] : kind === 2 ? ['Failed', 'Error: ErrImagePull', 'Warning'] : kind === 3 ? ['BackOff', `Back-off pulling image "${img}"`, 'Normal'] : ['Failed', 'Error: ImagePullBackOff', 'Warning'];
    await kube.request('POST', `/api/v1/namespaces/${p.metadata.namespace}/events`, {
      body: {
        metadata: { name: `${p.metadata.name}.e${i}` },
        involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
        reason, message, type, count: 1 + (i % 7), firstTimestamp: now, lastTimestamp: now,
        source: { component: 'kubelet', host: p.spec!.nodeName },
      },
    });
  });
  console.error(`events seeded in ${Date.now() - evStart} ms`);

  if (args.includes('--keep')) {
    // Profiling aid: keep the seeded API server until SIGINT/SIGTERM; run the child by hand:
    //   npx node bench/diagnose-scale.ts --child <kubeconfig>
    console.error(`seeded; kubeconfig ${api.kubeconfigPath}; Ctrl-C to stop`);
    await new Promise<void>((r) => {
      process.once('SIGINT', () => r());
      process.once('SIGTERM', () => r());
    });
  }
  // Twice: Node's default heap settings, and a 4 MB young generation (`--max-semi-space-size=4`),
  // which keeps the short-lived page buffers from inflating RSS (same work, less peak memory).
  const runs = [[], ['--max-semi-space-size=4']].map((flags) => {
    const out = execFileSync(process.execPath, [...flags, new URL(import.meta.url).pathname, '--child', api.kubeconfigPath], { encoding: 'utf8', maxBuffer: 16 << 20 });
    const r = JSON.parse(out) as { ms: number; maxRssMB: number; pods: number; stats: Record<string, unknown>; groups: unknown[] };
    return { nodeFlags: flags.join(' ') || '(defaults)', diagnoseMs: r.ms, peakRssMB: r.maxRssMB, podsDiagnosed: r.pods, stats: r.stats, groups: r.groups };
  });
  const figures = { pods: PODS, nodes: NODES, events: EVENTS, loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10), cpus: (await import('node:os')).cpus().length, runs, aim: { ms: 5000, rssMB: 300 } };
  console.log(JSON.stringify(figures, null, 2));
  const j = args.indexOf('--json');
  if (j >= 0 && args[j + 1]) writeFileSync(args[j + 1]!, JSON.stringify(figures, null, 2));
} finally {
  await kube.close();
  await api.stop();
}
