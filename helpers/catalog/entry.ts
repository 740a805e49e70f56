import type { CauseId } from '../findings/cause-ids.ts';

/**
 * A catalog entry: everything a person reads about a cause. Templates use `{param}` placeholders,
 * `{param|words}` fallbacks and `[[optional segments]]` (see template.ts); a step that needs an
 * absent param is dropped, and prose never shows filler. render.test.ts renders every entry with
 * and without params; params-audit.test.ts checks templates against the params checks pass.
 */
export interface CatalogEntry {
  title: string;
  /** One line, rendered with params: what was observed. */
  message: string;
  /** One paragraph: why this breaks image pulls (or what risk it carries). */
  explanation: string;
  remediation: {
    summary: string;
    steps: string[];
    docs: { title: string; url: string }[];
    guideStep?: string;
  };
}

export type Catalog = Record<CauseId, CatalogEntry>;
