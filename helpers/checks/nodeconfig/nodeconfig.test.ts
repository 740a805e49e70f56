import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { redactor } from '../../redact.ts';
import { causesByCheck, runChecks, testContext } from '../test-context.ts';
import { lintContainerdToml } from './containerd-toml.ts';
import { lintHostsToml } from './hosts-toml.ts';
import { lintNodeConfigFile, nodeconfigChecks } from './index.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (n: string) => join(FIX, n);
const HARBOR = 'harbor.yourdomain.com';
const lintFile = (n: string, merge?: 'import' | 'merge') => lintNodeConfigFile(fx(n), { harborHost: HARBOR, ...(merge ? { merge } : {}) });
const causes = (n: string, merge?: 'import' | 'merge') => lintFile(n, merge).findings.map((f) => f.cause).sort();
const fields = (n: string) => lintFile(n).findings.filter((f) => f.cause === 'node.nodeconfig-invalid').map((f) => String(f.params.field));

describe('NodeConfig lint: exact cause ids per fixture', () => {
  it.each([
    // The guide's Step 7 NodeConfig: config_path + mirrors + configs.tls (containerd refuses to load CRI),
    // robot password inline, a CRI drop-in that drops nodeadm's base CRI keys on containerd 1.x
    // imports, and placeholder SSM activation values.
    ['guide-nodeconfig.yaml', undefined, ['node.containerd-config-conflict', 'node.containerd-dropin-replaces-cri', 'node.nodeconfig-invalid', 'node.nodeconfig-invalid', 'node.plaintext-registry-credentials']],
    ['guide-nodeconfig.yaml', 'merge', ['node.containerd-config-conflict', 'node.nodeconfig-invalid', 'node.nodeconfig-invalid', 'node.plaintext-registry-credentials']],
    ['healthy-nodeconfig.yaml', undefined, []],
    ['healthy-config-path-only.yaml', 'merge', []],
    ['healthy-config-path-only.yaml', 'import', ['node.containerd-dropin-replaces-cri']],
    ['malformed-yaml.yaml', undefined, ['node.nodeconfig-invalid']],
    ['malformed-toml.yaml', undefined, ['node.nodeconfig-invalid']],
    ['unknown-field.yaml', undefined, ['node.nodeconfig-invalid', 'node.nodeconfig-invalid', 'node.nodeconfig-invalid']],
    ['both-credentials.yaml', undefined, ['node.nodeconfig-invalid']],
    ['missing-region.yaml', undefined, ['node.nodeconfig-invalid']],
    ['restricted-labels.yaml', undefined, ['node.nodeconfig-invalid', 'node.nodeconfig-invalid', 'node.nodeconfig-invalid', 'node.nodeconfig-invalid']],
    ['v3-mismatch-insecure.yaml', undefined, ['node.insecure-skip-verify', 'node.nodeconfig-invalid']],
    ['multi-doc.yaml', undefined, []],
  ] as const)('%s (merge: %s)', (file, merge, expected) => {
    expect(causes(file, merge)).toEqual([...expected].sort());
  });

  it.each([
    ['guide-nodeconfig.yaml', ['spec.hybrid.ssm.activationCode', 'spec.hybrid.ssm.activationId']],
    ['unknown-field.yaml', ['spec.hybrid.ssm.activationcode', 'spec.hybrid.ssm.activationCode', 'spec.kubelet.config.maxpods']],
    ['both-credentials.yaml', ['spec.hybrid']],
    ['missing-region.yaml', ['spec.cluster.region']],
    ['malformed-toml.yaml', ['spec.containerd.config']],
    ['restricted-labels.yaml', ['spec.kubelet.flags[0]', 'spec.kubelet.flags[1]', 'spec.kubelet.config.shutdownGracePeriod', 'spec.kubelet.config.maxPods']],
  ])('%s names the fields', (file, expected) => {
    expect(fields(file).sort()).toEqual([...expected].sort());
  });

  it('malformed YAML is a finding with line:col, not an exception', () => {
    const [f] = lintFile('malformed-yaml.yaml').findings;
    expect(f!.params.detail).toMatch(/malformed YAML at line \d+:\d+/);
  });

  it('malformed TOML gives the line inside the containerd config', () => {
    const [f] = lintFile('malformed-toml.yaml').findings;
    expect(f!.params.detail).toMatch(/line 2, column \d+/);
  });

  it('the conflict carries containerd\'s own error text; the drop-in lists the lost base keys', () => {
    const r = lintFile('guide-nodeconfig.yaml');
    const conflict = r.findings.find((f) => f.cause === 'node.containerd-config-conflict')!;
    expect(conflict.evidence.containerdError).toEqual(['`mirrors` cannot be set when `config_path` is provided', '`configs.tls` cannot be set when `config_path` is provided']);
    const dropin = r.findings.find((f) => f.cause === 'node.containerd-dropin-replaces-cri')!;
    expect(dropin.evidence.lostKeys).toEqual(expect.arrayContaining(['sandbox_image', 'containerd.runtimes.runc.options.SystemdCgroup']));
    expect(dropin.evidence.lostKeys).not.toContain('registry.config_path');
  });

  it('never leaks the robot password or the activation code', () => {
    const r = lintFile('guide-nodeconfig.yaml');
    const h = lintFile('healthy-nodeconfig.yaml');
    const all = JSON.stringify([r, h]);
    expect(all).not.toContain('YOUR-ROBOT-TOKEN');
    expect(all).not.toContain('Fjz3/sZfSvv78EXAMPLE');
    const cred = r.findings.find((f) => f.cause === 'node.plaintext-registry-credentials')!;
    expect(cred.evidence).toMatchObject({ host: HARBOR, keys: ['username', 'password'] });
  });

  it('multi-document files are merged in order like nodeadm does', () => {
    expect(lintFile('multi-doc.yaml').evidence).toMatchObject({ documents: 2, hybrid: 'ssm' });
  });

  it('MIME multipart and unreadable files are usage errors', () => {
    expect(() => lintFile('mime-userdata.txt')).toThrow(UsageError);
    expect(() => lintFile('mime-userdata.txt')).toThrow(/MIME multipart .* not supported/);
    expect(() => lintFile('does-not-exist.yaml')).toThrow(/ENOENT/);
  });

  it('the suite check lints target.nodeconfig', async () => {
    const ctx = testContext({ harbor: { url: `https://${HARBOR}` }, nodeconfig: 'guide-nodeconfig.yaml' }, {}, { baseDir: FIX });
    const got = causesByCheck(await runChecks(nodeconfigChecks, ctx));
    expect(got.lint).toContain('node.containerd-config-conflict');
  });
});

