import { describe, expect, it } from 'vitest';
import { dockerConfigJson } from '../../fixtures/kube/seed.ts';
import type { Secret } from './types.ts';
import { REDACTED, redactor } from '../redact.ts';
import { authKeyMatches, mangledRobot, parsePullSecret } from './pull-secret.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (type: string, data: Record<string, string>): Secret => ({ metadata: { name: 's', namespace: 'n' }, type, data });

describe('parsePullSecret', () => {
  it('reads auth and username/password entries', () => {
    const p = parsePullSecret(secret('kubernetes.io/dockerconfigjson', dockerConfigJson({ 'harbor.example.com': { username: 'robot$k8s-robot', password: 'p:w' } })));
    expect(p.problems).toEqual([]);
    expect(p.entries).toEqual([{ key: 'harbor.example.com', username: 'robot$k8s-robot', password: 'p:w' }]);
  });

  it('reads the legacy dockercfg shape', () => {
    const p = parsePullSecret(secret('kubernetes.io/dockercfg', { '.dockercfg': b64(JSON.stringify({ 'harbor.example.com': { auth: b64('u:p') } })) }));
    expect(p.entries[0]).toMatchObject({ username: 'u', password: 'p' });
  });

  it.each([
    ['Opaque type', secret('Opaque', { '.dockerconfigjson': b64('{}') }), 'type'],
    ['no data key', secret('kubernetes.io/dockerconfigjson', {}), '.dockerconfigjson'],
    ['bad base64', secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '!!!not base64' }), '.dockerconfigjson'],
    ['bad JSON', secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths": ') }), '.dockerconfigjson'],
    ['no auths', secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"harbor.example.com": {}}') }), 'auths'],
    ['empty auths', secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths": {}}') }), 'auths'],
    ['auth without colon', secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(JSON.stringify({ auths: { h: { auth: b64('useronly') } } })) }), 'auths["h"].auth'],
    ['auth not base64', secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(JSON.stringify({ auths: { h: { auth: 'robot$x:secret' } } })) }), 'auths["h"].auth'],
  ])('%s is malformed (field %s)', (_n, s, field) => {
    const p = parsePullSecret(s);
    expect(p.problems[0]?.field).toBe(field);
    expect(JSON.stringify(p.problems)).not.toMatch(/robot\$x|useronly/);
  });
});

describe('authKeyMatches (kubelet keyring rules)', () => {
  it.each([
    ['harbor.example.com', 'harbor.example.com', 'library/busybox', true],
    ['https://harbor.example.com', 'harbor.example.com', 'library/busybox', true],
    ['https://harbor.example.com/v2/', 'harbor.example.com', 'library/busybox', true],
    ['harbor.example.com/library', 'harbor.example.com', 'library/busybox', true],
    ['harbor.example.com/other', 'harbor.example.com', 'library/busybox', false],
    ['harbor.example.com', 'harbor.example.com:8443', 'library/busybox', false],
    ['harbor.example.com:8443', 'harbor.example.com', 'library/busybox', false],
    ['harbor.example.com:8443', 'harbor.example.com:8443', 'library/busybox', true],
    // The default port is NOT dropped: kubelet compares host[:port] as written (Go url.Parse keeps it).
    ['harbor.example.com:443', 'harbor.example.com', 'library/busybox', false],
    ['https://harbor.example.com:443/v2/', 'harbor.example.com', 'library/busybox', false],
    ['harbor.example.com', 'harbor.example.com:443', 'library/busybox', false],
    ['harbor.example.com:443', 'harbor.example.com:443', 'library/busybox', true],
    ['http://harbor.example.com:80', 'harbor.example.com', 'x', false],
    ['*.example.com', 'harbor.example.com', 'x', true],
    ['*.example.com', 'a.b.example.com', 'x', false],
    ['HARBOR.example.com', 'harbor.example.com', 'x', true],
    ['https://index.docker.io/v1/', 'docker.io', 'library/busybox', true],
    ['docker.io', 'docker.io', 'library/busybox', true],
    ['harbor.example.com', 'harbor.example.org', 'x', false],
  ])('%s serves %s/%s: %s', (key, host, repo, want) => {
    expect(authKeyMatches(key, host, repo)).toBe(want);
  });
});

describe('mangledRobot', () => {
  it.each([
    ['robot', 'robot$k8s-robot', 'robot$k8s-robot'],
    ['robot$', 'robot$k8s-robot', 'robot$k8s-robot'],
    ['robot-robot', 'robot$k8s-robot', 'robot$k8s-robot'],
    ['robot$k8s-robot', 'robot$k8s-robot', undefined],
    ['admin', 'robot$k8s-robot', undefined],
    ['robot', undefined, 'robot$<name>'],
  ])('%s (expected %s) → %s', (user, expected, want) => {
    expect(mangledRobot(user, expected)).toBe(want);
  });
});

describe('pull-secret credentials are registered as secrets when read', () => {
  // Each form a kubelet accepts; the password (and its base64 / Basic forms) must be masked by
  // the process-wide redactor once the secret has been parsed, also when the entry is otherwise broken.
  it.each([
    ['auth', (pw: string) => ({ auths: { h: { auth: b64(`robot$x:${pw}`) } } }), 'kubernetes.io/dockerconfigjson'],
    ['username/password', (pw: string) => ({ auths: { h: { username: 'robot$x', password: pw } } }), 'kubernetes.io/dockerconfigjson'],
    ['identitytoken', (pw: string) => ({ auths: { h: { identitytoken: pw } } }), 'kubernetes.io/dockerconfigjson'],
    ['legacy dockercfg', (pw: string) => ({ h: { auth: b64(`robot$x:${pw}`) } }), 'kubernetes.io/dockercfg'],
  ])('%s', (name, cfg, type) => {
    const pw = `planted-${name.replace(/\W/g, '')}-Pw9`;
    const texts = [pw, b64(pw), `Authorization: Basic ${b64(`robot$x:${pw}`)}`];
    for (const t of texts.slice(0, 2)) expect(redactor.text(t)).toBe(t); // not registered yet
    parsePullSecret(secret(type, { [type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson']: b64(JSON.stringify(cfg(pw))) }));
    for (const t of texts) {
      expect(redactor.text(`x ${t} y`)).not.toContain(pw);
      expect(redactor.text(`x ${t} y`)).not.toContain(b64(pw).replace(/=+$/, ''));
      expect(redactor.text(`x ${t} y`)).toContain(REDACTED);
    }
  });
});
