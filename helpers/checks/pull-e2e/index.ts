import { notApplicable, type Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { probeImageApplies, withKube } from '../../kube/context.ts';
import { nodeSide, probeImage, runNodes, runProbes } from '../../kube/probe-runner.ts';
import { nodeReady, type Node } from '../../kube/types.ts';

/**
 * End-to-end pull: one probe pod per node type (the first Ready hybrid node and the first Ready
 * cloud node) pulling the probe image with the robot's pull secret (imagePullPolicy Always), the
 * way a workload does. A failed pull is classified (shared classifier) and reported for that
 * node; a successful one reports the kubelet's own pull time (`Pulled` event "... in 1.2s").
 */
export const pullE2eCheck: Check = {
  id: 'pull-per-node-type',
  suite: 'pull-e2e',
  title: 'A pod on each node type pulls the probe image with the pull secret',
  applies: probeImageApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const k = ctx.target.kubernetes!;
      const nodes = (await runNodes(ctx, kube)).filter((n) => nodeReady(n).ready);
      const pick = (['hybrid', 'cloud'] as const).map((s) => nodes.find((n) => nodeSide(n, k.hybridSelector) === s)).filter((n): n is Node => !!n);
      if (!pick.length) return notApplicable('no Ready node to run the pull on');
      const specs = pick.map((n, i) => ({ name: `pull-e2e-${i}`, node: n.metadata.name, command: ['sh', '-c', 'echo pulled'], tolerateAll: true }));
      return runProbes(ctx, kube, specs, async (results) => {
        const findings: Finding[] = [];
        const rows = results.map((r) => {
          const node = pick.find((n) => n.metadata.name === r.node)!;
          const side = nodeSide(node, k.hybridSelector);
          if (r.pullError) {
            const c = r.pullError.classification;
            findings.push(finding(c.cause, { subject: `node/${r.node}`, params: { ...c.params, node: r.node, image: c.params.image ?? probeImage(ctx) }, evidence: { node: r.node, side, reason: r.pullError.reason, message: r.pullError.message, rule: c.rule, ...(r.pullError.secretUnreadable ? { secretUnreadable: r.pullError.secretUnreadable } : {}) } }));
            return { node: r.node, side, pulled: false, reason: r.pullError.reason, cause: c.cause };
          }
          return { node: r.node, side, pulled: r.phase === 'Succeeded' || r.phase === 'Running' || r.pullSeconds !== undefined, phase: r.phase, timedOut: r.timedOut, pullSeconds: r.pullSeconds ?? null };
        });
        // A probe that neither pulled nor failed to pull (not scheduled, timed out) judged nothing.
        const open = rows.filter((r) => r.pulled === false && !('cause' in r)).map((r) => `${r.node} (${'phase' in r ? r.phase : '?'}${'timedOut' in r && r.timedOut ? ', timed out' : ''})`);
        return { findings, evidence: { image: probeImage(ctx), nodes: rows }, ...(open.length ? { notChecked: { kind: 'blocked' as const, reason: `the pull probe did not finish on ${open.join(', ')}` } } : {}) };
      });
    }),
};

export const pullE2eChecks: Check[] = [pullE2eCheck];
