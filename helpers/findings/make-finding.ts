import { CATALOG } from '../catalog/catalog.ts';
import { renderTemplate } from '../catalog/template.ts';
import { redactor } from '../redact.ts';
import { CAUSES, type CauseId, type Severity } from './cause-ids.ts';
import type { Finding, FindingParams } from './finding.ts';

/** Renders a prose template (title, message, explanation, summary); see catalog/template.ts. */
function render(template: string, params: FindingParams): string {
  return renderTemplate(template, params, 'prose') ?? '';
}

/** Renders remediation steps, dropping each step that needs a param the finding lacks. */
function renderSteps(steps: readonly string[], params: FindingParams): string[] {
  return steps.map((s) => renderTemplate(s, params, 'step')).filter((s): s is string => s !== undefined);
}

/** The remediation of `cause` rendered with `params` (already redacted by the caller). */
export function renderRemediation(cause: CauseId, params: FindingParams): Finding['remediation'] {
  const r = CATALOG[cause].remediation;
  return {
    summary: render(r.summary, params),
    steps: renderSteps(r.steps, params),
    docs: r.docs,
    ...(r.guideStep ? { guideStep: r.guideStep } : {}),
  };
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
  // Catalog params are names and facts. A pull secret's NAME is `secretName`: a key named
  // `secret` reads as a secret value to every redaction pass (reports redact whole documents).
  const params = redactor.value(init.params ?? {});
  return {
    cause,
    severity: init.severity ?? CAUSES[cause].severity,
    subject: redactor.text(init.subject),
    title: render(entry.title, params),
    message: render(entry.message, params),
    explanation: render(entry.explanation, params),
    remediation: renderRemediation(cause, params),
    params,
    evidence: redactor.value(init.evidence ?? {}),
  };
}
