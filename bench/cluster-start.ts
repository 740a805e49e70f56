/**
 * Cluster start/stop timings of the sandbox's Kubernetes side (source provider by default):
 *   npx node bench/cluster-start.ts [--cold] [--cold-binaries] [--json]
 * - cold: with --cold the cached images (node image, CoreDNS and pause archives) are removed
 *   first; with --cold-binaries the upstream binaries cache is emptied too (a full Go build:
 *   tens of minutes on 2 cores). Without either flag "cold" is the first start of this run.
 * - warm: a second start with every cache full.
 * - teardown: `stopCluster()` (containers, volumes, cgroups, cluster files).
 * The Harbor side is started first when it is not running (not part of the figures) so that
 * the demo workloads pull from it, as in `sandbox up`.
 */
import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { startCluster, stopCluster } from '../fixtures/cluster/index.ts';
import { imageCacheDir } from '../fixtures/cluster/images.ts';
import { k8sBinDir } from '../fixtures/cluster/topology.ts';

const args = new Set(process.argv.slice(2));
const log = (l: string) => console.error(`[bench] ${l}`);
const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = Date.now();
  const r = await fn();
  return [Date.now() - t, r];
}

let harborStarted = false;
const hs = await import('../fixtures/sandbox/harbor-side.ts').catch(() => null);
if (hs && !(await hs.harborSideStatus()).running) {
  log('starting the Harbor side (not measured)');
  await hs.startHarborSide({ reuse: true });
  harborStarted = true;
}

await stopCluster();
if (args.has('--cold') || args.has('--cold-binaries')) {
  log('emptying image caches');
  const imgs = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=io.hybrid-doctor.image=k8s-node'])).stdout.split('\n').filter(Boolean);
  if (imgs.length) await execa('docker', ['rmi', '-f', ...imgs], { reject: false });
  await execa('docker', ['rmi', '-f', 'registry.k8s.io/coredns/coredns:v1.12.4-hd', 'registry.k8s.io/pause:3.10'], { reject: false });
  const { readdir } = await import('node:fs/promises');
  for (const f of await readdir(imageCacheDir()).catch(() => [] as string[])) {
    if (/^(coredns-|pause)/.test(f)) await rm(`${imageCacheDir()}/${f}`, { force: true });
  }
}
if (args.has('--cold-binaries')) {
  log(`emptying ${dirname(k8sBinDir())}`);
  await rm(dirname(k8sBinDir()), { recursive: true, force: true });
}

const [coldMs, cold] = await time(() => startCluster({ log }));
const [down1Ms] = await time(() => stopCluster());
const [warmMs, warm] = await time(() => startCluster({ log }));
const [down2Ms] = await time(() => stopCluster());
if (harborStarted && hs) await hs.stopHarborSide();

const result = {
  provider: warm.provider,
  coldStartMs: coldMs,
  coldKind: args.has('--cold-binaries') ? 'binaries+images' : args.has('--cold') ? 'images' : 'first start of this run',
  coldPhases: cold.timings,
  warmStartMs: warmMs,
  warmPhases: warm.timings,
  teardownMs: Math.max(down1Ms, down2Ms),
};
if (args.has('--json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`cluster provider: ${result.provider}`);
  console.log(`cold start (${result.coldKind}): ${fmt(coldMs)}  ${JSON.stringify(cold.timings)}`);
  console.log(`warm start: ${fmt(warmMs)} (aim < 90 s)  ${JSON.stringify(warm.timings)}`);
  console.log(`teardown:   ${fmt(result.teardownMs)} (aim < 15 s)`);
}
