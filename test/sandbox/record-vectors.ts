/**
 * Records pull-error texts from REAL clients against the sandbox's real Harbor, one Harbor-side
 * fault at a time, into helpers/classifier/vectors/recorded-clients.json (issue 9: vectors
 * recorded, not written by hand). Not part of `npm test`: it needs Docker and takes minutes.
 *
 *   npx node test/sandbox/record-vectors.ts [--only fault1,fault2] [--out file.json]
 *
 * Steps: start (or reuse) the Harbor side; build containerd 1.7 / 2.x (cached) and the clients
 * image; start hd-clients (record-clients.ts); check that every client pulls the healthy sandbox;
 * then for each fault of HARBOR_SCENARIOS: apply it, read the target file it returns (image,
 * platforms, robot, secret file, CA bundle), run every client's pull with those inputs, keep the
 * exact stderr of each failure, revert. Faults a plain pull cannot see are skipped with the
 * reason; a client that succeeds where the fault should break it is printed, not recorded.
 * Texts are scrubbed of the secrets used and of tokens/credentials before they are written,
 * and the file is checked for them. Every command has a timeout and the run a deadline.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { applyFault, type FaultId, revertFault } from '../../fixtures/sandbox/faults.ts';
import { readSecret, type TargetDoc } from '../../fixtures/sandbox/harbor-side-config.ts';
import { startHarborSide } from '../../fixtures/sandbox/harbor-side.ts';
import type { CauseId } from '../../helpers/findings/cause-ids.ts';
import { Redactor } from '../../helpers/redact.ts';
import {
  type ClientRun,
  clientRuns,
  crictlVersion,
  ensureClientsImage,
  ensureContainerdBuilds,
  sh,
  startClients,
  stopClients,
  writeFaultInputs,
  writeHostFiles,
} from './record-clients.ts';
import { HARBOR_SCENARIOS } from './scenarios.ts';

const COMMAND_TIMEOUT_MS = 60_000;
const RUN_DEADLINE_MS = 45 * 60_000;
const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';

/** Faults whose effect no client pull can show (the verdict comes from Harbor's API or metrics). */
const INVISIBLE: Partial<Record<FaultId, string>> = {
  'metrics-disabled': 'only the metrics listener (:9090) is off; pulls go through :443',
  'robot-expiring-soon': 'the robot still works for three days; only its expiry (Harbor API) shows it',
  'scanner-removed': 'no scanner means prevent_vul is not enforced: pulls succeed (the finding is about the policy)',
};

/**
 * What a client's text can tell, per fault, beyond the fault's own cause, from the code that
 * produces the answer (not from the recorded strings):
 * - Harbor's v2auth middleware (src/server/middleware/v2auth/auth.go) answers every pull it does
 *   not allow with the same `401 UNAUTHORIZED unauthorized to access repository: R, action: pull`,
 *   whether the token's subject is unknown (wrong secret), disabled, expired, or a robot without
 *   pull: its token service hands a scoped token with no access to all of them. So one text
 *   stands for all four robot causes.
 * - Harbor answers both project policies (prevent_vul, content trust) with 412; containerd drops
 *   the body (`unexpected status ... 412 Precondition Failed`), so its text names either.
 * - The realm moving with the external URL: an unreachable realm host is what the text shows.
 */
const ROBOT_401: CauseId[] = ['auth.credentials-invalid', 'auth.robot-disabled', 'auth.robot-expired', 'auth.insufficient-scope'];
const SAME_TEXT: Partial<Record<FaultId, CauseId[]>> = {
  'wrong-robot-secret': ROBOT_401,
  'robot-disabled': ROBOT_401,
  'project-robot-disabled': ROBOT_401,
  'project-robot-expired': ROBOT_401,
  'robot-no-pull': ROBOT_401,
  'project-robot-no-pull': ROBOT_401,
  'prevent-vul': ['image.policy-vulnerability', 'image.policy-unsigned'],
  'content-trust-notation': ['image.policy-unsigned', 'image.policy-vulnerability'],
  'content-trust-cosign': ['image.policy-unsigned', 'image.policy-vulnerability'],
  'external-url-mismatch': ['harbor.external-url-mismatch', 'auth.token-realm-unreachable'],
};

