import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from './json-report.ts';

/**
 * `hybrid-doctor run` end to end (a real subprocess: vitest, one test per check, every report):
 * the JSON report, JUnit, the console summary and the exit code agree on each check's status.
 */
const BIN = new URL('../bin/hybrid-doctor.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'hd-verdicts-cli-'));
let http: Server;
let port: number;

beforeAll(async () => {
  http = createServer((_q, res) => res.end('hello'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  port = (http.address() as AddressInfo).port;
});
afterAll(() => new Promise((r) => http.close(r)));

// The URL names an IP, so ip-san applies (and is blocked too).
const TLS_BLOCKED = ['trust', 'chain-complete', 'chain-order', 'hostname', 'ip-san', 'validity', 'eku', 'constraints', 'crypto'];
const kubeconfig = () => {
  const p = join(dir, 'kubeconfig');
  writeFileSync(p, ['apiVersion: v1', 'kind: Config', 'current-context: c', 'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]', 'users: [{ name: u, user: { token: t } }]', 'contexts: [{ name: c, context: { cluster: c, user: u } }]'].join('\n'));
  return p;
};

const cases = [
  {
    name: 'plain HTTP on the HTTPS URL: tls/handshake failed, the other tls checks not checked (blocked by net.plain-http)',
    suites: 'tls',
    target: () => `harbor: { url: "https://127.0.0.1:${port}" }\ntimeouts: { connectMs: 1000, requestMs: 1000 }\n`,
    env: {},
    exit: 1,
    statuses: { handshake: 'failed', ...Object.fromEntries(TLS_BLOCKED.map((id) => [id, 'not-checked'])) },
    counts: '0 passed, 1 failed, 9 not checked, 0 errored',
    blockedBy: Object.fromEntries(TLS_BLOCKED.map((id) => [id, 'net.plain-http'])),
  },
  {
    name: 'eks without AWS credentials: not checked (not configured), exit 0, never "every check passed"',
    suites: 'eks',
    target: () => `harbor: { url: "https://127.0.0.1:${port}" }\nkubernetes: { kubeconfig: ${kubeconfig()} }\naws: { region: us-west-2, clusterName: hybrid, endpoint: "http://127.0.0.1:1" }\n`,
    env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
    exit: 0,
    statuses: { 'eks-cluster': 'not-checked', 'eks-security-groups': 'not-checked', 'eks-routes': 'not-checked', 'eks-network-acls': 'not-checked', 'eks-insights': 'not-checked' },
    counts: '0 passed, 0 failed, 5 not checked, 0 errored',
    blockedBy: {},
  },
];

describe('run: reports and exit code agree on every check status', () => {
  it.each(cases)('$name', async (c) => {
    const out = join(dir, c.suites);
    const targetFile = join(dir, `${c.suites}.yaml`);
    writeFileSync(targetFile, c.target());
    const env: Record<string, string | undefined> = { ...process.env, ...c.env };
    for (const [k, v] of Object.entries(c.env)) if (v === undefined) delete env[k];
    const r = await execa(process.execPath, [BIN, 'run', '--target', targetFile, '--suites', c.suites, '--out', out, '--no-html', '--quiet'], { reject: false, env, extendEnv: false, timeout: 120_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(c.exit);

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as JsonReport;
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../schema/report.schema.json', import.meta.url), 'utf8')));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.fromEntries(report.checks.map((x) => [x.id, x.status]))).toEqual(c.statuses);
    expect(Object.fromEntries(report.checks.filter((x) => x.blockedBy).map((x) => [x.id, x.blockedBy]))).toEqual(c.blockedBy);
    for (const x of report.checks) if (x.status === 'not-checked') expect(x.reason, x.id).toBeTruthy();

    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    const n = (s: string) => report.checks.filter((x) => x.status === s).length;
    expect(junit.match(/<skipped message="not checked \(/g)?.length ?? 0).toBe(n('not-checked'));
    expect(junit.match(/<failure /g)?.length ?? 0).toBe(n('failed'));
    expect(junit.match(/<error /g)?.length ?? 0).toBe(n('errored'));

    // Allure (from the vitest run): failed → failed, not-checked → skipped, errored → broken.
    const allure = join(out, 'allure-results');
    const results = readdirSync(allure).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(join(allure, f), 'utf8')) as { name: string; status: string });
    const ALLURE: Record<string, string> = { passed: 'passed', failed: 'failed', 'not-checked': 'skipped', errored: 'broken' };
    expect(Object.fromEntries(results.map((x) => [x.name.split(':')[0], x.status]))).toEqual(Object.fromEntries(Object.entries(c.statuses).map(([id, st]) => [id, ALLURE[st]])));

    expect(r.stdout).toContain(`\n${c.counts}\n`);
    expect(r.stdout).not.toMatch(/every check passed/);
    if (c.suites === 'eks') expect(r.stdout).toMatch(/ {2}(eks\/[a-z-]+, )*eks\/eks-cluster[^\n]*\n\s+not-configured: no AWS credentials found/);
  });
});
