import { CATALOG } from '../catalog/catalog.ts';
import { redactor } from '../redact.ts';
import { CAUSES, type CauseId, type Severity } from './cause-ids.ts';
import type { Finding, FindingParams } from './finding.ts';

export function render(template: string, params: FindingParams): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    return v === undefined ? '?' : String(v);
  });
}

/**
 * Builds a finding from the catalog: checks name a cause and give params and evidence; all text
 * comes from the catalog entry. Params and evidence are redacted here, once, for every output.
 */
export function finding(
  cause: CauseId,
  init: { subject: string; params?: FindingParams; evidence?: Record<string, unknown>; severity?: Severity },
): Finding {
  const entry = CATALOG[cause];
  const params = redactor.value(init.params ?? {});
  const r = entry.remediation;
  return {
    cause,
    severity: init.severity ?? CAUSES[cause].severity,
    subject: redactor.text(init.subject),
    title: render(entry.title, params),
    message: render(entry.message, params),
    explanation: render(entry.explanation, params),
    remediation: {
      summary: render(r.summary, params),
      steps: r.steps.map((s) => render(s, params)),
      docs: r.docs,
      ...(r.guideStep ? { guideStep: r.guideStep } : {}),
    },
    params,
    evidence: redactor.value(init.evidence ?? {}),
  };
}
