/**
 * The real Harbor side (issue 8): image builds from the cached binaries, the Harbor side's start
 * (every `up` is a fresh database, so core's migrations always run: the "cold" start below is with
 * the images missing, the "warm" one with them present; aim < 30 s), the memory of the Harbor
 * containers, and a full Harbor-side run through the CLI against real Harbor.
 *
 *   npm run bench -- harbor                  as above
 *   npm run bench -- harbor --cold-build     also the cold Go build of core/jobservice/registryctl/
 *                                            exporter into a scratch folder (about 8 min here)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../fixtures/sandbox/docker.ts';
import { ensureRealHarborImages, HARBOR_COMPONENTS } from '../fixtures/sandbox/real-harbor/images.ts';
import { ensureSandbox, sandboxDown } from '../fixtures/sandbox-lifecycle.ts';
import { HARBOR_SUITES } from './harbor-run.ts';
import type { BenchResult } from './run.ts';

const HARBOR_CONTAINERS = ['hd-harbor-core', 'hd-jobservice', 'hd-registryctl', 'hd-exporter', 'hd-harbor-db', 'hd-redis', 'hd-registry', 'hd-nginx', 'hd-scanner'];

/** `docker stats` memory of each Harbor container, MB. */
async function memoryMB(): Promise<Record<string, number>> {
  const r = await execa('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', ...HARBOR_CONTAINERS], { reject: false });
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) ([\d.]+)(KiB|MiB|GiB|kB|MB|GB)/.exec(line.trim());
    if (!m) continue;
    const f = { KiB: 1 / 1024, kB: 1 / 1000, MiB: 1, MB: 1, GiB: 1024, GB: 1000 }[m[3] as 'MiB'];
    out[m[1]!] = Number(m[2]) * f;
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const results: BenchResult[] = [];

  if (process.argv.includes('--cold-build')) {
    const out = mkdtempSync(join(tmpdir(), 'hd-harbor-cold-'));
    const t = performance.now();
    const r = await execa('bash', [join(repoRoot(), 'docker', 'harbor', 'build.sh')], { env: { OUT: out }, reject: false, all: true });
    const s = (performance.now() - t) / 1000;
    rmSync(out, { recursive: true, force: true });
    if (r.exitCode !== 0) throw new Error(`cold build failed: ${String(r.all).split('\n').slice(-10).join('\n')}`);
    results.push({ name: 'Harbor components cold build (go-swagger + Go)', value: s, unit: 's', note: 'Go module cache as found; scratch output folder' });
  }

  // Cold start: Harbor images missing (rebuilt from the cached binaries), fresh database.
  await ensureSandbox();
  await sandboxDown();
  const images = await ensureRealHarborImages();
  await execa('docker', ['image', 'rm', '-f', ...HARBOR_COMPONENTS.map((c) => images[c])], { reject: false });
  let t = performance.now();
  await ensureRealHarborImages();
  results.push({ name: 'Harbor images from cached binaries (4 components)', value: (performance.now() - t) / 1000, unit: 's' });
  t = performance.now();
  let sb = await ensureSandbox();
  results.push({ name: 'sandbox up after image rebuild (everything)', value: (performance.now() - t) / 1000, unit: 's' });

  // Warm start: images present; core still migrates a fresh database.
  await sandboxDown();
  t = performance.now();
  sb = await ensureSandbox();
  const tm = sb.harbor.timings;
  results.push({ name: 'Harbor side warm start (with migrations)', value: (tm.total ?? 0) / 1000, unit: 's', aim: 30, note: `containers+migrations ${((tm.containers ?? 0) / 1000).toFixed(1)} s, seed+scan ${((tm.seed ?? 0) / 1000).toFixed(1)} s, health ${((tm.healthy ?? 0) / 1000).toFixed(1)} s` });
  results.push({ name: 'sandbox warm start (everything)', value: (performance.now() - t) / 1000, unit: 's' });

  const mem = await memoryMB();
  const total = Object.values(mem).reduce((a, b) => a + b, 0);
  results.push({ name: 'Harbor side memory (9 containers)', value: total, unit: 'MB', note: Object.entries(mem).map(([k, v]) => `${k.replace(/^hd-/, '')} ${Math.round(v)}`).join(', ') });

  const outDir = mkdtempSync(join(tmpdir(), 'hd-bench-'));
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t1 = performance.now();
    const cli = await execa(process.execPath, [join(repoRoot(), 'bin', 'hybrid-doctor.mjs'), 'run', '--target', sb.targetFile, '--suites', HARBOR_SUITES.join(','), '--out', outDir, '--quiet'], { reject: false });
    runs.push((performance.now() - t1) / 1000);
    if (cli.exitCode !== 0) throw new Error(`hybrid-doctor run against real Harbor exited ${cli.exitCode}: ${cli.stderr.slice(0, 300)}`);
  }
  rmSync(outDir, { recursive: true, force: true });
  runs.sort((a, b) => a - b);
  results.push({ name: 'Harbor-side run through the CLI vs real Harbor (median of 5)', value: runs[2]!, unit: 's', aim: 2, note: `min ${runs[0]!.toFixed(2)} s, max ${runs[4]!.toFixed(2)} s` });
  return results;
}
