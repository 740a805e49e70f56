import { CATALOG } from '../catalog/catalog.ts';
import { redactor } from '../redact.ts';
import { CAUSES, type CauseId, type Severity } from './cause-ids.ts';
import type { Finding, FindingParams } from './finding.ts';

/**
 * What a template says where the producer had no value for a param (a pasted message without an
 * image name, say): a neutral phrase rather than a bare placeholder.
 */
const MISSING: Record<string, string> = {
  image: 'the image', host: 'the registry', port: 'its port', name: 'the name', address: 'the address', addresses: 'no address',
  expected: 'the expected value', resolver: 'the resolver', repository: 'the repository', reference: 'the reference',
  platform: 'the node platform', platforms: 'the listed platforms', robot: 'the robot account', project: 'the project',
  node: 'the node', namespace: 'the namespace', pod: 'the pod', secret: 'the pull secret', path: 'the file', url: 'the URL',
  status: 'an error status', detail: 'no further detail', component: 'a component', expiresAt: 'its expiry date', version: 'an unknown version', field: 'a field',
};

export function render(template: string, params: FindingParams): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    return v === undefined || v === '' ? (MISSING[k] ?? 'unknown') : String(v);
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
  // Catalog params are names and facts; `secret` is the pull secret's name (see catalog/area.ts).
  const params = redactor.value(init.params ?? {}, { nameKeys: ['secret'] });
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
