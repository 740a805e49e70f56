import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import type { Check } from '../helpers/checks/check.ts';
import { metricsChecks } from '../helpers/checks/metrics/index.ts';
import { runChecks, testContext } from '../helpers/checks/test-context.ts';
import { tlsChecks } from '../helpers/checks/tls/index.ts';
import { buildJsonReport } from './json-report.ts';
import { reportJsonSchema } from './report-schema.ts';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

const crashing: Check = { id: 'crash', suite: 'harbor', title: 'throws', run: async () => { throw new TypeError('boom'); } };

describe('schema/report.schema.json', () => {
  it('is generated from the zod schema (npm run schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../schema/report.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(reportJsonSchema())));
  });

  it('accepts a real report (failed, not-checked blocked / not-configured, errored) and rejects a wrong status', async () => {
    // A plain HTTP server on the HTTPS URL: tls/handshake fails, the other tls checks are blocked.
    const srv = createServer((_req, res) => res.end('hello'));
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    const ctx = testContext({ harbor: { url: `https://127.0.0.1:${port}` }, timeouts: { connectMs: 500, requestMs: 500 } });
    const checks = await runChecks([...tlsChecks, ...metricsChecks.slice(0, 1), crashing], ctx);
    expect(new Set(checks.map((c) => c.status))).toEqual(new Set(['failed', 'not-checked', 'errored']));
    const report = JSON.parse(JSON.stringify(buildJsonReport({ target: 't', startedAt: new Date().toISOString(), durationMs: 5, checks, version: '0.0.0' })));
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../schema/report.schema.json', import.meta.url), 'utf8')));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.checks.find((c: { id: string }) => c.id === 'trust')).toMatchObject({ status: 'not-checked', notChecked: 'blocked', blockedBy: 'net.plain-http' });
    expect(report.findings.map((f: { cause: string }) => f.cause)).toEqual(['net.plain-http', 'internal.check-error']);
    expect(validate({ ...report, checks: [{ ...report.checks[0], status: 'skipped' }] })).toBe(false);
  });
});
