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
import { applyFault, type FaultId, revertFault } from '../../fixtures/sandbox/faults.ts';
import { readSecret } from '../../fixtures/sandbox/harbor-side-config.ts';
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
import { assertClean, INVISIBLE, planOf, type Plan, type RecordedVector, SAME_TEXT, textOf } from './record-common.ts';
import { HARBOR_SCENARIOS } from './scenarios.ts';

const COMMAND_TIMEOUT_MS = 60_000;
const RUN_DEADLINE_MS = 45 * 60_000;
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
