/**
 * The kind path (issue 11): kind cluster create (warm) vs the source provider's start, and the
 * node image build (cold / warm).
 *   npm run bench -- kind            warm figures (image cached; a missing image is built first and reported as cold)
 *   npm run bench -- kind --cold     the kind node + base images are removed first (Debian packages, Docker's layer cache and the Go binaries stay)
 * Starts the Harbor side when it is not running (not measured), like cluster-start. Run under the sandbox lock.
 */
import { execa } from 'execa';
import { join } from 'node:path';
import { startCluster, stopCluster } from '../fixtures/cluster/index.ts';
import { REPO_ROOT } from '../fixtures/cluster/topology.ts';
import type { BenchResult } from './run.ts';

const log = (l: string) => console.error(`[bench kind] ${l}`);

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [(performance.now() - t) / 1000, r];
}

const buildImage = () => execa('bash', [join(REPO_ROOT, 'docker', 'kind', 'build.sh')], { timeout: 60 * 60_000 });

async function startWith(provider: 'kind' | 'source') {
  const before = process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER;
  process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER = provider;
  try {
    await stopCluster();
    return await time(() => startCluster({ log }));
  } finally {
    if (before === undefined) delete process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER;
    else process.env.HYBRID_DOCTOR_CLUSTER_PROVIDER = before;
  }
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const cold = process.argv.includes('--cold');
  if (cold) {
    const imgs = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=io.hybrid-doctor.image=kind-node'])).stdout.split('\n').filter(Boolean);
    const base = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=io.hybrid-doctor.image=kind-base'])).stdout.split('\n').filter(Boolean);
    if (imgs.length + base.length) await execa('docker', ['rmi', '-f', ...imgs, ...base], { reject: false });
  }
  const [firstS, first] = await time(buildImage);
  const built = /built hybrid-doctor\/kind-node/.test(String(first.stderr));
  if (built) out.push({ name: `kind node image build (${cold ? 'cold: base + images + assembly' : 'missing, built'})`, value: firstS, unit: 's' });
  const [warmBuildS] = await time(buildImage);
  out.push({ name: 'kind node image build (warm: cached, hash check)', value: warmBuildS, unit: 's' });

  const hs = await import('../fixtures/sandbox/harbor-side.ts');
  let harborStarted = false;
  if (!(await hs.harborSideStatus()).running) {
    log('starting the Harbor side (not measured)');
    await hs.startHarborSide({ reuse: true });
    harborStarted = true;
  }
  try {
    const [kindS, kind] = await startWith('kind');
    out.push({ name: 'kind cluster create + sandbox wiring (warm)', value: kindS, unit: 's', aim: 90, note: JSON.stringify(kind.timings) });
    const [kindDownS] = await time(() => stopCluster());
    out.push({ name: 'kind cluster down', value: kindDownS, unit: 's', aim: 15 });
    const [sourceS, source] = await startWith('source');
    out.push({ name: 'source provider start (warm)', value: sourceS, unit: 's', aim: 90, note: JSON.stringify(source.timings) });
    out.push({ name: 'kind create / source start', value: kindS / sourceS, unit: 'ratio' });
    await stopCluster();
  } finally {
    if (harborStarted) await hs.stopHarborSide();
  }
  return out;
}
