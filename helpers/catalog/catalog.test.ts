import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAUSES, CONTRACT_CAUSES, type CauseId } from '../findings/cause-ids.ts';
import { PARAM_NAMES } from './area.ts';
import { CATALOG, CATALOG_PARAMS } from './catalog.ts';
import { renderCausesDoc } from './render-docs.ts';
import { DERIVED_PARAMS, placeholders } from './template.ts';

const ids = Object.keys(CAUSES) as CauseId[];
const docsPath = fileURLToPath(new URL('../../docs/causes.md', import.meta.url));
const sharedPath = fileURLToPath(new URL('../../../shared/design/causes.md', import.meta.url));

/** Parses `| id | default | meaning |` rows of the shared contract table. */
function contractTable(): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(sharedPath)) {
    for (const [id, c] of Object.entries(CONTRACT_CAUSES)) out.set(id, c.severity);
    return out;
  }
  for (const line of readFileSync(sharedPath, 'utf8').split('\n')) {
    const m = /^\|\s*([a-z]+\.[a-z0-9-]+)\s*\|\s*(error|warning|info)\s*\|/.exec(line);
    if (m?.[1] && m[2]) out.set(m[1], m[2]);
  }
  return out;
}

function templates(id: CauseId): string[] {
  const e = CATALOG[id];
  return [e.title, e.message, e.explanation, e.remediation.summary, ...e.remediation.steps];
}

describe('catalog', () => {
  it('has every id of the shared contract, with the contract severity', () => {
    const table = contractTable();
    expect(table.size).toBeGreaterThanOrEqual(80);
    for (const [id, severity] of table) {
      expect(Object.hasOwn(CATALOG, id), id).toBe(true);
      expect(CAUSES[id as CauseId]?.severity, id).toBe(severity);
    }
  });

  it.each(ids)('%s: placeholders are documented params (or derived from one)', (id) => {
    const documented = new Set<string>(CATALOG_PARAMS[id]);
    for (const p of documented) expect(PARAM_NAMES as readonly string[]).toContain(p);
    for (const t of templates(id)) {
      for (const p of placeholders(t).all) {
        const source = DERIVED_PARAMS[p];
        expect(documented.has(p) || (source !== undefined && documented.has(source)), `${id}: {${p}} in "${t}"`).toBe(true);
      }
    }
    expect(CATALOG[id].message.includes('\n')).toBe(false);
  });

  it.each(ids)('%s: has steps, a summary and https doc links', (id) => {
    const r = CATALOG[id].remediation;
    expect(r.steps.length).toBeGreaterThan(0);
    expect(r.summary.length).toBeGreaterThan(10);
    for (const d of r.docs) expect(d.url, d.title).toMatch(/^https:\/\/[^\s]+$/);
    if (id !== 'internal.check-error') expect(r.docs.length).toBeGreaterThan(0);
  });

  it('docs/causes.md is up to date (npx node helpers/catalog/render-docs.ts > docs/causes.md)', () => {
    expect(readFileSync(docsPath, 'utf8')).toBe(renderCausesDoc());
  });
});
