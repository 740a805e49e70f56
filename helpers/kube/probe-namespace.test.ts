import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../fixtures/kube/apiserver-only.ts';
import { createNode, ensureNamespace } from '../../fixtures/kube/seed.ts';
import type { KubeClient } from './client.ts';
import { MANAGED_BY_LABEL, withProbeNamespace } from './probe-namespace.ts';
import type { Pod } from './types.ts';

async function leftovers(kube: KubeClient, ns: string): Promise<{ pods: string[]; namespace: 'gone' | 'terminating' | 'active' }> {
  const pods = (await kube.listAll<Pod>(`/api/v1/pods`, { labelSelector: `${MANAGED_BY_LABEL}=hybrid-doctor` })).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  try {
    const n = await kube.request<{ metadata: { deletionTimestamp?: string } }>('GET', `/api/v1/namespaces/${ns}`);
    return { pods, namespace: n.metadata.deletionTimestamp ? 'terminating' : 'active' };
  } catch {
    return { pods, namespace: 'gone' };
  }
}

describe('probe namespace live-mode safety', () => {
  let api: ApiServer;
  let kube: KubeClient;
  beforeAll(async () => {
    api = await startApiServer();
    kube = api.client();
    await createNode(kube, { name: 'n1' });
  }, 120_000);
  afterAll(async () => {
    await kube?.close();
    await api?.stop();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('a run killed with %s mid-way leaves nothing behind', async (sig) => {
    const ns = `hd-probe-${sig.toLowerCase()}`;
    const child = spawn(process.execPath, [resolve(import.meta.dirname, 'testdata/probe-child.ts'), api.kubeconfigPath, ns, 'n1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`child not READY in 30s: ${err}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('READY')) {
          clearTimeout(t);
          res();
        }
      });
    });
    const before = await leftovers(kube, ns);
    expect(before.pods.sort()).toEqual([`${ns}/probe-a`, `${ns}/probe-b`]);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(sig);
    expect(await exited).toBe(sig === 'SIGINT' ? 130 : 143);
    const after = await leftovers(kube, ns);
    expect(after.pods).toEqual([]);
    // Without a namespace controller (apiserver only) a deleted namespace stays Terminating.
    expect(['gone', 'terminating']).toContain(after.namespace);
  }, 60_000);

  it('cleans up on failure and keeps a namespace it did not create', async () => {
    await ensureNamespace(kube, 'preexisting');
    await expect(
      withProbeNamespace(kube, 'preexisting', async (p) => {
        await p.createPod({ name: 'probe-x', node: 'n1', image: 'busybox', command: ['true'] });
        throw new Error('probe failed');
      }),
    ).rejects.toThrow('probe failed');
    const after = await leftovers(kube, 'preexisting');
    expect(after).toEqual({ pods: [], namespace: 'active' });
  });
});
