/**
 * hybrid-doctor's own container image (issue 12), built locally (fixtures/app-image.ts): it runs
 * as non-root with a read-only root filesystem and only /tmp writable, has no shell, and produces
 * the same reports as the CLI on the host.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureAppImage } from '../../fixtures/app-image.ts';

let image: string;
const NODECONFIG = new URL('../../helpers/checks/nodeconfig/fixtures/guide-nodeconfig.yaml', import.meta.url).pathname;
const X509 = 'Failed to pull image "h.test/a:1": failed to resolve reference "h.test/a:1": failed to do request: Head "https://h.test/v2/a/manifests/1": x509: certificate signed by unknown authority';

const dockerRun = (args: string[], opts: { mounts?: string[] } = {}) =>
  execa('docker', ['run', '--rm', '--read-only', '--tmpfs', '/tmp', '--network', 'none', ...(opts.mounts ?? []).flatMap((m) => ['-v', m]), image, ...args], { reject: false, timeout: 120_000 });

describe('hybrid-doctor container image', () => {
  beforeAll(async () => {
    image = await ensureAppImage();
  }, 600_000);

  it('is non-root and has no shell', async () => {
    const user = await execa('docker', ['image', 'inspect', '--format', '{{.Config.User}}', image]);
    expect(user.stdout.trim()).toBe('65532:65532');
    const sh = await execa('docker', ['run', '--rm', '--entrypoint', '/bin/sh', image, '-c', 'true'], { reject: false });
    expect(sh.exitCode).not.toBe(0);
    expect(sh.stderr).toMatch(/no such file or directory|executable file not found/);
  });

  it('explain works read-only, offline', async () => {
    const r = await dockerRun(['explain', X509]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cause:\s+tls\.untrusted-ca/m);
  });

  it('run writes JSON, JUnit and the Allure HTML into its mounted output folder only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hd-app-image-'));
    mkdirSync(join(dir, 'cfg'));
    mkdirSync(join(dir, 'out'));
    chmodSync(join(dir, 'out'), 0o777);
    copyFileSync(NODECONFIG, join(dir, 'cfg', 'nodeconfig.yaml'));
    writeFileSync(join(dir, 'cfg', 'target.yaml'), 'harbor:\n  url: https://harbor.example.test\nnodeconfig: ./nodeconfig.yaml\n');
    const r = await dockerRun(['run', '--target', '/cfg/target.yaml', '--suites', 'nodeconfig', '--out', '/out/r'], { mounts: [`${join(dir, 'cfg')}:/cfg:ro`, `${join(dir, 'out')}:/out`] });
    expect(r.exitCode, r.stderr).toBe(1); // the guide's NodeConfig has findings
    for (const f of ['report.json', 'junit.xml', 'allure-report/index.html']) expect(existsSync(join(dir, 'out', 'r', f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'r', 'report.json'), 'utf8')) as { checks: { suite: string; status: string }[] };
    expect(report.checks.map((c) => `${c.suite}:${c.status}`)).toEqual(['nodeconfig:failed']);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