export interface RecordedVector {
  text: string;
  runtime: string;
  version: string;
  fault: FaultId;
  /** The fault's cause first, then the causes the same text stands for (SAME_TEXT). */
  expect: CauseId[];
  source: string;
  /** The client command that printed it (no secrets). */
  client: string;
}

interface Plan {
  ref: string;
  arch: string;
  user: string;
  secretFile: string;
  caFile: string;
}

/** What the fault's target file says to pull, as whom, trusting which CA, on which platform. */
async function planOf(targetFile: string): Promise<Plan> {
  const t = parseYaml(await readFile(targetFile, 'utf8')) as TargetDoc & {
    images: { ref: string }[];
    nodes?: { platforms?: string[] };
    robot: { name: string; secret: { file: string } };
    harbor: { caBundle: string };
  };
  const platforms = t.nodes?.platforms ?? [];
  // A node platform set without the host's architecture: ask for the first one it lists.
  const arch = platforms.length && !platforms.some((p) => p.endsWith(`/${HOST_ARCH}`)) ? (platforms[0]!.split('/')[1] ?? '') : '';
  return { ref: t.images[0]!.ref, arch, user: t.robot.name, secretFile: t.robot.secret.file, caFile: t.harbor.caBundle };
}

/** The text a client printed: its stderr (stdout when stderr is empty), blank lines dropped. */
function textOf(r: { stdout: string; stderr: string }): string {
  const s = r.stderr.trim() ? r.stderr : r.stdout;
  return s
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.trim())
    .join('\n');
}

