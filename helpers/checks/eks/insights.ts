import { DescribeInsightCommand, EKSClient, paginateListInsights, type Insight, type InsightSummary } from '@aws-sdk/client-eks';
import type { Check } from '../check.ts';
import type { CauseId } from '../../findings/cause-ids.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { awsClientConfig, awsNotChecked, awsSignal } from './aws.ts';

/**
 * What EKS itself reports about the cluster (cluster insights: ListInsights, then DescribeInsight
 * for each insight that is not passing): configuration insights (category MISCONFIGURATION, the
 * EKS Hybrid Nodes checks) and upgrade insights (UPGRADE_READINESS). Each WARNING or ERROR insight
 * becomes a finding carrying AWS's own description, reason and recommendation; its severity is the
 * insight's status. PASSING and UNKNOWN insights are evidence only.
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-insights.html
 */

/**
 * Insights whose subject is one our own checks name precisely: the finding takes that cause id
 * (its remediation applies), AWS's text travels in the evidence. Matched on the insight's name;
 * anything else is eks.insight-failing with AWS's text as the message.
 */
const MAPPED: { pattern: RegExp; cause: CauseId }[] = [
  { pattern: /remote node network/i, cause: 'eks.remote-node-network-mismatch' },
  { pattern: /remote pod network/i, cause: 'eks.remote-pod-network-mismatch' },
  { pattern: /version skew|kubelet version/i, cause: 'eks.version-skew' },
];

/** At most this many insight pages (100 each) and DescribeInsight calls per run. */
const MAX_PAGES = 10;
const MAX_DESCRIBED = 50;

export function insightCause(name: string | undefined): CauseId | undefined {
  return MAPPED.find((m) => m.pattern.test(name ?? ''))?.cause;
}

function insightFinding(cluster: string, s: InsightSummary, full: Insight | undefined): Finding {
  const status = s.insightStatus?.status ?? 'UNKNOWN';
  const severity = status === 'ERROR' ? 'error' : 'warning';
  const evidence = {
    cluster,
    insight: { id: s.id, name: s.name, category: s.category, kubernetesVersion: s.kubernetesVersion, status, reason: s.insightStatus?.reason, description: full?.description ?? s.description, recommendation: full?.recommendation, resources: full?.resources?.slice(0, 20), additionalInfo: full?.additionalInfo, lastRefreshTime: s.lastRefreshTime },
  };
  const mapped = insightCause(s.name);
  if (mapped) return finding(mapped, { subject: `eks/${cluster}`, severity, evidence });
  return finding('eks.insight-failing', {
    subject: `eks/${cluster}`,
    severity,
    params: {
      name: cluster,
      insight: s.name ?? s.id ?? '(unnamed insight)',
      id: s.id ?? '',
      status,
      detail: s.insightStatus?.reason ?? full?.description ?? s.description ?? '',
      recommendation: full?.recommendation ?? '',
    },
    evidence,
  });
}

export const eksInsightsCheck: Check = {
  id: 'eks-insights',
  suite: 'eks',
  title: 'EKS cluster insights report no misconfiguration or upgrade blocker',
  applies: (t) => (t.aws ? true : 'no aws block in the target'),
  run: async (ctx) => {
    const aws = ctx.target.aws!;
    const client = new EKSClient(awsClientConfig(ctx));
    try {
      const summaries: InsightSummary[] = [];
      try {
        let pages = 0;
        for await (const p of paginateListInsights({ client, pageSize: 100 }, { clusterName: aws.clusterName, filter: { categories: ['MISCONFIGURATION', 'UPGRADE_READINESS'] } })) {
          summaries.push(...(p.insights ?? []));
          if (++pages >= MAX_PAGES) break;
        }
      } catch (err) {
        if ((err as { name?: string }).name === 'ResourceNotFoundException') return { findings: [], notChecked: { kind: 'not-configured', reason: `aws.clusterName: no EKS cluster ${aws.clusterName} in ${aws.region}` } };
        const nc = awsNotChecked(err, 'ListInsights', `eks:ListInsights on ${aws.clusterName}`);
        if (nc) return nc;
        throw err;
      }
      const failing = summaries.filter((s) => s.insightStatus?.status === 'ERROR' || s.insightStatus?.status === 'WARNING');
      const findings: Finding[] = [];
      const describeDenied: string[] = [];
      for (const [i, s] of failing.entries()) {
        let full: Insight | undefined;
        // A failed DescribeInsight degrades the evidence (no recommendation); the summary still counts.
        if (i < MAX_DESCRIBED && s.id) {
          try {
            full = (await client.send(new DescribeInsightCommand({ clusterName: aws.clusterName, id: s.id }), { abortSignal: awsSignal(ctx) })).insight;
          } catch (err) {
            const nc = awsNotChecked(err, 'DescribeInsight', `eks:DescribeInsight on ${aws.clusterName}`);
            if (!nc) throw err;
            describeDenied.push(nc.notChecked!.reason);
          }
        }
        findings.push(insightFinding(aws.clusterName, s, full));
      }
      return {
        findings,
        evidence: {
          cluster: aws.clusterName,
          insights: summaries.map((s) => ({ id: s.id, name: s.name, category: s.category, status: s.insightStatus?.status })),
          ...(describeDenied.length ? { describeInsight: describeDenied[0] } : {}),
        },
      };
    } finally {
      client.destroy();
    }
  },
};
