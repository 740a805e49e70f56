import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeTokenClaims, grantedActions, realmMatchesHarbor } from './auth.ts';
import { classifyTransportError } from './http.ts';
import { indexPlatforms, platformMatches } from './manifest.ts';
import { parseReference } from './reference.ts';
import { classifyRegistryError, parseRegistryErrors } from './registry-errors.ts';
import { bearerChallenge, parseWwwAuthenticate } from './www-authenticate.ts';

describe('WWW-Authenticate', () => {
  it.each([
    ['Bearer realm="https://h/service/token",service="harbor-registry"', [{ scheme: 'Bearer', params: { realm: 'https://h/service/token', service: 'harbor-registry' } }]],
    ['Bearer realm="https://h/t",service="r",scope="repository:a/b:pull,push"', [{ scheme: 'Bearer', params: { realm: 'https://h/t', service: 'r', scope: 'repository:a/b:pull,push' } }]],
    ['Basic realm="a, \\"quoted\\" b", Bearer realm="c"', [{ scheme: 'Basic', params: { realm: 'a, "quoted" b' } }, { scheme: 'Bearer', params: { realm: 'c' } }]],
    ['bearer  REALM = "x" ,  service=tok', [{ scheme: 'bearer', params: { realm: 'x', service: 'tok' } }]],
    ['Negotiate abc123==, Basic realm="r"', [{ scheme: 'Negotiate', params: {}, token68: 'abc123==' }, { scheme: 'Basic', params: { realm: 'r' } }]],
    ['Basic', [{ scheme: 'Basic', params: {} }]],
  ])('%s', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
  it.each(['Bearer realm="unterminated', 'Bearer realm="x" service="y"', '"quoted"', 'Bearer realm="x", realm="y"'])('rejects %s', (h) => {
    expect(() => parseWwwAuthenticate(h)).toThrow(/position/);
  });
  it('bearerChallenge needs a realm', () => {
    expect(bearerChallenge(parseWwwAuthenticate('Bearer service="x"'))).toBeUndefined();
    expect(bearerChallenge(parseWwwAuthenticate('Basic realm="b", Bearer realm="r",service="s"'))).toEqual({ realm: 'r', service: 's' });
  });
});

describe('image references', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['harbor.sandbox.test/library/busybox:1.36', 'harbor.sandbox.test/library/busybox:1.36'],
    ['localhost/foo', 'localhost/foo:latest'],
    ['localhost:5000/a/b/c:v1.2-rc_3', 'localhost:5000/a/b/c:v1.2-rc_3'],
    ['127.0.0.1:8443/library/x@sha256:' + 'a'.repeat(64), '127.0.0.1:8443/library/x@sha256:' + 'a'.repeat(64)],
    ['[::1]:5000/library/x:1', '[::1]:5000/library/x:1'],
    ['a/b__c.d-e---f:tag', 'docker.io/a/b__c.d-e---f:tag'],
    ['Harbor.Example.COM/library/x:1', 'Harbor.Example.COM/library/x:1'],
    ['index.docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['h.test/p/r:t@sha512:' + 'b'.repeat(128), 'h.test/p/r:t@sha512:' + 'b'.repeat(128)],
  ])('%s → %s', (input, normalized) => {
    const r = parseReference(input);
    expect(r.ok && r.ref.normalized).toBe(normalized);
  });
  it.each([
    ['', 'empty'],
    ['harbor.test/Library/busybox:1', 'uppercase-repository'],
    ['harbor.test/library/busybox:-bad', 'invalid-tag'],
    ['harbor.test/library/busybox:' + 'x'.repeat(129), 'invalid-tag'],
    ['harbor.test/library/x@sha256:abc', 'invalid-digest'],
    ['harbor.test/library/x@md5:' + 'a'.repeat(32), 'unsupported-digest-algorithm'],
    ['harbor.test/library/x@sha256:' + 'A'.repeat(64), 'invalid-digest'],
    ['a'.repeat(64), 'hex-identifier'],
    ['harbor.test//x', 'invalid-path'],
    ['harbor.test/library/x_:1', 'invalid-path'],
    ['har_bor.test/library/x', 'invalid-domain'],
    ['harbor.test:port/x', 'invalid-domain'],
    ['h.test/' + 'a'.repeat(260), 'name-too-long'],
    [' busybox', 'invalid-format'],
  ])('%s is invalid (%s)', (input, reason) => {
    const r = parseReference(input);
    expect(r.ok ? 'ok' : r.reason).toBe(reason);
  });
  it('digest wins as the reference', () => {
    const r = parseReference('h.test/p/r:t@sha256:' + 'c'.repeat(64));
    expect(r.ok && r.ref.reference).toBe('sha256:' + 'c'.repeat(64));
  });
});

