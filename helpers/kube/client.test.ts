import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../../fixtures/kube/apiserver-only.ts';
import { ensureNamespace } from '../../fixtures/kube/seed.ts';
import { UsageError } from '../errors.ts';
import { parseTarget } from '../target/load.ts';
import { KubeClient, loadKubeConfig } from './client.ts';
import { KubeApiError } from './errors.ts';

function kubeconfig(server: string, contexts = ['one']): string {
  const dir = mkdtempSync(join(tmpdir(), 'hd-kc-'));
  const file = join(dir, 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': contexts[0],
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': false } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: contexts.map((name) => ({ name, context: { cluster: 'c', user: 'u' } })),
    }),
  );
  return file;
}

const target = (file: string, context?: string) => parseTarget(['harbor:', '  url: https://h.example', 'kubernetes:', `  kubeconfig: ${file}`, ...(context ? [`  context: ${context}`] : [])].join('\n'));

describe('kubeconfig loading', () => {
  it('an unknown context is a UsageError listing the contexts', () => {
    const err = (() => {
      try {
        loadKubeConfig(target(kubeconfig('https://127.0.0.1:1', ['one', 'two']), 'three'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/context "three" is not in the kubeconfig/);
    expect((err as UsageError).hint).toBe('available contexts: one, two');
  });

  it('a missing kubeconfig file is a UsageError', () => {
    expect(() => loadKubeConfig(target('/nonexistent/kubeconfig'))).toThrow(UsageError);
  });

  it('selects the named context', () => {
    expect(loadKubeConfig(target(kubeconfig('https://127.0.0.1:1', ['one', 'two']), 'two')).getCurrentContext()).toBe('two');
  });
});

describe('transport failures are kinds, not stack traces', () => {
  let hung: Server;
  let hungPort = 0;
  beforeAll(async () => {
    // Accepts TCP and never answers: a hung endpoint.
    hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    hungPort = (hung.address() as { port: number }).port;
  });
  afterAll(() => hung.close());

  const client = (server: string, requestMs: number) => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig(server));
    return new KubeClient(kc, { requestMs });
  };

  it('connection refused → unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await client(`https://127.0.0.1:${port}`, 2_000).request('GET', '/api/v1/nodes').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).kind).toBe('unreachable');
    expect((err as KubeApiError).detail).toBe('ECONNREFUSED');
  });

  it('a hung API server → timeout within the request bound', async () => {
    const t0 = Date.now();
    const err = await client(`https://127.0.0.1:${hungPort}`, 800).request('GET', '/api/v1/nodes').catch((e: unknown) => e);
    expect((err as KubeApiError).kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

describe('against a real kube-apiserver', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
  }, 120_000);
  afterAll(async () => api?.stop());

  it('lists page by page with continue tokens', async () => {
    const kube = api.client();
    for (let i = 0; i < 7; i++) await ensureNamespace(kube, `page-${i}`);
    let pages = 0;
    const orig = kube.request.bind(kube);
    kube.request = (async (...a: Parameters<KubeClient['request']>) => {
      pages++;
      return orig(...a);
    }) as KubeClient['request'];
    const r = await kube.listAll<{ metadata: { name: string } }>('/api/v1/namespaces', { limit: 3 });
    expect(r.items.filter((n) => n.metadata.name.startsWith('page-')).length).toBe(7);
    expect(pages).toBeGreaterThanOrEqual(4);
    const capped = await kube.listAll('/api/v1/namespaces', { limit: 2, maxItems: 4 });
    expect(capped).toMatchObject({ truncated: true });
    await kube.close();
  });

  it('401 and 403 are kinds with the API server message; the typed API gets the same mapping', async () => {
    const viewer = api.client({ user: 'viewer' });
    const e403 = await viewer.request('GET', '/api/v1/secrets').catch((e: unknown) => e);
    expect(e403).toMatchObject({ kind: 'forbidden', status: 403 });
    const typed = await viewer.call('list nodes', (o) => viewer.core.listNode({}, o)).catch((e: unknown) => e);
    expect(typed).toMatchObject({ kind: 'forbidden', status: 403, what: 'list nodes' });
    const kc = new KubeConfig();
    kc.loadFromString(JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'x', clusters: [{ name: 'c', cluster: { server: api.server, 'certificate-authority-data': Buffer.from(api.caPem).toString('base64') } }], users: [{ name: 'u', user: { token: 'wrong-token' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }] }));
    const e401 = await new KubeClient(kc).request('GET', '/api/v1/nodes').catch((e: unknown) => e);
    expect(e401).toMatchObject({ kind: 'unauthorized', status: 401 });
    await viewer.close();
  });
});
