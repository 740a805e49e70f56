import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';

const BIN = new URL('../../bin/hybrid-doctor.mjs', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

/**
 * A planted secret appears in no output: the robot secret (right and wrong), the admin password
 * and their Basic-auth base64 forms are searched in every report file (JSON, JUnit, Allure
 * results and HTML), the console, and the logs of the sandbox's own components.
 */
describe('secrets never leave memory', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await ensureSandbox();
  });

  it('a full run with a planted wrong robot secret leaks nothing anywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hd-secrets-'));
    const planted = `Planted-${Math.random().toString(36).slice(2)}-Secret`;
    writeFileSync(join(dir, 'robot-secret'), planted, { mode: 0o600 });
    const target = parse(readFileSync(sb.targetFile, 'utf8'));
    target.robot.secret = { file: join(dir, 'robot-secret') };
    writeFileSync(join(dir, 'target.yaml'), stringify(target));
    const real = readFileSync(sb.harbor.robot.secretFile, 'utf8').trim();
    const admin = readFileSync(sb.harbor.adminPasswordFile, 'utf8').trim();
    const registryPassword = readFileSync(sb.harbor.registryUser.passwordFile, 'utf8').trim();

    const out = join(dir, 'out');
    const r = await execa(process.execPath, [BIN, 'run', '--target', join(dir, 'target.yaml'), '--out', out, '--suites', 'tls,dns,robot-auth,image-pull,harbor,metrics,nodeconfig'], { reject: false, timeout: 240_000 });
    expect(r.exitCode, r.stderr).toBe(1); // the wrong secret is a finding
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.findings.map((f: { cause: string }) => f.cause)).toContain('auth.credentials-invalid');

    const needles = [planted, real, admin, registryPassword].flatMap((s) => [s, Buffer.from(s).toString('base64').replace(/=+$/, ''), Buffer.from(`robot$k8s-robot:${s}`).toString('base64').replace(/=+$/, ''), Buffer.from(`admin:${s}`).toString('base64').replace(/=+$/, '')]);
    const haystacks: [string, string][] = [['stdout', r.stdout], ['stderr', r.stderr]];
    const files = filesUnder(out);
    expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
    expect(files.some((f) => f.endsWith('-result.json'))).toBe(true);
    for (const f of files) if (statSync(f).size < 64 * 1024 * 1024) haystacks.push([f, readFileSync(f, 'latin1')]);
    for (const c of ['hd-harbor-core', 'hd-nginx', 'hd-registry', 'hd-dns']) {
      const logs = await execa('docker', ['logs', c], { reject: false, all: true });
      haystacks.push([`docker logs ${c}`, logs.all ?? '']);
    }
    const leaks = haystacks.flatMap(([where, text]) => needles.filter((n) => text.includes(n)).map(() => where));
    expect(leaks).toEqual([]);
  });
});
