import type { CauseId } from '../findings/cause-ids.ts';

/**
 * A catalog entry: everything a person reads about a cause. Templates use `{param}` placeholders
 * filled from the finding's params; a missing param renders as `?` (and a unit test checks
 * every template against the params its checks pass).
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
