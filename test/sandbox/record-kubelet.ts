/**
 * Records what the sandbox cluster's own kubelet says when a pull fails (issue 9: "kubelet events"
 * recorded from the fault matrix, not written by hand) into
 * helpers/classifier/vectors/recorded-kubelet.json. The hybrid node runs kubelet v1.33.13 over
 * containerd 1.6.20; every text is a Warning event the kubelet emitted for the pod, or the
 * container's waiting message, exactly as the API server returns it.
 *
 *   npx node test/sandbox/record-kubelet.ts [--only fault1,fault2] [--out file.json]
 *
 * Faults: every Harbor-side fault of HARBOR_SCENARIOS a pull can show (the same list and the same
 * "one text stands for these causes" reasoning as record-vectors.ts, in record-common.ts), pulled
 * by a pod pinned to the hybrid node with a pull secret made from the fault's target file (its
 * robot and secret, its image); plus the node- and cluster-side faults only a kubelet meets
 * (CLUSTER_FAULTS below). Each pod waits (bounded) for ErrImagePull/ImagePullBackOff; a pod that
 * runs means the fault is not in effect for that pull: it is replaced, at most three times, then
 * noted and nothing is recorded. Texts that say nothing about a cause ("Error: ErrImagePull",
 * "Back-off pulling image "x"") are not vectors. Secrets are scrubbed and checked before writing.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import * as hooks from '../../fixtures/cluster/hooks.ts';
import { applyPullSecret, clients, statusCode, type Clients } from '../../fixtures/cluster/kube.ts';
import { CONTAINERD_VERSION, HARBOR_HOST, HYBRID_NODE, K8S_VERSION, SEEDED_IMAGE } from '../../fixtures/cluster/topology.ts';
import { applyFault, revertFault } from '../../fixtures/sandbox/faults.ts';
import { readSecret } from '../../fixtures/sandbox/harbor-side-config.ts';
import { pollUntil } from '../../fixtures/sandbox/poll.ts';
import { ensureSandbox } from '../../fixtures/sandbox-lifecycle.ts';
import type { CauseId } from '../../helpers/findings/cause-ids.ts';
import { Redactor } from '../../helpers/redact.ts';
import { assertClean, INVISIBLE, planOf, ROBOT_401, SAME_TEXT } from './record-common.ts';
import { HARBOR_SCENARIOS } from './scenarios.ts';

const NS = 'hd-record';
const LABELS = { 'app.kubernetes.io/managed-by': 'hybrid-doctor-test' };
const SYMPTOM_MS = 90_000;
const RUN_DEADLINE_MS = 40 * 60_000;
const RUNTIME = 'kubelet/containerd';
const VERSION = `${K8S_VERSION}/${CONTAINERD_VERSION}`;
const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);
/** The kubelet's texts that only repeat the state: they name no cause, so they are no vectors. */
const STATE_ONLY = [/^Error: (ErrImagePull|ImagePullBackOff|InvalidImageName)$/, /^Back-off pulling image "[^"]*"$/, /^Pulling image /, /^Successfully pulled/, /^(Created|Started) container/];

interface Want {
  image: string;
  /** the pull secret's user and password; null: the pod names `secretName` and nothing is created */
  creds: { user: string; secret: string } | null;
  secretName?: string;
}

interface Recorded {
  text: string;
  runtime: string;
  version: string;
  fault: string;
  expect: CauseId[];
  source: string;
  client: string;
}

/**
 * Faults only the node or the cluster can have. `expect`: the fault's cause first, then what the
 * same text stands for, from what the kubelet can know: an unknown authority is all containerd sees
 * of a CA missing on the node; a pod whose named secret does not exist pulls anonymously, which
 * Harbor answers like any request without credentials; a resolver that refuses is the node's
 * resolver failing where cluster DNS works.
 */
