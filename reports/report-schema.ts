import { z } from 'zod';
import { CAUSES, type CauseId } from '../helpers/findings/cause-ids.ts';
import { CHECK_STATUSES, NOT_CHECKED_KINDS } from '../helpers/findings/finding.ts';

/**
 * The JSON report (`run --json`) as a zod schema: the TypeScript type of the report is inferred
 * from it and the published JSON Schema (schema/report.schema.json) is generated from it
 * (`npm run schema`), so the three cannot drift.
 */
const severity = z.enum(['error', 'warning', 'info']);
const causeId = z.enum(Object.keys(CAUSES) as [CauseId, ...CauseId[]]);

const findingSchema = z.object({
  cause: causeId.describe('cause id from the catalog (docs/causes.md)'),
  severity,
  subject: z.string().describe('what the finding is about: host:port, node/NAME, ns/pod, robot$name, a file path'),
  title: z.string(),
  message: z.string(),
  explanation: z.string(),
  remediation: z.object({
    summary: z.string(),
    steps: z.array(z.string()),
    docs: z.array(z.object({ title: z.string(), url: z.string() })),
    guideStep: z.string().optional(),
  }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).optional()),
  evidence: z.record(z.string(), z.unknown()),
  check: z.string().optional().describe('the check that produced it (suite/check-id)'),
});

const checkSchema = z.object({
  id: z.string(),
  suite: z.string(),
  title: z.string(),
  status: z.enum(CHECK_STATUSES).describe('passed: checked and fine; failed: a finding at warning or error; not-checked: could not judge (see notChecked, reason); errored: hybrid-doctor failed (internal.check-error)'),
  durationMs: z.number().int().nonnegative(),
  findings: z.number().int().nonnegative().describe('how many findings this check produced'),
  notChecked: z.enum(NOT_CHECKED_KINDS).optional().describe('why not checked: blocked by an earlier failure, not applicable, not configured in the target, deadline'),
  reason: z.string().optional().describe('why not checked, or the internal error text'),
  blockedBy: z.string().optional().describe('cause id or suite/check that blocked this check'),
});

export const jsonReportSchema = z.object({
  tool: z.object({ name: z.literal('hybrid-doctor'), version: z.string() }),
  target: z.string(),
  startedAt: z.string(),
  durationMs: z.number().int().nonnegative(),
  summary: z.object({
    checks: z.object({ passed: z.number().int(), failed: z.number().int(), notChecked: z.number().int(), errored: z.number().int() }),
    findings: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    causes: z.array(z.object({ cause: causeId, severity, count: z.number().int() })),
  }),
  findings: z.array(findingSchema).describe('root cause first: severity, then suite order, then subject'),
  checks: z.array(checkSchema),
});

/** The published JSON Schema of the JSON report (schema/report.schema.json). */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://hybrid-doctor.dev/schema/report.schema.json',
    title: 'hybrid-doctor JSON report',
    description: 'Findings (root cause first) and the status of every check of one run.',
    ...(z.toJSONSchema(jsonReportSchema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
