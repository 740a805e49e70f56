import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const BIN = new URL('./hybrid-doctor.mjs', import.meta.url).pathname;
const FIX = new URL('../helpers/checks/nodeconfig/fixtures/', import.meta.url).pathname;

/** Runs the real CLI in a child process on the Node that runs the tests (24). */
function cli(args: string[], input?: string) {
  return execa(process.execPath, [BIN, ...args], { reject: false, timeout: 60_000, ...(input !== undefined ? { input } : { stdin: 'ignore' }), env: { NO_COLOR: '1' } });
}

describe('command line contract', () => {
  it('explain --json classifies a pasted kubelet event', async () => {
    const r = await cli(['explain', '--json', 'Failed to pull image "harbor.example.test/library/nginx:1.27": failed to pull and unpack image "harbor.example.test/library/nginx:1.27": failed to resolve reference "harbor.example.test/library/nginx:1.27": failed to do request: Head "https://harbor.example.test/v2/library/nginx/manifests/1.27": tls: failed to verify certificate: x509: certificate signed by unknown authority']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.cause).toBe('tls.untrusted-ca');
    expect(out.remediation.steps.length).toBeGreaterThan(0);
  });

  it('explain reads the message from stdin', async () => {
    const r = await cli(['explain', '--json'], 'Back-off pulling image "harbor.example.test/library/nginx:nope": ErrImagePull: harbor.example.test/library/nginx:nope: not found');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).cause).toBe('image.not-found');
  });

  it("lint nodeconfig --json finds the guide's NodeConfig problems and exits 1", async () => {
    const r = await cli(['lint', 'nodeconfig', '--json', join(FIX, 'guide-nodeconfig.yaml')]);
    expect(r.exitCode).toBe(1);
    const causes = new Set(JSON.parse(r.stdout).findings.map((f: { cause: string }) => f.cause));
    expect(causes).toContain('node.containerd-config-conflict');
    expect(causes).toContain('node.plaintext-registry-credentials');
    expect(r.stdout).not.toContain('YOUR-ROBOT-TOKEN');
  });

  it('lint nodeconfig on a healthy NodeConfig exits 0', async () => {
    const r = await cli(['lint', 'nodeconfig', join(FIX, 'healthy-nodeconfig.yaml')]);
    expect(r.stdout + r.stderr).toMatch(/no findings/);
    expect(r.exitCode).toBe(0);
  });

  it.each(['run', 'explain', 'lint', 'diagnose', 'sandbox'])('help %s prints the same generated help as the command with --help, exit 0', async (cmd) => {
    const a = await cli(['help', cmd]);
    const b = await cli([cmd, '--help']);
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(new RegExp(`^Usage:\\n  hybrid-doctor ${cmd}`));
    expect(a.stdout).toContain('-h, --help');
  });

  it('help of an unknown command is a usage error', async () => {
    const r = await cli(['help', 'frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'hd-cli-'));
  writeFileSync(join(dir, 'bad.yaml'), 'harbor:\n  url: [oops\n');
  writeFileSync(join(dir, 'garbage.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'badca.yaml'), 'harbor:\n  url: https://h.example.test\n  caBundle: ./garbage.pem\n');
  writeFileSync(join(dir, 'noca.yaml'), 'harbor:\n  url: https://h.example.test\n  caBundle: ./missing.pem\n');
  writeFileSync(join(dir, 'Corefile'), '.:53 {\n  hosts {\n    1.2.3.4 x\n');
  writeFileSync(join(dir, 'badcore.yaml'), 'harbor:\n  url: https://h.example.test\ndns:\n  corefile: ./Corefile\n');
  writeFileSync(join(dir, 'inline.yaml'), 'harbor:\n  url: https://h.example.test\nrobot:\n  name: robot$x\n  secret: topsecret-inline\n');
  it.each([
    ['no command', [], /Usage:/],
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['unknown flag', ['run', '--targett', 'x'], /Unknown option '--targett'/],
    ['unknown suite', ['run', '--target', join(dir, 'bad.yaml'), '--suites', 'tls,nope'], /unknown suite\(s\): nope/],
    ['bad --fail-on', ['run', '--target', join(dir, 'bad.yaml'), '--fail-on', 'info'], /--fail-on takes "error" or "warning"/],
    ['malformed target YAML', ['run', '--target', join(dir, 'bad.yaml')], /bad\.yaml:\d+:\d+: malformed YAML/],
    ['inline secret in target', ['run', '--target', join(dir, 'inline.yaml')], /robot\.secret: give a secret as \{env: VAR\} or \{file: PATH\}/],
    ['garbage CA PEM', ['run', '--target', join(dir, 'badca.yaml')], /harbor\.caBundle: /],
    ['unreadable CA bundle', ['run', '--target', join(dir, 'noca.yaml')], /harbor\.caBundle: cannot read .*ENOENT/],
    ['malformed Corefile', ['run', '--target', join(dir, 'badcore.yaml')], /dns\.corefile: .*Corefile:\d+: malformed Corefile/],
    ['missing target file', ['run', '--target', join(dir, 'nope.yaml')], /cannot read target file .*ENOENT/],
    ['unreadable NodeConfig', ['lint', 'nodeconfig', join(dir, 'nope.yaml')], /cannot read NodeConfig/],
    ['lint without kind', ['lint', 'corefile', 'x'], /lint takes "nodeconfig"/],
    ['sandbox without action', ['sandbox'], /sandbox takes up, down or status/],
    ['diagnose with pod and -A', ['diagnose', 'p', '--all-namespaces'], /give a POD or --all-namespaces/],
  ])('%s → exit 2 with a clear message, no stack trace', async (_n, args, re) => {
    const r = await cli(args as string[]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout + r.stderr).toMatch(re as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stdout + r.stderr).not.toContain('topsecret-inline');
  });
});