const CLUSTER_FAULTS: { fault: string; expect: CauseId[]; apply: (healthy: Want) => Promise<{ want: Want; undo: () => Promise<void> }> }[] = [
  {
    fault: 'node-ca-removed',
    expect: ['node.ca-not-installed', 'tls.untrusted-ca'],
    apply: async (w) => {
      const u = await hooks.removeNodeCa(HYBRID_NODE.name);
      return { want: w, undo: u.undo };
    },
  },
  {
    fault: 'pull-secret-missing',
    // the 401 that follows is, word for word, the wrong-secret text: Harbor gives an anonymous
    // request the same access-less token (record-common.ts, ROBOT_401)
    expect: ['auth.pull-secret-missing', 'auth.credentials-missing', ...ROBOT_401],
    apply: async (w) => ({ want: { image: w.image, creds: null, secretName: 'harbor-registry-typo' }, undo: async () => {} }),
  },
  {
    fault: 'node-resolver-refuses',
    expect: ['dns.split-view', 'dns.servfail', 'dns.timeout'],
    apply: async (w) => {
      const u = await hooks.setResolvConf(HYBRID_NODE.name, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
      return { want: w, undo: u.undo };
    },
  },
  {
    fault: 'invalid-reference',
    expect: ['image.invalid-reference'],
    apply: async (w) => ({ want: { ...w, image: `${HARBOR_HOST}/library/BusyBox::1.36` }, undo: async () => {} }),
  },
];

let c: Clients;
let seq = 0;

function podBody(name: string, secretName: string | undefined, image: string): k8s.V1Pod {
  return {
    metadata: { name, namespace: NS, labels: LABELS },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': HYBRID_NODE.name },
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      ...(secretName ? { imagePullSecrets: [{ name: secretName }] } : {}),
      containers: [{ name: 'main', image, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
    },
  };
}

async function deletePod(name: string): Promise<void> {
  await c.core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 }).catch(() => {});
}

/**
 * One pull through the kubelet: `{ texts }` when the pod ends in a pull state (its kubelet Warning
 * events and waiting message, state-only texts dropped), `{ ran: true }` when three fresh pods ran.
 */
