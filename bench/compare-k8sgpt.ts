/**
 * Benchmark (issue 4, "side by side"): on the same cluster and the same fault set, three tools
 * look at one pod stuck pulling its image:
 *   (a) hybrid-doctor `diagnose --json --target <sandbox target + kubernetes block> -n <ns>`
 *       (child process, the CLI's own correlation suites included),
 *   (b) k8sgpt `analyze --filter Pod --namespace <ns> --output json --kubeconfig <file>`, built
 *       from its Go module by docker/k8s/build-k8sgpt.sh, no AI backend (no --explain),
 *   (c) bench/guide-troubleshooting.sh: the guide's Step 13 kubectl commands (source-built kubectl).
 * Per scenario: "root cause named correctly" (rubric below) and wall time of each tool.
 *
 *   npm run bench -- compare            (or: npx node bench/compare-k8sgpt.ts [--json FILE])
 *   env: COMPARE_ONLY=id,id  run a subset of scenarios
 *        COMPARE_TIMINGS=1   hybrid-doctor with --timings; its table is printed per scenario
 *
 * Environment: `ensureSandbox()` (reuses a running Harbor side) and the cluster — reused when
 * `clusterStatus()` says it runs (startCluster() always recreates the cluster, and the sandbox is
 * shared), started with `startCluster()` otherwise. Never tears anything down. Each scenario:
 * fresh namespace labelled app.kubernetes.io/managed-by=hybrid-doctor-bench (deleted after), fault
 * applied, one pod pinned to the hybrid node, wait (deadline) until the real kubelet reports a
 * pull waiting reason and a Failed event, run the three tools, revert the fault (finally).
 *
 * ROOT-CAUSE RUBRIC
 * - hybrid-doctor: correct iff its `cause` for the pod equals the scenario's `expected` id.
 *   Its `symptom` (what the pull error alone says) does not count.
 * - k8sgpt and the kubectl script print free text. Graded text: k8sgpt's `error[].Text` for the
 *   pod (all of it); the script's whole output. Correct iff the text matches the scenario's
 *   `credit` rule, i.e. it names the ROOT cause, not only the symptom. Rules are per scenario
 *   (see SCENARIOS[].rubric). Principles:
 *   · a message that is the root cause by itself gets credit (a missing tag's "not found", the
 *     vulnerability-policy refusal, `secrets "harbor-registry" not found`, "invalid reference
 *     format");
 *   · a message that fits several root causes does not (x509 "unknown authority" could be a
 *     missing node CA, a CA mismatch after rotation, an incomplete chain; a bare "401
 *     Unauthorized" / "authorization failed" could be no credentials, wrong credentials,
 *     a disabled robot, a missing permission; "no such host" from the node's resolver could be a
 *     removed hosts entry, a missing zone record, the wrong resolver: it is the DNS symptom);
 *   · no reading between the lines: the decoded secret's password is masked and, in any case,
 *     seeing a secret is not the same as being told it is wrong.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { BenchResult } from './run.ts';
import { ensureSandbox, type Sandbox } from '../fixtures/sandbox-lifecycle.ts';
import { applyFault, revertFault, type FaultId } from '../fixtures/sandbox/faults.ts';
import { IMAGE_REFS } from '../fixtures/sandbox/harbor-side.ts';
import { clusterStatus, startCluster, hooks } from '../fixtures/cluster/index.ts';
import { NODE_FILES } from '../fixtures/cluster/hooks.ts';
import { dnsQuery } from '../fixtures/sandbox/probe.ts';
import { IPS } from '../fixtures/sandbox/docker.ts';
import { applyPullSecret, clients, statusCode, type Clients } from '../fixtures/cluster/kube.ts';
import { clusterDir, CONTEXT_NAME, HARBOR_HOST, HARBOR_IP, HYBRID_NODE, k8sBinDir, nodeDir, PULL_SECRET_NAME, REPO_ROOT, stateDir } from '../fixtures/cluster/topology.ts';
import type { CauseId } from '../helpers/findings/cause-ids.ts';

const ROOT = REPO_ROOT;
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'hybrid-doctor-bench' };
const WAIT_PULL_MS = 120_000;
const TOOL_TIMEOUT_MS = 180_000;

type SecretMode = 'ok' | 'wrong' | 'absent';
interface Ctx {
  sandbox: Sandbox;
  robotName: string;
  robotSecret: string;
}
interface Scenario {
  id: string;
  what: string;
  expected: CauseId;
  image: string;
  secret: SecretMode;
  /** Harbor-side fault (fixtures/sandbox/faults.ts); its target file is the one hybrid-doctor gets. */
  harborFault?: FaultId;
  /** Cluster-side fault (fixtures/cluster/hooks.ts); returns the undo. */
  apply?: (ctx: Ctx) => Promise<{ undo(): Promise<void> }>;
  /** What the kubelet's pull error must show when this fault (and nothing else) is in place. */
  symptom: RegExp;
  rubric: { credit: RegExp[]; rule: string };
}