describe('token claims', () => {
  it('decodes access without verifying and never keeps the signature', async () => {
    const key = new TextEncoder().encode('k'.repeat(32));
    const jwt = await new SignJWT({ access: [{ type: 'repository', name: 'library/busybox', actions: ['pull'] }, { type: 'repository', name: 'other/x', actions: [] }] })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer('harbor-token-issuer').setSubject('robot$k8s-robot').setExpirationTime('5m').sign(key);
    const c = decodeTokenClaims(jwt);
    expect(grantedActions(c, 'library/busybox')).toEqual(['pull']);
    expect(grantedActions(c, 'other/x')).toEqual([]);
    expect(JSON.stringify(c)).not.toContain(jwt.split('.')[2]!);
    expect(c.sub).toBe('robot$k8s-robot');
  });
  it('rejects non-JWT', () => expect(() => decodeTokenClaims('opaque')).toThrow());
  // Real Harbor v2.13.5's token shapes (building.md, difference 5; src/core/service/token):
  // anonymous / failed-login tokens have no `sub`; no scope gives `"access": null`; admin's
  // grant is `delete,pull,push`; a repository scope without "/" gets no actions.
  it.each([
    ['anonymous, no sub', { access: [{ type: 'repository', name: 'library/busybox', actions: [] }] }, undefined, []],
    ['no scope: access null', { sub: 'robot$k8s-robot', access: null }, 'robot$k8s-robot', []],
    ['admin grant', { sub: 'admin', access: [{ type: 'repository', name: 'library/busybox', actions: ['delete', 'pull', 'push'] }] }, 'admin', ['delete', 'pull', 'push']],
    ['scope without a slash', { sub: 'admin', access: [{ type: 'repository', name: 'busybox', actions: [] }] }, 'admin', []],
  ] as const)('%s', async (_n, payload, sub, actions) => {
    const key = new TextEncoder().encode('k'.repeat(32));
    const jwt = await new SignJWT(payload as unknown as Record<string, unknown>).setProtectedHeader({ alg: 'HS256' }).setIssuer('harbor-token-issuer').setExpirationTime('5m').sign(key);
    const c = decodeTokenClaims(jwt);
    expect(c.sub).toBe(sub);
    expect(grantedActions(c, 'library/busybox')).toEqual(actions);
  });
  it('realm vs Harbor URL', () => {
    const h = new URL('https://harbor.sandbox.test');
    expect(realmMatchesHarbor('https://harbor.sandbox.test/service/token', h).matches).toBe(true);
    expect(realmMatchesHarbor('http://harbor.sandbox.test/service/token', h).matches).toBe(false);
    expect(realmMatchesHarbor('https://core.internal:8080/service/token', h).matches).toBe(false);
  });
});