/** Secrets and credential shapes that must never reach the vector file. */
function assertClean(texts: string[], secrets: string[]): void {
  for (const t of texts) {
    for (const s of secrets) {
      if (t.includes(s) || t.includes(Buffer.from(s).toString('base64').replace(/=+$/, ''))) throw new Error('a recorded text still holds a robot secret');
    }
    if (/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.test(t)) throw new Error('a recorded text still holds a JWT');
    if (/\b(?:authorization|bearer|basic)\s*[:=]?\s+(?!«redacted»)[A-Za-z0-9+/=._-]{16,}/i.test(t)) throw new Error('a recorded text still holds an Authorization value');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean' } } });
  const started = Date.now();
  const deadline = started + RUN_DEADLINE_MS;
  const log = (s: string) => console.log(`[record] ${s}`);
  const out = values.out ?? path.join(import.meta.dirname, '..', '..', 'helpers', 'classifier', 'vectors', 'recorded-clients.json');
  const only = values.only ? new Set(values.only.split(',')) : undefined;

  log('Harbor side (reused when running) ...');
  const side = await startHarborSide({ reuse: true, log: (l) => log(`  ${l}`), readyTimeoutMs: 120_000 });
  log('containerd 1.7 / 2.x from their Go modules (cached) ...');
  const builds = await ensureContainerdBuilds(log);
  for (const m of builds.missing) log(`containerd ${m.line}: not built (${m.why}); recording without it`);
  const hostDir = path.join(side.stateDir, 'recorder');
  const image = await ensureClientsImage(path.join(side.stateDir, 'recorder-build'), log);
  await writeHostFiles(hostDir);
  const realSecret = await readSecret(side.robot.secretFile);
  await writeFaultInputs(hostDir, await readFile(side.caPath, 'utf8'), side.robot.name, realSecret);
  const { lines, docker } = await startClients(image, hostDir, log);
  const runs = await clientRuns(lines, docker);
  log(`clients: ${runs.map((r) => `${r.label} ${r.version}`).join(', ')}; crictl ${await crictlVersion()}`);

  const vectors: RecordedVector[] = [];
  const secrets = new Set<string>([realSecret]);
  const notes: string[] = [];
  try {
    // Baseline: every client must pull the healthy sandbox, or its fault texts would say nothing.
    const healthy = await planOf(side.baseTargetFile);
    const broken: string[] = [];
    for (const run of runs) {
      const r = await runClient(run, healthy);
      if (r.failed) broken.push(`${run.label}: ${r.text.slice(0, 400)}`);
      await sh(run.cleanup, [healthy.ref], COMMAND_TIMEOUT_MS);
    }
    if (broken.length) throw new Error(`clients cannot pull the healthy sandbox (setup problem, nothing recorded):\n  ${broken.join('\n  ')}`);
    log(`baseline: all ${runs.length} clients pull ${healthy.ref}`);

    for (const sc of HARBOR_SCENARIOS) {
      if (only && !only.has(sc.fault)) continue;
      if (INVISIBLE[sc.fault]) {
        log(`skip ${sc.fault}: ${INVISIBLE[sc.fault]}`);
        continue;
      }
      if (Date.now() > deadline) {
        notes.push(`deadline reached before ${sc.fault}`);
        break;
      }
      const expect = [...new Set<CauseId>([sc.expect, ...(SAME_TEXT[sc.fault] ?? [])])];
      log(`fault ${sc.fault} (expect ${expect.join(' | ')})`);
      const applied = await applyFault(sc.fault, side);
      try {
        const plan = await planOf(applied.targetFile);
        const secret = await readSecret(plan.secretFile);
        secrets.add(secret);
        await writeFaultInputs(hostDir, await readFile(plan.caFile, 'utf8'), plan.user, secret);
        for (const run of runs) {
          if (plan.arch && !run.platforms) {
            log(`  ${run.label}: skipped (cannot ask for linux/${plan.arch})`);
            continue;
          }
          const r = await runClient(run, plan);
          await sh(run.cleanup, [plan.ref], COMMAND_TIMEOUT_MS);
          if (r.timedOut) {
            log(`  ${r.runtime} (${run.label}): timed out after ${COMMAND_TIMEOUT_MS / 1000} s; nothing recorded`);
            continue;
          }
          if (!r.failed) {
            log(`  ${run.label}: SUCCEEDED although ${sc.fault} should break it; nothing recorded`);
            notes.push(`${sc.fault}: ${run.label} succeeded`);
            continue;
          }
          vectors.push({ text: r.text, runtime: r.runtime, version: run.version, fault: sc.fault, expect, source: `recorded:${r.runtime}@${run.version}`, client: `${r.step}${plan.arch ? ` (linux/${plan.arch})` : ''}` });
          log(`  ${r.step}: ${r.text.split('\n').at(-1)!.slice(0, 160)}`);
        }
      } finally {
        await revertFault(sc.fault, side);
        await writeFaultInputs(hostDir, await readFile(side.caPath, 'utf8'), side.robot.name, realSecret);
      }
    }
  } finally {
    if (!values.keep) await stopClients();
  }

  const red = new Redactor();
  for (const s of secrets) red.add(s, side.robot.name);
  const clean = vectors.map((v) => ({ ...v, text: red.text(v.text) }));
  assertClean(clean.map((v) => v.text), [...secrets]);
  await writeFile(out, `${JSON.stringify(clean, null, 1)}\n`);

  const table = new Map<string, number>();
  for (const v of clean) table.set(v.source, (table.get(v.source) ?? 0) + 1);
  log(`wrote ${clean.length} texts to ${path.relative(process.cwd(), out)} in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const [k, n] of [...table].sort()) log(`  ${k.padEnd(40)} ${n}`);
  for (const n of notes) log(`note: ${n}`);
}

/** Runs one client (its login first when it has one); `text` is what it printed on failure. */
async function runClient(run: ClientRun, plan: Plan): Promise<{ failed: boolean; timedOut: boolean; text: string; runtime: string; step: string }> {
  const args = [plan.ref, plan.arch];
  if (run.login) {
    const l = await sh(run.login.script, args, COMMAND_TIMEOUT_MS);
    // A failed login is itself a recorded text; the pull after it would be anonymous (another case).
    if (l.exitCode !== 0 || l.timedOut) return { failed: true, timedOut: l.timedOut, text: textOf(l), runtime: run.login.runtime, step: run.login.runtime.replace('-', ' ') };
  }
  const r = await sh(run.pull, args, COMMAND_TIMEOUT_MS);
  return { failed: r.exitCode !== 0, timedOut: r.timedOut, text: textOf(r), runtime: run.runtime, step: run.label };
}

await main().catch((err: Error) => {
  console.error(`[record] failed: ${err.message}`);
  process.exitCode = 1;
});
