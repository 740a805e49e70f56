import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/hybrid-doctor.mjs', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(new URL(`../classifier/testdata/${name}`, import.meta.url), 'utf8');

/** The real CLI in a child process (Node 24), input on stdin as a user pastes it. */
function explain(args: string[], input: string) {
  return execa(process.execPath, [BIN, 'explain', ...args], { reject: false, timeout: 60_000, input, env: { NO_COLOR: '1' } });
}

describe('explain with pasted kubectl output', () => {
  it('kubectl describe pod: root cause first, then the other causes', async () => {
    const r = await explain([], fixture('describe-pod-missing-secret.txt'));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^input: +kubectl describe pod of shop\/web-7d9c6b8f5d-x2x7k: 2 distinct causes, root cause first/);
    expect(r.stdout).toMatch(/\[1\] event FailedToRetrieveImagePullSecret ×9\ncause: +auth\.pull-secret-missing/);
    expect(r.stdout).toMatch(/\[2\] event Failed ×4\ncause: +auth\.credentials-invalid/);
    expect(r.stdout.indexOf('auth.pull-secret-missing')).toBeLessThan(r.stdout.indexOf('auth.credentials-invalid'));
  });

  it.each([
    ['events-untrusted-ca.json', 'events-json', 'tls.untrusted-ca', 'fetch-manifest'],
    ['events-policy.yaml', 'events-yaml', 'image.policy-vulnerability', 'policy'],
    ['events-table-nxdomain.txt', 'events-table', 'dns.nxdomain', 'fetch-manifest'],
  ])('--json %s: the root cause on top, every message below', async (file, kind, cause, step) => {
    const r = await explain(['--json'], fixture(file));
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ input: kind, cause, step });
    expect(out.messages[0]).toMatchObject({ cause, source: 'event Failed' });
    expect(out.layers).toEqual(['kubelet', 'containerd']);
  });

  it('a single message keeps the one-message JSON shape and adds step, layers and what decides', async () => {
    const r = await explain(['--json'], 'Failed to pull image "h.example/x:1": failed to pull and unpack image "h.example/x:1": failed to resolve reference "h.example/x:1": unexpected status from HEAD request to https://h.example/v2/x/manifests/1: 401 Unauthorized');
    const out = JSON.parse(r.stdout);
    expect(out).not.toHaveProperty('messages');
    expect(out).toMatchObject({ cause: 'auth.credentials-invalid', step: 'fetch-manifest', layers: ['kubelet', 'containerd'] });
    expect(out.alternatives).toContain('auth.credentials-missing');
    expect(out.distinguish.length).toBeGreaterThan(20);
  });

  it('a describe output without any pull event is a usage error (exit 2)', async () => {
    const r = await explain([], 'Name:         web-0\nNamespace:    shop\nEvents:       <none>\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no image-pull event or waiting message found in the pasted kubectl describe pod output/);
  });
});

// `explain` must stay under 150 ms per text (whole process). Wall time on a shared CI machine is too
// noisy to assert; what made it slow is: every module loaded is type-stripped and compiled. So the
// module graph is pinned: a message loads the classifier, the catalog and the CLI frame, no
// checks/kube/registry code, and YAML only for YAML input (measured: docs in the classifier report).
describe('explain loads only what it needs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hd-explain-'));
  const hook = join(dir, 'trace.mjs');
  writeFileSync(
    hook,
    "import { registerHooks } from 'node:module';\nconst seen = [];\nregisterHooks({ load(url, ctx, next) { seen.push(url); return next(url, ctx); } });\nprocess.on('exit', () => process.stderr.write(`MODULES ${JSON.stringify(seen.filter((u) => !u.startsWith('node:')))}\\n`));\n",
  );
  const modules = async (input: string) => {
    const r = await execa(process.execPath, ['--import', hook, BIN, 'explain'], { reject: false, timeout: 60_000, input, env: { NO_COLOR: '1', NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(r.exitCode, r.stderr).toBe(0);
    return (JSON.parse(/MODULES (.*)/.exec(r.stderr)?.[1] ?? '[]') as string[]).map((u) => u.replace(/^file:\/\/.*?\/(?=helpers\/|bin\/|node_modules\/)/, ''));
  };

  it('a single message: the classifier, the catalog and the CLI frame only', async () => {
    const m = await modules('no matching manifest for windows/amd64 10.0.17763 in the manifest list entries');
    expect(m).toContain('helpers/classifier/layers.ts');
    expect(m.filter((u) => /^helpers\/(?:kube|diagnose|registry|net|checks\/(?!check\.ts)|runner\/(?!exit-code\.ts)|reports)/.test(u))).toEqual([]);
    expect(m.some((u) => u.includes('node_modules/'))).toBe(false);
    expect(m.length).toBeLessThanOrEqual(30);
  });

  it('YAML input loads the yaml package, JSON and text input do not', async () => {
    expect((await modules(fixture('events-policy.yaml'))).some((u) => u.includes('node_modules/yaml/'))).toBe(true);
    expect((await modules(fixture('events-untrusted-ca.json'))).some((u) => u.includes('node_modules/'))).toBe(false);
  });
});
