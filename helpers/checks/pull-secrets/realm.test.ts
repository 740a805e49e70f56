import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../../fixtures/kube/apiserver-only.ts';
import { startFakeHarbor, type FakeHarbor } from '../../../fixtures/registry/fake-harbor.ts';
import { createNode, createPod, createSecret, dockerConfigJson, ensureNamespace } from '../../../fixtures/kube/seed.ts';
import { createPki } from '../../net/test-pki.ts';
import { closeRegistryDispatcher } from '../../registry/http.ts';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { pullSecretsChecks } from './index.ts';

/**
 * The credential realm rule for passwords read from the cluster's pull secrets: a real
 * kube-apiserver holds a pull secret for the loopback TLS "Harbor"; its `/v2/` names a realm on
 * the same origin (control: the password is sent), on another origin, or on plain HTTP. What
 * each realm server RECEIVED is asserted, plus the auth.realm-untrusted finding.
 */
const ROBOT = 'robot$k8s-robot';
const PULL_PASSWORD = 'pull-secret-realm-Pw-42';
let api: ApiServer;
let harbor: FakeHarbor;
let other: FakeHarbor;
let plain: FakeHarbor;
let ca: string;
const targets: ReturnType<typeof testContext>['target'][] = [];

beforeAll(async () => {
  const pki = await createPki();
  const tls = { key: pki.server.keyPem, cert: pki.serverChainPem() };
  const accounts = { [ROBOT]: PULL_PASSWORD };
  [api, harbor, other, plain] = await Promise.all([startApiServer(), startFakeHarbor({ tls, accounts }), startFakeHarbor({ tls, accounts }), startFakeHarbor({ accounts })]);
  ca = join(mkdtempSync(join(tmpdir(), 'hd-ps-realm-')), 'ca.pem');
  writeFileSync(ca, pki.caBundlePem());
  const kube = api.client();
  await createNode(kube, { name: 'n1' });
  for (const [ns, h] of [['tls', harbor], ['plain', plain]] as const) {
    await ensureNamespace(kube, ns);
    const host = `127.0.0.1:${h.port}`;
    await createSecret(kube, ns, 'harbor-pull', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ [host]: { username: ROBOT, password: PULL_PASSWORD } }));
    await createPod(kube, { namespace: ns, name: 'app', node: 'n1', pullSecrets: ['harbor-pull'], containers: [{ name: 'app', image: `${host}/library/busybox:1.36` }] });
  }
}, 180_000);

afterAll(async () => {
  for (const t of targets) await closeRegistryDispatcher(t);
  await Promise.all([api?.stop(), harbor?.close(), other?.close(), plain?.close()]);
});

function ctx(url: string, ns: string, trustedRealms?: string[]) {
  const c = testContext({ harbor: { url, caBundle: ca, ...(trustedRealms ? { trustedRealms } : {}) }, kubernetes: { kubeconfig: api.kubeconfigPath, namespaces: [ns] } });
  targets.push(c.target);
  return c;
}

describe('pull-secret passwords follow only the right realm', () => {
  const cases: { name: string; url: () => string; ns: string; realm: () => string; trusted?: () => string[]; sentTo?: () => FakeHarbor }[] = [
    { name: 'https realm on the Harbor origin: sent (control)', url: () => harbor.origin, ns: 'tls', realm: () => `${harbor.origin}/service/token`, sentTo: () => harbor },
    { name: 'https realm on another origin: withheld', url: () => harbor.origin, ns: 'tls', realm: () => `${other.origin}/service/token` },
    { name: 'http realm: withheld', url: () => harbor.origin, ns: 'tls', realm: () => `${plain.origin}/service/token` },
    { name: 'another origin listed in trustedRealms: sent (control)', url: () => harbor.origin, ns: 'tls', realm: () => `${other.origin}/service/token`, trusted: () => [other.origin], sentTo: () => other },
    { name: 'http Harbor, realm on its own origin: withheld', url: () => plain.origin, ns: 'plain', realm: () => `${plain.origin}/service/token` },
  ];

  it.each(cases)('$name', async ({ url, ns, realm, trusted, sentTo }) => {
    for (const s of [harbor, other, plain]) {
      s.received.length = 0;
      s.setRealm(realm());
    }
    const results = await runChecks(pullSecretsChecks, ctx(url(), ns, trusted?.()));
    const map = causesByCheck(results);
    for (const s of [harbor, other, plain].filter((x) => x !== sentTo?.())) expect(s.credentialedTokenRequests(), s.origin).toEqual([]);
    if (sentTo) {
      const got = sentTo().credentialedTokenRequests().map((q) => Buffer.from(q.authorization!.replace(/^Basic /, ''), 'base64').toString());
      expect(got).toContain(`${ROBOT}:${PULL_PASSWORD}`);
      expect(map['pull-secret-credentials']).toEqual([]);
    } else {
      expect(map['pull-secret-credentials']).toEqual(['auth.realm-untrusted']);
      const f = results.find((r) => r.id === 'pull-secret-credentials')!.findings[0]!;
      expect(f.subject).toBe(`${ns}/secret/harbor-pull`);
      expect(f.params.url).toBe(new URL(realm()).origin + new URL(realm()).pathname);
    }
    const text = JSON.stringify(results);
    expect(text).not.toContain(PULL_PASSWORD);
    expect(text).not.toContain(Buffer.from(`${ROBOT}:${PULL_PASSWORD}`).toString('base64').replace(/=+$/, ''));
  });
});
