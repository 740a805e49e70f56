import { lintHarborConfigFile } from '../../harbor-config/lint.ts';
import { targetPath } from '../../target/load.ts';
import { notConfigured, type Check } from '../check.ts';

/**
 * The installation's harbor.yml (target harbor.config), linted offline against Harbor v2.13's
 * template and against this target: the URL nodes use, the metrics URL scraped, and prevent_vul
 * expected for harbor.projects. The same code backs `hybrid-doctor lint harbor FILE`.
 */
export const harborConfigCheck: Check = {
  id: 'config',
  suite: 'harbor',
  title: "harbor.yml agrees with Harbor v2.13's template and with the URL nodes use",
  applies: (t) => (t.harbor.config ? true : 'no harbor.config in the target'),
  async run(ctx) {
    const t = ctx.target;
    const path = targetPath(t, t.harbor.config!);
    const r = lintHarborConfigFile(path, {
      url: t.harbor.url,
      ...(t.metrics ? { metricsUrl: t.metrics.url } : {}),
      expectPreventVul: t.harbor.projects.length > 0,
      expiryWarningDays: t.tls.expiryWarningDays,
    });
    // An unreadable file is the target's input missing, not a finding about Harbor.
    if ('unreadable' in r) return notConfigured(r.unreadable, { file: path });
    return { findings: r.findings, evidence: r.evidence };
  },
};