const img = (path: string) => `${HARBOR_HOST}/${path}`;

export const SCENARIOS: Scenario[] = [
  {
    id: 'node-ca-removed',
    what: `Harbor CA removed from the hybrid node's certs.d/${HARBOR_HOST}/ca.crt`,
    expected: 'node.ca-not-installed',
    image: IMAGE_REFS.busybox,
    secret: 'ok',
    apply: () => hooks.removeNodeCa(HYBRID_NODE.name), // ca.crt goes, and hosts.toml's `ca =` line with it
    symptom: /x509: certificate signed by unknown authority/,
    rubric: {
      credit: [/certs\.d/i, /\bca\.crt\b.*(missing|absent|not (found|installed))/i, /CA (certificate )?(is )?(not installed|missing) on the node/i],
      rule: 'names the node-side CA location (certs.d/<host>/ca.crt missing); "x509: certificate signed by unknown authority" alone is the symptom',
    },
  },
  {
    id: 'wrong-robot-secret',
    what: 'the pull secret holds a wrong robot secret (right name, right registry)',
    expected: 'auth.credentials-invalid',
    image: IMAGE_REFS.busybox,
    secret: 'wrong',
    symptom: /401 Unauthorized|unauthorized/i,
    rubric: {
      credit: [/invalid (username|password|credentials)/i, /incorrect username or password/i, /(username|password|credentials?|secret) (is |are )?(wrong|incorrect|invalid|rejected)/i],
      rule: 'says the presented credentials were rejected (invalid/incorrect username or password); a bare 401 / "authorization failed" / "insufficient_scope" fits no-credentials, no-permission and disabled-robot too',
    },
  },
  {
    id: 'pull-secret-missing',
    what: `the pod references imagePullSecret ${PULL_SECRET_NAME}, which does not exist in its namespace`,
    expected: 'auth.pull-secret-missing',
    image: IMAGE_REFS.busybox,
    secret: 'absent',
    symptom: /401 Unauthorized|unauthorized/i,
    rubric: {
      credit: [new RegExp(`secrets? "?${PULL_SECRET_NAME}"? not found`, 'i'), new RegExp(`Unable to retrieve some image pull secrets \\(${PULL_SECRET_NAME}\\)`, 'i')],
      rule: `names the missing secret: 'secrets "${PULL_SECRET_NAME}" not found' or kubelet's "Unable to retrieve some image pull secrets (${PULL_SECRET_NAME})"; a 401 alone does not`,
    },
  },
  {
    id: 'tag-missing',
    what: 'the tag does not exist (library/busybox:9.99)',
    expected: 'image.not-found',
    image: img('library/busybox:9.99'),
    secret: 'ok',
    symptom: /: not found/,
    rubric: { credit: [/busybox:9\.99[^\n]*not found/i, /manifest unknown/i], rule: 'the registry\'s "not found" / "manifest unknown" for the reference (the root cause by itself)' },
  },
  {
    id: 'coredns-hosts-removed',
    what: `the hosts entry for ${HARBOR_HOST} removed from the on-prem CoreDNS (the resolver the nodes use)`,
    expected: 'dns.coredns-hosts-missing',
    image: IMAGE_REFS.busybox,
    secret: 'ok',
    harborFault: 'dns-entry-removed',
    symptom: /lookup harbor\.sandbox\.test on 172\.29\.10\.53:53: no such host/,
    rubric: {
      credit: [/hosts (entry|plugin|block)[^\n]*(missing|removed|no entry|lacks)/i, /Corefile[^\n]*(missing|removed|no hosts|lacks|without)/i, /(no|missing) hosts entry/i],
      rule: 'says the CoreDNS Corefile lacks the hosts entry for the registry. "lookup harbor.sandbox.test on 172.29.10.53:53: no such host" (NXDOMAIN) is the symptom, like x509 for a missing CA: it does not say why the resolver lacks the name. A successful nslookup from a pod (cluster DNS) is no credit either',
    },
  },
  {
    id: 'image-ref-typo',
    what: 'typo in the repository name (library/busyboxx:1.36)',
    expected: 'image.not-found',
    image: img('library/busyboxx:1.36'),
    secret: 'ok',
    symptom: /: not found/,
    rubric: {
      credit: [/busyboxx[^\n]*(not found|name unknown|manifest unknown|repository not found)/i],
      rule: 'says the reference does not exist ("not found", NAME_UNKNOWN); "repository does not exist or may require authorization" is ambiguous (also means no access) and gets no credit',
    },
  },
  {
    id: 'image-ref-invalid',
    what: 'typo that makes the reference unparseable (upper case: library/BusyBox:1.36)',
    expected: 'image.invalid-reference',
    image: img('library/BusyBox:1.36'),
    secret: 'ok',
    symptom: /InvalidImageName|invalid reference format|couldn't parse/i,
    rubric: { credit: [/InvalidImageName/, /invalid reference format/i, /couldn't parse image (reference|name)/i], rule: 'InvalidImageName / "invalid reference format" (the root cause by itself)' },
  },
  {
    id: 'harbor-vuln-policy',
    what: 'secure/vulnerable:1.0 (critical CVE) in project secure with prevent_vul on; the robot may pull secure',
    expected: 'image.policy-vulnerability',
    image: IMAGE_REFS.vulnerable,
    secret: 'ok',
    harborFault: 'prevent-vul',
    symptom: /412 Precondition Failed|vulnerab/i,
    rubric: {
      credit: [/vulnerabilit(y|ies)[^\n]*cannot be pulled/i, /cannot be pulled due to configured policy/i, /Prevent images with vulnerability severity/i],
      rule: 'Harbor\'s refusal text naming the vulnerability policy ("... cannot be pulled due to configured policy ..."); a bare "412 Precondition Failed" (all containerd 1.6 shows) does not say which policy',
    },
  },
];

// ------------------------------------------------------------------ process helpers

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  error?: string;
}
function runTimed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err && typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : err ? null : 0;
      const r: Ran = { code, stdout: String(stdout), stderr: String(stderr), seconds: (performance.now() - t0) / 1000 };
      if (err && code === null) r.error = (err as Error).message.split('\n')[0] ?? String(err);
      resolve(r);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const short = (s: string, n = 110) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};
