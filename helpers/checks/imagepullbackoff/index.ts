import type { Check } from '../check.ts';
import { diagnose } from '../../diagnose/diagnose.ts';
import { kubeApplies, withKube } from '../../kube/context.ts';

/**
 * The ImagePullBackOff suite: `diagnose` over the target's namespaces (all when none are listed),
 * correlated with every finding earlier suites produced in this run (registry, robot, node,
 * pull-secret checks). One finding per (root cause, namespace); per-pod detail in evidence.
 */
export const imagePullBackOffCheck: Check = {
  id: 'pods-image-pull',
  suite: 'imagepullbackoff',
  title: 'No pod waits on an image pull (root cause per pod)',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const k = ctx.target.kubernetes!;
      const namespaces = k.namespaces?.length ? k.namespaces : undefined;
      const reports = [];
      if (namespaces) {
        for (const namespace of namespaces) reports.push(await diagnose({ kube, namespace, priorFindings: ctx.priorFindings, signal: ctx.signal, hybridSelector: k.hybridSelector }));
      } else {
        reports.push(await diagnose({ kube, allNamespaces: true, priorFindings: ctx.priorFindings, signal: ctx.signal, hybridSelector: k.hybridSelector }));
      }
      const pods = reports.flatMap((r) => r.pods);
      return {
        findings: reports.flatMap((r) => r.findings),
        evidence: {
          pods: pods.slice(0, 200).map((p) => ({ pod: `${p.namespace}/${p.pod}`, node: p.node, nodeType: p.nodeType, cause: p.cause, symptom: p.symptom, ...(p.correlation ? { correlation: p.correlation } : {}) })),
          groups: reports.flatMap((r) => r.groups).map((g) => ({ cause: g.cause, count: g.count, nodes: g.nodes.slice(0, 20), namespaces: g.namespaces })),
          stats: reports.map((r) => r.stats),
        },
      };
    }),
};

export const imagepullbackoffChecks: Check[] = [imagePullBackOffCheck];
