import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { targetJsonSchema } from './json-schema.ts';
import { loadTarget, parseTarget } from './load.ts';

const minimal = 'harbor:\n  url: https://harbor.example.test\n';

describe('target file', () => {
  it('accepts a minimal target and fills defaults', () => {
    const t = parseTarget(minimal);
    expect(t.harbor.url).toBe('https://harbor.example.test');
    expect(t.nodes.platforms).toEqual(['linux/amd64']);
    expect(t.tls.expiryWarningDays).toBe(30);
  });

  it.each([
    ['malformed YAML', 'harbor:\n  url: [unclosed\n', /malformed YAML/],
    ['not a mapping', '- a\n- b\n', /YAML mapping/],
    ['empty document', '', /empty document/],
    ['missing harbor', 'name: x\n', /harbor: /],
    ['bad URL', 'harbor:\n  url: not a url\n', /harbor\.url/],
    ['unknown field with its path', `${minimal}  urll: x\n`, /harbor: unknown field\(s\) "urll"/],
    ['inline secret refused', `${minimal}robot:\n  name: robot$x\n  secret: s3cr3t-value\n`, /robot\.secret: give a secret as \{env: VAR\} or \{file: PATH\}/],
    ['bad platform', `${minimal}nodes:\n  platforms: [amd64]\n`, /nodes\.platforms\.0/],
    ['duplicate key', `${minimal}harbor:\n  url: https://x\n`, /malformed YAML/],
  ])('%s → a precise UsageError', (_name, text, re) => {
    let err: unknown;
    try {
      parseTarget(text, 't.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toContain('s3cr3t-value');
  });

  it('reads secrets from env or file and names the source, never the value, when missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hd-target-'));
    writeFileSync(join(dir, 'secret'), 'from-file-secret\n');
    writeFileSync(join(dir, 't.yaml'), `${minimal}robot:\n  name: robot$k8s-robot\n  secret: { file: ./secret }\n`);
    expect(loadTarget(join(dir, 't.yaml')).robot?.name).toBe('robot$k8s-robot');
    writeFileSync(join(dir, 'u.yaml'), `${minimal}robot:\n  name: robot$k8s-robot\n  secret: { env: HD_TEST_UNSET_VAR }\n`);
    expect(() => loadTarget(join(dir, 'u.yaml'))).toThrow(/robot\.secret: environment variable HD_TEST_UNSET_VAR is not set/);
    expect(() => loadTarget(join(dir, 'missing.yaml'))).toThrow(/cannot read target file .*ENOENT/);
  });

  it('publishes a JSON Schema that is up to date and accepts the example target', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schema/target.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(targetJsonSchema())));
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(committed);
    const example = parse(readFileSync(new URL('../../examples/target.yaml', import.meta.url), 'utf8'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ harbor: { url: 'https://x' }, robot: { name: 'r', secret: 'inline' } })).toBe(false);
  });
});