describe('registry error bodies', () => {
  const vuln = JSON.stringify({ errors: [{ code: 'PROJECTPOLICYVIOLATION', message: `current image with 4 vulnerabilities cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher from running.'` }] });
  const unsigned = JSON.stringify({ errors: [{ code: 'PROJECTPOLICYVIOLATION', message: 'The image is not signed by cosign.' }] });
  it.each([
    [404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', 'image.not-found'],
    [404, '{"errors":[{"code":"NOT_FOUND","message":"repository not found"}]}', 'image.not-found'],
    [412, vuln, 'image.policy-vulnerability'],
    [412, unsigned, 'image.policy-unsigned'],
    // Real Harbor v2.13.5 texts (building.md, differences 2-4; src/server/middleware/contenttrust,
    // src/server/middleware/vulnerable): notation and cosign are signature policies; a bare 412
    // names neither policy, so it is not guessed.
    [412, JSON.stringify({ errors: [{ code: 'PROJECTPOLICYVIOLATION', message: 'The image is not signed by notation.' }] }), 'image.policy-unsigned'],
    [412, JSON.stringify({ errors: [{ code: 'PROJECTPOLICYVIOLATION', message: `current image without vulnerability scanning cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher from running.' To continue with pull, please contact your project administrator for help.` }] }), 'image.policy-vulnerability'],
    [412, '', 'image.unknown'],
    // Registry down behind core: 502 with an empty body (building.md, difference 8).
    [502, '', 'harbor.unhealthy'],
    // Missing repository (building.md, difference 7).
    [404, '{"errors":[{"code":"NOT_FOUND","message":"repository library/nope not found"}]}\n', 'image.not-found'],
    [429, '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}', 'image.rate-limited'],
    [401, '{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized to access repository"}]}', 'auth.insufficient-scope'],
    // building.md, difference 6 (src/server/middleware/v2auth): the doubled text real core sends
    // for a manifest GET/HEAD without credentials.
    [401, '{"errors":[{"code":"UNAUTHORIZED","message":"authorize header needed to send HEAD to repository: authorize header needed to send HEAD to repository"}]}\n', 'auth.insufficient-scope'],
    [403, '{"errors":[{"code":"DENIED","message":"denied"}]}', 'auth.insufficient-scope'],
    [502, '<html>Bad Gateway</html>', 'harbor.unhealthy'],
    [400, 'garbage', 'image.unknown'],
  ])('%i %s → %s', (status, body, cause) => {
    expect(classifyRegistryError(status, parseRegistryErrors(body))).toBe(cause);
  });
  it('parses only the errors shape', () => {
    expect(parseRegistryErrors('<html>')).toEqual([]);
    expect(parseRegistryErrors('{"errors":"x"}')).toEqual([]);
  });
});

describe('transport classification walks cause by code', () => {
  const wrap = (code: string, message = code) => new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
  it.each([
    ['ECONNREFUSED', 'net.connection-refused'],
    ['UND_ERR_CONNECT_TIMEOUT', 'net.connection-timeout'],
    ['EHOSTUNREACH', 'net.connection-timeout'],
    ['ENETUNREACH', 'net.connection-timeout'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls.untrusted-ca'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls.untrusted-ca'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls.untrusted-ca'],
    ['CERT_HAS_EXPIRED', 'tls.expired'],
    ['CERT_NOT_YET_VALID', 'tls.not-yet-valid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls.hostname-mismatch'],
    ['ECONNRESET', 'net.tls-handshake-failed'],
    ['ENOTFOUND', 'dns.nxdomain'],
    ['EAI_AGAIN', 'dns.servfail'],
    ['UND_ERR_HEADERS_TIMEOUT', 'harbor.unreachable'],
  ])('%s → %s', (code, cause) => {
    expect(classifyTransportError(wrap(code), 'harbor.test').cause).toBe(cause);
  });
  it('IP host + altname → tls.ip-san-missing; wrong version number → net.plain-http', () => {
    expect(classifyTransportError(wrap('ERR_TLS_CERT_ALTNAME_INVALID'), '10.0.0.1').cause).toBe('tls.ip-san-missing');
    expect(classifyTransportError(wrap('EPROTO', 'ssl3_get_record:wrong version number'), 'h').cause).toBe('net.plain-http');
  });
});

describe('platforms', () => {
  it('index entries, attestations skipped, variants', () => {
    const idx = { manifests: [
      { digest: 'sha256:1', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: 'sha256:2', size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: 'sha256:3', size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
    ] };
    expect(indexPlatforms(idx).map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(platformMatches('linux/arm64', 'linux/arm64/v8')).toBe(true);
    expect(platformMatches('linux/arm/v7', 'linux/arm/v6')).toBe(false);
    expect(platformMatches('linux/arm64', 'linux/amd64')).toBe(false);
  });
});