describe('containerd TOML details', () => {
  it('mirrors without config_path conflict only when nodeadm deep-merges its base config_path', () => {
    const toml = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."harbor.yourdomain.com"]\nendpoint = ["https://harbor.yourdomain.com"]\n';
    const c = (merge: 'import' | 'merge') => lintContainerdToml(toml, { subject: 'x', merge }).findings.map((f) => f.cause).sort();
    expect(c('merge')).toEqual(['node.containerd-config-conflict']);
    expect(c('import')).toEqual(['node.containerd-dropin-replaces-cri']);
  });

  it('version 3 with containerd 2.x plugin names is fine', () => {
    const toml = 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\nconfig_path = "/etc/containerd/certs.d"\n';
    expect(lintContainerdToml(toml, { subject: 'x' }).findings).toEqual([]);
  });

  it('registers credentials found in a node containerd config as secrets (masked everywhere after)', () => {
    const pw = 'node-toml-planted-Pw7';
    const tok = 'node-toml-identity-Tk7';
    const toml = `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.configs."${HARBOR}".auth]\nusername = "robot$x"\npassword = "${pw}"\nidentitytoken = "${tok}"\n`;
    expect(redactor.text(`saw ${pw} and ${tok}`)).toBe(`saw ${pw} and ${tok}`);
    const r = lintContainerdToml(toml, { subject: 'x', harborHost: HARBOR, merge: 'merge' });
    expect(r.findings.map((f) => f.cause)).toContain('node.plaintext-registry-credentials');
    expect(JSON.stringify(r)).not.toMatch(/planted|identity-Tk7/);
    const later = redactor.text(`saw ${pw}, ${tok} and Basic ${Buffer.from(`robot$x:${pw}`).toString('base64')}`);
    expect(later).not.toContain(pw);
    expect(later).not.toContain(tok);
    expect(later).not.toContain(Buffer.from(`robot$x:${pw}`).toString('base64').slice(0, 20));
  });

  it('records registry hosts that are not the Harbor nodes use', () => {
    const toml = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.configs."harbor.other.com".auth]\nusername = "u"\n';
    const r = lintContainerdToml(toml, { subject: 'x', harborHost: HARBOR, merge: 'merge' });
    expect(r.evidence.hostMismatch).toMatch(/harbor.other.com/);
  });
});

describe('hosts.toml lint', () => {
  const exists = (p: string) => p === '/etc/containerd/certs.d/harbor.yourdomain.com/ca.crt';
  const lint = (n: string) => lintHostsToml(readFileSync(fx(n), 'utf8'), { path: `/etc/containerd/certs.d/${HARBOR}/hosts.toml`, host: HARBOR, fileExists: exists });
  it.each([
    ['hosts-healthy.toml', []],
    ['hosts-no-host-tree.toml', ['node.hosts-toml-invalid']],
    ['hosts-http-skip.toml', ['node.hosts-toml-invalid', 'node.hosts-toml-invalid', 'node.insecure-skip-verify']],
    ['hosts-missing-ca.toml', ['node.hosts-toml-invalid']],
    ['hosts-broken.toml', ['node.hosts-toml-invalid']],
  ])('%s', (file, expected) => {
    expect(lint(file).map((f) => f.cause).sort()).toEqual(expected);
  });

  it('relative ca paths resolve against the hosts.toml directory', () => {
    const [f] = lint('hosts-missing-ca.toml');
    expect(f!.params.detail).toMatch(/resolved to \/etc\/containerd\/certs.d\/harbor.yourdomain.com\/harbor-ca.crt/);
  });
});