/** The end of a message (pull errors put the cause last). */
const tail = (s: string, n = 110) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `…${one.slice(-(n - 1))}` : one;
};

// ------------------------------------------------------------------ k8sgpt

export const K8SGPT = join(k8sBinDir(), 'k8sgpt');

/** true, or why k8sgpt cannot be used (build failure text from the build log when there is one). */
export async function k8sgptAvailability(): Promise<true | string> {
  if (existsSync(K8SGPT)) return true;
  const log = join(k8sBinDir(), '..', 'src', 'k8sgpt', 'build.log');
  const tail = existsSync(log) ? (await readFile(log, 'utf8')).trim().split('\n').filter((l) => !l.startsWith('go: downloading')).slice(-3).join(' | ') : '';
  return `${K8SGPT} not built (run: nice -n 10 bash docker/k8s/build-k8sgpt.sh)${tail ? `; last build log lines: ${tail}` : ''}`;
}

interface K8sgptResult {
  kind?: string;
  name?: string;
  error?: { Text?: string }[];
}
function k8sgptText(stdout: string, ns: string, pod: string): string {
  try {
    const j = JSON.parse(stdout) as { results?: K8sgptResult[] | null; problems?: number; status?: string };
    const mine = (j.results ?? []).filter((r) => r.name === `${ns}/${pod}` || r.name === pod);
    const texts = mine.flatMap((r) => (r.error ?? []).map((e) => e.Text ?? ''));
    return texts.length ? texts.join('\n') : `(no problem reported for the pod; status ${j.status ?? '?'}, problems ${j.problems ?? 0})`;
  } catch {
    return `(unparseable output) ${stdout.slice(0, 300)}`;
  }
}

