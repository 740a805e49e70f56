import { z } from 'zod';
import { targetSchema } from './schema.ts';

/** The published JSON Schema of the target file (schema/target.schema.json), generated from the zod schema. */
export function targetJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://hybrid-doctor.dev/schema/target.schema.json',
    title: 'hybrid-doctor target',
    description: 'One environment to check: Harbor, robot, images, DNS, metrics, NodeConfig, Kubernetes, AWS. Secrets are referenced ({env} or {file}), never inline.',
    ...(z.toJSONSchema(targetSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(targetJsonSchema(), null, 2)}\n`);
