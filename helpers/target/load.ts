import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { redactor } from '../redact.ts';
import { targetSchema, type SecretSource, type TargetFile } from './schema.ts';

/** A validated target with relative paths resolved against the target file's folder. */
export interface Target extends TargetFile {
  /** Folder of the target file; relative paths in it are resolved against this. */
  baseDir: string;
  /** Path of the target file ('' for targets built in memory). */
  file: string;
}

/** Reads and validates a target file. Every problem is a UsageError naming the file and field. */
export function loadTarget(file: string): Target {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read target file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  return parseTarget(text, file);
}

export function parseTarget(text: string, file = '<target>'): Target {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new UsageError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: malformed YAML: ${e.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // toJS throws on alias expansion bombs ("Excessive alias count ...") and similar resource limits.
    throw new UsageError(`${file}: malformed YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`${file}: a target file is a YAML mapping (harbor:, robot:, images: ...), got ${raw === null ? 'an empty document' : Array.isArray(raw) ? 'a list' : typeof raw}`);
  }
  const parsed = targetSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${file}: invalid target:\n${formatIssues(parsed.error)}`, { hint: 'the JSON Schema is schema/target.schema.json' });
  const baseDir = file.startsWith('<') ? process.cwd() : dirname(resolve(file));
  const target: Target = { ...parsed.data, baseDir, file };
  if (target.robot) redactor.add(readSecret(target, target.robot.secret, 'robot.secret'), target.robot.name);
  if (target.harbor.admin) redactor.add(readSecret(target, target.harbor.admin.password, 'harbor.admin.password'), target.harbor.admin.username);
  if (target.harbor.ldap?.user) redactor.add(readSecret(target, target.harbor.ldap.user.password, 'harbor.ldap.user.password'), target.harbor.ldap.user.username);
  return target;
}

/** One line per issue: `  - harbor.url: Invalid URL`. Values are never echoed (they may be secrets). */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.length ? i.path.join('.') : '(top level)';
      let msg = i.message;
      if (i.code === 'unrecognized_keys') msg = `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      if (i.code === 'invalid_union' && /secret|password/.test(path)) msg = 'give a secret as {env: VAR} or {file: PATH}; inline secrets are refused';
      return `  - ${path}: ${msg}`;
    })
    .join('\n');
}

export function targetPath(target: Target, p: string): string {
  return resolve(target.baseDir, p);
}

/** Reads a secret from its source. Errors name the source, never the value. */
export function readSecret(target: Target, src: SecretSource, field: string): string {
  if ('env' in src) {
    const v = process.env[src.env];
    if (v === undefined || v === '') throw new UsageError(`${field}: environment variable ${src.env} is not set`);
    return v;
  }
  const path = targetPath(target, src.file);
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`${field}: cannot read secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
