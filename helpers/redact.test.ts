import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from './redact.ts';

describe('redactor', () => {
  const r = new Redactor();
  const secret = 'Zx9-robot-secret-Q';
  r.add(secret, 'robot$k8s-robot');

  it.each([
    ['the secret itself', `password=${secret}`],
    ['base64 of the secret', Buffer.from(secret).toString('base64')],
    ['dockerconfigjson auth', JSON.stringify({ auths: { h: { auth: Buffer.from(`robot$k8s-robot:${secret}`).toString('base64') } } })],
    ['Basic header', `Authorization: Basic ${Buffer.from(`robot$k8s-robot:${secret}`).toString('base64')}`],
  ])('removes %s', (_n, text) => {
    const out = r.text(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    expect(out).toContain(REDACTED);
  });

  it.each([
    ['Bearer tokens', 'Authorization: Bearer abc.def.ghi-unregistered-token-value'],
    ['JWTs anywhere', 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb2JvdCJ9.c2lnbmF0dXJlLXZhbHVl'],
    ['TOML passwords', 'password = "hunter2-unregistered"'],
    ['JSON secret fields', '{"secret":"unregistered-value"}'],
  ])('removes unregistered %s by pattern', (_n, text) => {
    expect(r.text(text)).toContain(REDACTED);
    expect(r.text(text)).not.toMatch(/unregistered|hunter2|c2lnbmF0dXJl/);
  });

  it('redacts YAML secrets but leaves prose about secrets alone', () => {
    expect(r.text('robot:\n  password: hunter2-yaml\n')).not.toContain('hunter2-yaml');
    expect(r.text('{ password: "q-quoted" }')).not.toContain('q-quoted');
    expect(r.text('robot.secret: give a secret as {env: VAR}')).toBe('robot.secret: give a secret as {env: VAR}');
  });

  it('keeps ordinary text and deep-redacts objects', () => {
    expect(r.text('x509: certificate signed by unknown authority')).toBe('x509: certificate signed by unknown authority');
    expect(r.value({ a: [{ password: 'p' }], b: `x ${secret}` })).toEqual({ a: [{ password: REDACTED }], b: `x ${REDACTED}` });
  });
});