// ------------------------------------------------------------------ cluster helpers

async function waitPull(c: Clients, ns: string, pod: string): Promise<string> {
  const deadline = Date.now() + WAIT_PULL_MS;
  let last = 'nothing yet';
  while (Date.now() < deadline) {
    try {
      const p = await c.core.readNamespacedPod({ name: pod, namespace: ns });
      const w = p.status?.containerStatuses?.[0]?.state?.waiting;
      const ev = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pod}` });
      const failed = ev.items.some((e) => e.reason === 'Failed' || e.reason === 'InspectFailed');
      last = `waiting ${w?.reason ?? '-'}; events ${ev.items.map((e) => e.reason).join(',')}`;
      if (w?.reason && /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(w.reason) && failed) return w.reason;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(1000);
  }
  throw new Error(`pod ${ns}/${pod}: no pull failure within ${WAIT_PULL_MS / 1000} s (${last})`);
}

/**
 * The sandbox is shared: other engineers' fault proofs may have a node file or the on-prem DNS
 * broken at any moment. Healthy = every hybrid-node file a hook ever touched equals its saved
 * original (<state>/nodes/<node>/.orig) and the on-prem DNS answers the registry address.
 * Returns the problems ([] = healthy); `except` skips what the scenario itself breaks.
 */
async function baselineProblems(except: { nodeFiles?: string[]; dns?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  const nd = nodeDir(HYBRID_NODE.name);
  for (const rel of Object.values(NODE_FILES)) {
    if (except.nodeFiles?.includes(rel)) continue;
    const orig = join(nd, '.orig', rel);
    const cur = join(nd, rel);
    if (existsSync(orig + '.absent')) {
      if (existsSync(cur)) problems.push(`${HYBRID_NODE.name}:${rel} present (originally absent)`);
    } else if (existsSync(orig)) {
      const [a, b] = await Promise.all([readFile(orig, 'utf8'), readFile(cur, 'utf8').catch(() => null)]);
      if (a !== b) problems.push(`${HYBRID_NODE.name}:${rel} ${b === null ? 'missing' : 'differs from its original'}`);
    }
  }
  if (!except.dns) {
    const a = await dnsQuery(IPS.dns, HARBOR_HOST, 'A', 2000).catch((e: Error) => ({ rcode: e.message, addresses: [] as string[] }));
    if (!a.addresses.includes(HARBOR_IP)) problems.push(`on-prem DNS: ${HARBOR_HOST} → ${a.rcode} [${a.addresses.join(',')}]`);
  }
  return problems;
}

async function waitBaseline(ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  let p = await baselineProblems();
  while (p.length && Date.now() < deadline) {
    await sleep(2000);
    p = await baselineProblems();
  }
  return p;
}

async function deleteNamespace(c: Clients, ns: string): Promise<void> {
  try {
    await c.core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
    await c.core.deleteNamespace({ name: ns });
  } catch (err) {
    if (statusCode(err) !== 404) console.error(`cleanup of namespace ${ns}: ${(err as Error).message}`);
  }
}

async function benchTarget(sourceTarget: string, kubeconfig: string, file: string): Promise<string> {
  const doc = parseYaml(await readFile(sourceTarget, 'utf8')) as Record<string, unknown>;
  // Probes allowed: the sandbox is ours, and the node probe (certs.d, resolv.conf, containerd
  // config) is how hybrid-doctor tells a missing node CA from other unknown-authority causes.
  // `diagnose --read-only` (or allowProbes: false) gives the symptom (tls.untrusted-ca) there.
  doc.kubernetes = { ...((doc.kubernetes as Record<string, unknown> | undefined) ?? {}), kubeconfig, context: CONTEXT_NAME, allowProbes: true };
  await writeFile(file, toYaml(doc));
  return file;
}

// ------------------------------------------------------------------ the run

export interface ToolOutcome {
  answer: string;
  correct: boolean;
  seconds: number;
  error?: string;
}
export interface ScenarioOutcome {
  id: string;
  expected: CauseId;
  waitingReason: string;
  /** Something else (another engineer's fault) changed the sandbox while the tools ran. */
  contaminated?: string;
  hd: ToolOutcome;
  k8sgpt: ToolOutcome | null;
  kubectl: ToolOutcome;
}

/** Applies the scenario's rubric; on credit, `line` is the matched text with a little context. */
function grade(s: Scenario, text: string): { correct: boolean; line: string } {
  for (const re of s.rubric.credit) {
    const m = re.exec(text);
    if (m) {
      const start = text.lastIndexOf('\n', m.index) + 1;
      const from = Math.max(start, m.index + m[0].length - 100);
      return { correct: true, line: `${from > start ? '…' : ''}${text.slice(from, m.index + m[0].length)}` };
    }
  }
  return { correct: false, line: '' };
}

/** The line of the script's output an engineer would read first: the kubelet's pull error. */
function kubectlHeadline(out: string): string {
  const lines = out.split('\n');
  return (
    lines.find((l) => /Failed to pull image|Failed to inspect image|InvalidImageName|couldn't parse/i.test(l)) ??
    lines.find((l) => /Unable to retrieve some image pull secrets/i.test(l)) ??
    lines.find((l) => /Warning/.test(l)) ??
    '(nothing)'
  );
}

export async function runScenarios(log: (l: string) => void = (l) => console.error(l)): Promise<{ outcomes: ScenarioOutcome[]; skipped: { id: string; why: string }[]; k8sgpt: true | string; env: Record<string, string> }> {
  const only = process.env.COMPARE_ONLY?.split(',').filter(Boolean);
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
  if (only && scenarios.length !== only.length) throw new Error(`COMPARE_ONLY: unknown scenario; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);

  const kubectlBin = join(k8sBinDir(), 'kubectl');
  if (!existsSync(kubectlBin)) throw new Error(`${kubectlBin} missing (bash docker/k8s/build.sh)`);
  const sandbox = await ensureSandbox({ log });
  const st = await clusterStatus();
  let clusterNote = 'reused';
  if (!st.running) {
    log('cluster not running: startCluster()');
    await startCluster({ log });
    clusterNote = 'started by the bench';
  }
  const kubeconfig = join(clusterDir(), 'kubeconfig');
  const c = clients(kubeconfig);
  const k8sgpt = await k8sgptAvailability();
  if (k8sgpt !== true) log(`k8sgpt unavailable: ${k8sgpt}`);
  const robotName = sandbox.harbor.robot.name;
  const robotSecret = (await readFile(sandbox.harbor.robot.secretFile, 'utf8')).trim();
  const ctx: Ctx = { sandbox, robotName, robotSecret };
  const work = join(stateDir(), 'bench', 'compare');
  await mkdir(join(work, 'k8sgpt-config'), { recursive: true });
  const run = Date.now().toString(36).slice(-5);

  const outcomes: ScenarioOutcome[] = [];
  const skipped: { id: string; why: string }[] = [];
  // A scenario the sandbox changed under (another engineer's fault) is run once more at the end.
  const queue = scenarios.map((s, idx) => ({ s, idx, attempt: 1 }));
  while (queue.length) {
    const { s, idx, attempt } = queue.shift()!;
    const busy = await waitBaseline(90_000);
    if (busy.length) {
      log(`scenario ${s.id} skipped: sandbox not healthy before the fault (${busy.join('; ')})`);
      skipped.push({ id: s.id, why: `sandbox not healthy: ${busy.join('; ')}` });
      continue;
    }
    // Neutral names: a pod or namespace named after the fault would hand the text tools a keyword.
    const ns = `hd-bench-${run}-s${idx}-${attempt}`;
    const pod = `pull-s${idx}`;
    log(`scenario ${s.id}: ${s.what}`);
    let undo: { undo(): Promise<void> } | undefined;
    let harborApplied = false;
    try {
      await c.core.createNamespace({ body: { metadata: { name: ns, labels: { ...MANAGED_BY } } } });
      if (s.secret !== 'absent') {
        const wrong = `${robotSecret.slice(0, -4)}${robotSecret.endsWith('Zz99') ? 'Aa11' : 'Zz99'}`;
        await applyPullSecret(c, { namespace: ns, name: PULL_SECRET_NAME, username: robotName, password: s.secret === 'wrong' ? wrong : robotSecret });
      }
      let sourceTarget = sandbox.targetFile;
      if (s.harborFault) {
        harborApplied = true;
        const applied = await applyFault(s.harborFault, sandbox.harbor);
        if (applied.targetFile !== sandbox.harbor.baseTargetFile) sourceTarget = applied.targetFile;
      }
      if (s.apply) undo = await s.apply(ctx);
      await c.core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: pod, labels: { ...MANAGED_BY } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': HYBRID_NODE.name },
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            imagePullSecrets: [{ name: PULL_SECRET_NAME }],
            containers: [{ name: 'main', image: s.image, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
          },
        },
      });
      const waitingReason = await waitPull(c, ns, pod);
      const seen = (await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pod}` })).items.map((e) => e.message ?? '').join('\n');
      const podStatus = await c.core.readNamespacedPod({ name: pod, namespace: ns });
      const waitingMsg = podStatus.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '';
      const symptomOk = s.symptom.test(`${waitingReason}\n${waitingMsg}\n${seen}`);
      log(`  kubelet: ${waitingReason}${symptomOk ? '' : ` — NOT the fault's symptom: ${short(waitingMsg || seen, 200)}`}`);

      // (a) hybrid-doctor
      const target = await benchTarget(sourceTarget, kubeconfig, join(work, `target-${s.id}.yaml`));
      const hdRun = await runTimed(process.execPath, [join(ROOT, 'bin', 'hybrid-doctor.mjs'), 'diagnose', '--json', '--target', target, '-n', ns, ...(process.env.COMPARE_TIMINGS === '1' ? ['--timings'] : [])]);
      if (process.env.COMPARE_TIMINGS === '1') log(hdRun.stderr.trimEnd());
      let hd: ToolOutcome;
      try {
        const rep = JSON.parse(hdRun.stdout) as { pods: { pod: string; cause: CauseId; symptom: CauseId; rule: string }[] };
        const p = rep.pods.find((x) => x.pod === pod);
        hd = { answer: p ? `${p.cause}${p.symptom !== p.cause ? ` (symptom ${p.symptom})` : ''}` : '(pod not diagnosed)', correct: p?.cause === s.expected, seconds: hdRun.seconds };
      } catch {
        hd = { answer: `(exit ${hdRun.code}) ${short(hdRun.stderr || hdRun.stdout, 200)}`, correct: false, seconds: hdRun.seconds, error: hdRun.error ?? 'unparseable output' };
      }
      log(`  hybrid-doctor ${hd.seconds.toFixed(2)} s: ${hd.answer}`);

      // (b) k8sgpt
      let kg: ToolOutcome | null = null;
      if (k8sgpt === true) {
        const r = await runTimed(K8SGPT, ['analyze', '--filter', 'Pod', '--namespace', ns, '--output', 'json', '--kubeconfig', kubeconfig, '--kubecontext', CONTEXT_NAME], {
          XDG_CONFIG_HOME: join(work, 'k8sgpt-config'),
          XDG_CACHE_HOME: join(work, 'k8sgpt-config'),
        });
        const text = r.code === 0 || r.stdout.trim().startsWith('{') ? k8sgptText(r.stdout, ns, pod) : `(exit ${r.code}) ${r.stderr || r.stdout}`;
        const g = grade(s, text);
        kg = { answer: g.correct ? short(g.line) : tail(text.split('\n')[0] ?? ''), correct: g.correct, seconds: r.seconds, ...(r.error ? { error: r.error } : {}) };
        await writeFile(join(work, `k8sgpt-${s.id}.json`), r.stdout || r.stderr);
        log(`  k8sgpt ${kg.seconds.toFixed(2)} s: ${kg.correct ? 'credit' : 'no credit'}: ${kg.answer}`);
      }

      // (c) the guide's kubectl script
      const kr = await runTimed('bash', [join(ROOT, 'bench', 'guide-troubleshooting.sh'), ns, pod], { KUBECONFIG: kubeconfig, KUBECTL: kubectlBin });
      const out = `${kr.stdout}\n${kr.stderr}`;
      await writeFile(join(work, `kubectl-${s.id}.txt`), out);
      const kgd = grade(s, out);
      const kubectl: ToolOutcome = { answer: kgd.correct ? short(kgd.line) : tail(kubectlHeadline(out)), correct: kgd.correct, seconds: kr.seconds, ...(kr.error ? { error: kr.error } : {}) };
      log(`  kubectl script ${kubectl.seconds.toFixed(2)} s: ${kubectl.correct ? 'credit' : 'no credit'}: ${kubectl.answer}`);

      const after = await baselineProblems({ ...(s.id === 'node-ca-removed' ? { nodeFiles: [NODE_FILES.ca, NODE_FILES.hostsToml] } : {}), ...(s.harborFault === 'dns-entry-removed' ? { dns: true } : {}) });
      if (!symptomOk) after.unshift(`kubelet's error is not this fault's symptom: ${short(waitingMsg || seen, 160)}`);
      if (after.length) log(`  CONTAMINATED: ${after.join('; ')}${attempt === 1 ? ' (will run again)' : ''}`);
      if (after.length && attempt === 1) {
        queue.push({ s, idx, attempt: 2 });
        continue;
      }
      outcomes.push({ id: s.id, expected: s.expected, waitingReason, hd, k8sgpt: kg, kubectl, ...(after.length ? { contaminated: after.join('; ') } : {}) });
    } catch (err) {
      log(`  scenario ${s.id} failed: ${(err as Error).message}`);
      skipped.push({ id: s.id, why: (err as Error).message });
    } finally {
      if (undo) await undo.undo().catch((e: Error) => log(`  UNDO FAILED for ${s.id}: ${e.message}`));
      if (harborApplied && s.harborFault) await revertFault(s.harborFault, sandbox.harbor).catch((e: Error) => log(`  REVERT FAILED for ${s.harborFault}: ${e.message}`));
      await deleteNamespace(c, ns);
    }
  }
  const order = (id: string) => SCENARIOS.findIndex((x) => x.id === id);
  outcomes.sort((a, b) => order(a.id) - order(b.id));
  return { outcomes, skipped, k8sgpt, env: { cluster: clusterNote, kubeconfig } };
}

export function renderTable(outcomes: ScenarioOutcome[], k8sgpt: true | string, skipped: { id: string; why: string }[] = []): string {
  const yn = (t: ToolOutcome | null) => (t ? `${t.correct ? 'yes' : 'no'} ${t.seconds.toFixed(2)}s` : 'n/a');
  const rows = [`| scenario | expected | hybrid-doctor | k8sgpt | kubectl script |`, `|---|---|---|---|---|`];
  for (const o of outcomes) {
    rows.push(`| ${o.id}${o.contaminated ? ' (CONTAMINATED)' : ''} | \`${o.expected}\` | ${yn(o.hd)}: \`${o.hd.answer}\` | ${o.k8sgpt ? `${yn(o.k8sgpt)}: ${o.k8sgpt.answer.replace(/\|/g, '\\|')}` : 'unavailable'} | ${yn(o.kubectl)}: ${o.kubectl.answer.replace(/\|/g, '\\|')} |`);
  }
  for (const x of skipped) rows.push(`| ${x.id} | not run: ${x.why.replace(/\|/g, '\\|')} | | | |`);
  for (const o of outcomes.filter((x) => x.contaminated)) rows.push('', `${o.id}: the sandbox changed under the tools (${o.contaminated})`);
  if (k8sgpt !== true) rows.push('', `k8sgpt unavailable: ${k8sgpt}`);
  return rows.join('\n');
}

