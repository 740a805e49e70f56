import { describe, expect, it } from 'vitest';
import { ldapSettingsFrom } from './harbor-ldap-api.ts';
import { parseLdapUrl } from './ldap-url.ts';
import { readPingAnswer } from './ping-answer.ts';

/**
 * Harbor v2.13.5's own texts and rules, read from its sources (../shared/harbor):
 * - ping answers: src/server/v2.0/handler/ldap.go PingLdap writes `{success, message}` with
 *   message `"error: " + err`, the errors being the sentinels of src/pkg/ldap/ldap.go and
 *   src/controller/ldap/controller.go;
 * - ldap_url: src/pkg/ldap/ldap.go formatURL;
 * - GET /configurations: `{key: {value, editable}}` (src/controller/config, ConvertForGet).
 */
describe('readPingAnswer: what Harbor says to POST /api/v2.0/ldap/ping', () => {
  it.each([
    [{ success: true }, 'ok'],
    // As Harbor sends it: LdapPingResult omits `success` when false (omitempty).
    [{ message: 'error: ldap server network timeout' }, 'dial-failed'],
    [{ success: false, message: 'error: fail to ping LDAP server' }, 'url-unusable'],
    [{ success: false, message: 'error: invalid credential' }, 'bind-refused'],
    [{ success: false, message: 'error: empty password' }, 'bind-refused'],
    [{ success: false, message: 'error: empty search dn' }, 'bind-refused'],
    [{ success: false, message: 'error: something else entirely' }, 'unknown'],
    [{ success: false }, 'unknown'],
    ['not an object', 'unknown'],
  ])('%j → %s', (body: unknown, kind) => {
    const v = readPingAnswer(body);
    expect(v.kind).toBe(kind);
    const message = (body as { message?: string }).message;
    if (v.kind !== 'ok' && message) expect(v.detail).toBe(message);
  });
});

describe("parseLdapUrl: Harbor's formatURL", () => {
  it.each([
    ['ldaps://ldap.sandbox.test:636', { protocol: 'ldaps', host: 'ldap.sandbox.test', port: 636, url: 'ldaps://ldap.sandbox.test:636' }],
    ['ldap://ldap.company.com:389', { protocol: 'ldap', host: 'ldap.company.com', port: 389, url: 'ldap://ldap.company.com:389' }],
    ['ldap://ldap.company.com', { protocol: 'ldap', host: 'ldap.company.com', port: 389, url: 'ldap://ldap.company.com:389' }],
    ['ldaps://ldap.company.com', { protocol: 'ldaps', host: 'ldap.company.com', port: 636, url: 'ldaps://ldap.company.com:636' }],
    // No scheme: ldap. Port 636 forces ldaps whatever the scheme says.
    ['ldap.company.com', { protocol: 'ldap', host: 'ldap.company.com', port: 389, url: 'ldap://ldap.company.com:389' }],
    ['ldap://10.0.0.5:636', { protocol: 'ldaps', host: '10.0.0.5', port: 636, url: 'ldaps://10.0.0.5:636' }],
    ['ldaps://ldap.company.com:3269', { protocol: 'ldaps', host: 'ldap.company.com', port: 3269, url: 'ldaps://ldap.company.com:3269' }],
    ['ldaps://[fd00::5]:636', { protocol: 'ldaps', host: 'fd00::5', port: 636, url: 'ldaps://[fd00::5]:636' }],
  ])('%s', (value, want) => {
    expect(parseLdapUrl(value)).toEqual(want);
  });

  it.each([
    ['', /empty/],
    ['http://ldap.company.com', /unknown ldap protocol "http"/],
    ['ldap://ldap.company.com:port', /illegal ldap url/],
    ['ldap://ldap.company.com/ou=users', /illegal ldap url/],
  ])('%j is refused', (value, msg) => {
    const r = parseLdapUrl(value);
    expect('error' in r && r.error).toMatch(msg);
  });
});

describe('ldapSettingsFrom: GET /api/v2.0/configurations', () => {
  it('reads the values of the LDAP keys and nothing else', () => {
    const body = {
      auth_mode: { value: 'ldap_auth', editable: false },
      ldap_url: { value: 'ldaps://ldap.sandbox.test:636', editable: true },
      ldap_scope: { value: 2, editable: true },
      ldap_verify_cert: { value: false, editable: true },
      ldap_group_base_dn: { value: '', editable: true },
      self_registration: { value: false, editable: true },
    };
    expect(ldapSettingsFrom(body)).toEqual({ auth_mode: 'ldap_auth', ldap_url: 'ldaps://ldap.sandbox.test:636', ldap_scope: 2, ldap_verify_cert: false, ldap_group_base_dn: '' });
  });
});