async function pull(label: string, want: Want): Promise<{ texts: { text: string; client: string }[] } | { ran: true }> {
  let secretName = want.secretName;
  if (want.creds) {
    secretName = `rec-${seq}`;
    await c.core.deleteNamespacedSecret({ name: secretName, namespace: NS }).catch(() => {});
    await applyPullSecret(c, { namespace: NS, name: secretName, username: want.creds.user, password: want.creds.secret });
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const name = `rec-${label}-${(seq++).toString(36)}`.slice(0, 63);
      await c.core.createNamespacedPod({ namespace: NS, body: podBody(name, secretName, want.image) });
      try {
        const end = await pollUntil<{ ran: boolean; waiting: k8s.V1ContainerStateWaiting | undefined }>(`pod ${NS}/${name} (${label}) in a pull state or running`, async () => {
          const p = await c.core.readNamespacedPod({ name, namespace: NS });
          const s = p.status?.containerStatuses?.[0];
          const w = s?.state?.waiting;
          if (w?.reason && PULL_REASONS.has(w.reason)) return { done: true, value: { ran: false, waiting: w } };
          if (s?.state?.running || p.status?.phase === 'Running') return { done: true, value: { ran: true, waiting: undefined } };
          return { done: false, observed: `phase ${p.status?.phase}, waiting ${w?.reason ?? '-'} ${w?.message ?? ''}`.trim() };
        }, { timeoutMs: SYMPTOM_MS, intervalMs: 500 });
        if (end.ran) continue;
        // Events are written asynchronously by the kubelet's recorder: give them a moment (bounded).
        const texts = await pollUntil(`kubelet events of ${NS}/${name}`, async () => {
          const evs = await c.core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${name}` });
          const warn = evs.items.filter((e) => e.type === 'Warning' && e.source?.component === 'kubelet');
          const failed = warn.some((e) => e.reason === 'Failed' && !STATE_ONLY.some((r) => r.test(e.message ?? '')));
          const out = warn.map((e) => ({ text: (e.message ?? '').trim(), client: `kubelet event ${e.reason}` }));
          if (end.waiting?.message) out.push({ text: end.waiting.message.trim(), client: `pod status waiting ${end.waiting.reason}` });
          return failed || end.waiting?.reason === 'InvalidImageName' ? { done: true, value: out } : { done: false, observed: warn.map((e) => `${e.reason}: ${e.message}`).join(' | ') || 'no kubelet warning yet' };
        }, { timeoutMs: 20_000, intervalMs: 500 });
        const seen = new Set<string>();
        return { texts: texts.filter((t) => t.text && !STATE_ONLY.some((r) => r.test(t.text)) && !seen.has(t.text) && seen.add(t.text)) };
      } finally {
        await deletePod(name);
      }
    }
    return { ran: true };
  } finally {
    if (want.creds && secretName) await c.core.deleteNamespacedSecret({ name: secretName, namespace: NS }).catch(() => {});
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string' } } });
  const started = Date.now();
  const log = (s: string) => console.log(`[record-kubelet] ${s}`);
  const out = values.out ?? path.join(import.meta.dirname, '..', '..', 'helpers', 'classifier', 'vectors', 'recorded-kubelet.json');
  const only = values.only ? new Set(values.only.split(',')) : undefined;

  log('sandbox with its cluster (reused when running) ...');
  const sb = await ensureSandbox({ log: (l) => log(`  ${l}`) });
  if (!sb.cluster) throw new Error('the sandbox has no cluster (HYBRID_DOCTOR_SANDBOX_CLUSTER=0?)');
  c = clients(sb.cluster.kubeconfigPath, sb.cluster.context);
  try {
    await c.core.createNamespace({ body: { metadata: { name: NS, labels: LABELS } } });
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
  }
  for (const p of (await c.core.listNamespacedPod({ namespace: NS })).items) await deletePod(p.metadata?.name ?? '');

  const realSecret = await readSecret(sb.harbor.robot.secretFile);
  const secrets = new Set<string>([realSecret]);
  const healthy: Want = { image: SEEDED_IMAGE, creds: { user: sb.harbor.robot.name, secret: realSecret } };
  const base = await pull('baseline', healthy);
  if (!('ran' in base)) throw new Error(`the hybrid node cannot pull the healthy sandbox (setup problem, nothing recorded): ${base.texts.map((t) => t.text).join(' | ')}`);
  log(`baseline: the hybrid node pulls ${SEEDED_IMAGE}`);

  const vectors: Recorded[] = [];
  const notes: string[] = [];
  const record = (fault: string, expect: CauseId[], r: Awaited<ReturnType<typeof pull>>) => {
    if ('ran' in r) {
      notes.push(`${fault}: the pod ran three times; nothing recorded`);
      log(`  ${fault}: pod RAN although the fault should break the pull; nothing recorded`);
      return;
    }
    for (const t of r.texts) {
      vectors.push({ text: t.text, runtime: RUNTIME, version: VERSION, fault, expect, source: `recorded:${RUNTIME}@${VERSION}`, client: t.client });
      log(`  ${t.client}: ${t.text.slice(0, 180)}`);
    }
  };

  for (const sc of HARBOR_SCENARIOS) {
    if (only && !only.has(sc.fault)) continue;
    if (INVISIBLE[sc.fault]) continue;
    if (Date.now() - started > RUN_DEADLINE_MS) {
      notes.push(`deadline reached before ${sc.fault}`);
      break;
    }
    const expect = [...new Set<CauseId>([sc.expect, ...(SAME_TEXT[sc.fault] ?? [])])];
    const applied = await applyFault(sc.fault, sb.harbor);
    try {
      const plan = await planOf(applied.targetFile);
      if (plan.arch) {
        log(`skip ${sc.fault}: the kubelet pulls for its own platform (the cluster matrix pushes an arm64-only index instead)`);
        continue;
      }
      const secret = await readSecret(plan.secretFile);
      secrets.add(secret);
      log(`fault ${sc.fault} (expect ${expect.join(' | ')})`);
      record(sc.fault, expect, await pull(sc.fault, { image: plan.ref, creds: { user: plan.user, secret } }));
    } finally {
      await revertFault(sc.fault, sb.harbor);
    }
  }
  for (const f of CLUSTER_FAULTS) {
    if (only && !only.has(f.fault)) continue;
    log(`fault ${f.fault} (expect ${f.expect.join(' | ')})`);
    const a = await f.apply(healthy);
    try {
      record(f.fault, f.expect, await pull(f.fault, a.want));
    } finally {
      await a.undo();
    }
  }
  await c.core.deleteNamespace({ name: NS, gracePeriodSeconds: 0 }).catch(() => {});

  const red = new Redactor();
  for (const s of secrets) red.add(s, sb.harbor.robot.name);
  const clean = vectors.map((v) => ({ ...v, text: red.text(v.text) }));
  assertClean(clean.map((v) => v.text), [...secrets]);
  await writeFile(out, `${JSON.stringify(clean, null, 1)}\n`);
  log(`wrote ${clean.length} texts from ${new Set(clean.map((v) => v.fault)).size} faults to ${path.relative(process.cwd(), out)} in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const n of notes) log(`note: ${n}`);
}

await main().catch((err: Error) => {
  console.error(`[record-kubelet] failed: ${err.message}`);
  process.exitCode = 1;
});
