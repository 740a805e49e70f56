import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.ts';
import { UsageError } from '../errors.ts';
import { parseTarget } from './load.ts';
import { preflight } from './preflight.ts';

const dir = mkdtempSync(join(tmpdir(), 'hd-preflight-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** A kubeconfig with contexts `one` (current) and `two`; `user` is the YAML of the user entry. */
function kubeconfig(name: string, user: string, cluster = 'server: "https://127.0.0.1:1"'): string {
  return file(name, [
    'apiVersion: v1',
    'kind: Config',
    'current-context: one',
    `clusters: [{ name: c, cluster: { ${cluster} } }]`,
    `users: [{ name: u, user: ${user} }]`,
    'contexts: [{ name: one, context: { cluster: c, user: u } }, { name: two, context: { cluster: c, user: u } }]',
  ].join('\n'));
}

const target = (kc: string, context?: string) =>
  parseTarget(['harbor:', '  url: https://harbor.test', 'kubernetes:', `  kubeconfig: ${kc}`, ...(context ? [`  context: ${context}`] : [])].join('\n'), join(dir, 'target.yaml'));

afterEach(() => vi.restoreAllMocks());

describe('preflight: kubeconfig, context and credential sources are usage errors before any check runs', () => {
  const cases: { name: string; target: () => ReturnType<typeof parseTarget>; error?: RegExp }[] = [
    { name: 'token user, existing context', target: () => target(kubeconfig('ok.yaml', '{ token: t }'), 'two') },
    { name: 'exec plugin found on PATH', target: () => target(kubeconfig('exec-ok.yaml', '{ exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: sh, args: ["-c", "true"] } }')) },
    { name: 'a context that does not exist', target: () => target(kubeconfig('ctx.yaml', '{ token: t }'), 'prod'), error: /^kubernetes\.context: context "prod" is not in the kubeconfig$/ },
    { name: 'a kubeconfig file that does not exist', target: () => target(join(dir, 'missing.yaml')), error: /kubernetes\.kubeconfig: cannot read .*missing\.yaml: ENOENT/ },
    { name: 'a kubeconfig that is not YAML', target: () => target(file('garbage.yaml', '\u0000\u0001{{{not: [yaml')), error: /kubernetes\.kubeconfig: .* is not a valid kubeconfig/ },
    { name: 'a client certificate file that does not exist', target: () => target(kubeconfig('cert.yaml', `{ client-certificate: ${join(dir, 'nope.crt')}, client-key: ${join(dir, 'nope.key')} }`)), error: /kubeconfig context "one": .*client-certificate .*nope\.crt (cannot be read: ENOENT|does not exist)/ },
    { name: 'a CA file that does not exist', target: () => target(kubeconfig('ca.yaml', '{ token: t }', `server: "https://127.0.0.1:1", certificate-authority: ${join(dir, 'nope-ca.crt')}`)), error: /certificate-authority .*nope-ca\.crt (cannot be read: ENOENT|does not exist)/ },
    { name: 'a token file that does not exist', target: () => target(kubeconfig('tokenfile.yaml', `{ token-file: ${join(dir, 'nope.token')} }`)), error: /not a valid kubeconfig: ENOENT/ },
    { name: 'an exec plugin command that is not installed', target: () => target(kubeconfig('exec.yaml', '{ exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: hd-no-such-aws-cli, args: [eks, get-token] } }')), error: /exec credential plugin command "hd-no-such-aws-cli" of user "u" is not found on PATH/ },
  ];
  it.each(cases)('$name', async ({ target: t, error }) => {
    // Some cases fail while the target file itself is parsed (its kubeconfig file is checked there too).
    let err: unknown;
    try {
      await preflight(t());
    } catch (e) {
      err = e;
    }
    if (!error) expect(err).toBeUndefined();
    else {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(error);
    }
  });

  it('a secret source that no longer resolves (file removed after the target was loaded)', async () => {
    const secret = file('robot.secret', 's3cret\n');
    const t = parseTarget(['harbor:', '  url: https://harbor.test', 'robot:', '  name: robot$k8s-robot', `  secret: { file: ${secret} }`].join('\n'), join(dir, 'target.yaml'));
    rmSync(secret);
    await expect(preflight(t)).rejects.toThrow(UsageError);
    await expect(preflight(t)).rejects.toThrow(/robot\.secret/);
  });

  it('`run` with a context that does not exist exits 2 before any check runs', async () => {
    const kc = kubeconfig('run-ctx.yaml', '{ token: t }');
    const tf = file('run-target.yaml', ['harbor:', '  url: https://harbor.test', 'kubernetes:', `  kubeconfig: ${kc}`, '  context: nope'].join('\n'));
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (stderr.push(String(s)), true));
    const code = await main(['run', '--target', tf, '--out', join(dir, 'out'), '--no-html']);
    expect(code).toBe(2);
    expect(stderr.join('')).toMatch(/context "nope" is not in the kubeconfig\nhint: available contexts: one, two/);
  });
});