export function summarize(outcomes: ScenarioOutcome[], k8sgpt: true | string): BenchResult[] {
  const n = outcomes.length;
  const sum = (f: (o: ScenarioOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0);
  const hdOk = sum((o) => (o.hd.correct ? 1 : 0));
  const kuOk = sum((o) => (o.kubectl.correct ? 1 : 0));
  const hdS = sum((o) => o.hd.seconds);
  const kuS = sum((o) => o.kubectl.seconds);
  const out: BenchResult[] = [];
  for (const o of outcomes) {
    out.push({ name: `${o.id}: hybrid-doctor`, value: o.hd.seconds, unit: 's', note: `${o.hd.correct ? 'correct' : 'WRONG'}: ${o.hd.answer}; expected ${o.expected}${o.contaminated ? `; CONTAMINATED: ${o.contaminated}` : ''}` });
    if (o.k8sgpt) out.push({ name: `${o.id}: k8sgpt`, value: o.k8sgpt.seconds, unit: 's', note: `${o.k8sgpt.correct ? 'root cause' : 'no credit'}: ${tail(o.k8sgpt.answer, 90)}` });
    out.push({ name: `${o.id}: kubectl script`, value: o.kubectl.seconds, unit: 's', note: `${o.kubectl.correct ? 'root cause' : 'no credit'}: ${tail(o.kubectl.answer, 90)}` });
  }
  out.push({ name: 'correct: hybrid-doctor', value: hdOk, unit: 'count', note: `of ${n}` });
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
  if (k8sgpt === true) {
    const kgOk = sum((o) => (o.k8sgpt?.correct ? 1 : 0));
    const kgS = sum((o) => o.k8sgpt?.seconds ?? 0);
    out.push({ name: 'correct: k8sgpt', value: kgOk, unit: 'count', note: `of ${n}` });
    out.push({ name: 'correct: kubectl script', value: kuOk, unit: 'count', note: `of ${n}` });
    out.push({ name: 'wall: hybrid-doctor', value: hdS, unit: 's', note: `${n} scenarios` });
    out.push({ name: 'wall: k8sgpt', value: kgS, unit: 's' });
    out.push({ name: 'wall: kubectl script', value: kuS, unit: 's' });
    out.push({ name: 'ratio correct hybrid-doctor / k8sgpt', value: ratio(hdOk, kgOk), unit: 'ratio', note: `${hdOk}/${kgOk}` });
    out.push({ name: 'ratio correct hybrid-doctor / kubectl script', value: ratio(hdOk, kuOk), unit: 'ratio', note: `${hdOk}/${kuOk}` });
    out.push({ name: 'ratio time k8sgpt / hybrid-doctor', value: kgS / hdS, unit: 'ratio' });
    out.push({ name: 'ratio time kubectl script / hybrid-doctor', value: kuS / hdS, unit: 'ratio' });
  } else {
    out.push({ name: 'correct: k8sgpt', value: 0, unit: 'count', note: `k8sgpt unavailable: ${short(k8sgpt, 300)}` });
    out.push({ name: 'correct: kubectl script', value: kuOk, unit: 'count', note: `of ${n}` });
    out.push({ name: 'wall: hybrid-doctor', value: hdS, unit: 's', note: `${n} scenarios` });
    out.push({ name: 'wall: kubectl script', value: kuS, unit: 's' });
    out.push({ name: 'ratio correct hybrid-doctor / kubectl script', value: ratio(hdOk, kuOk), unit: 'ratio', note: `${hdOk}/${kuOk}` });
    out.push({ name: 'ratio time kubectl script / hybrid-doctor', value: kuS / hdS, unit: 'ratio' });
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const { outcomes, skipped, k8sgpt } = await runScenarios();
  console.log(renderTable(outcomes, k8sgpt, skipped));
  return summarize(outcomes, k8sgpt);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--json');
  const { outcomes, skipped, k8sgpt, env } = await runScenarios();
  console.log(renderTable(outcomes, k8sgpt, skipped));
  for (const r of summarize(outcomes, k8sgpt)) console.log(`${r.name.padEnd(48)} ${r.unit === 'ratio' ? r.value.toFixed(2) : Math.round(r.value * 100) / 100} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
  if (i > 0 && process.argv[i + 1]) await writeFile(process.argv[i + 1]!, JSON.stringify({ date: new Date().toISOString(), env, k8sgpt, outcomes, skipped }, null, 2));
  process.exit(0);
}
