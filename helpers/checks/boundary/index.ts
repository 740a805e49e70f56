import { notApplicable, type Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { probeImageApplies, withKube } from '../../kube/context.ts';
import { nodeSide, probeImage, probeRegistryHost, runNodes } from '../../kube/probe-runner.ts';
import { withProbeNamespace } from '../../kube/probe-namespace.ts';
import { nodeReady, type Node, type Pod } from '../../kube/types.ts';
import { PULL_WAITING_REASONS } from '../../diagnose/diagnose.ts';

/**
 * Pod-to-pod across the on-prem ↔ cloud boundary, both ways: a busybox httpd "server" probe on
 * one hybrid and one cloud node, then a "client" probe on each side fetching the other side's
 * pod IP, and resolving `kubernetes.default` through cluster DNS (CoreDNS reachable from that
 * side). Output lines `HTTP <ip> ok|fail` and `DNS ok|fail` are parsed by parseClientLog.
 */

const PORT = 8080;
/** A probe that cannot pull its image never starts: stop waiting (the nodes / pull-e2e suites own the pull failure). */
const pullStuck = (p: Pod) => (p.status?.containerStatuses ?? []).some((c) => !!c.state?.waiting?.reason && PULL_WAITING_REASONS.has(c.state.waiting.reason));

export function clientScript(peerIP: string): string {
  return [
    // HTTP over `nc` first: statically linked glibc busybox builds (Debian's busybox-static) crash
    // in `wget` (NSS lookups in a static binary); `nc` speaks the request just as well.
    `if { printf 'GET /ok HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${peerIP} ${PORT} 2>/dev/null || wget -q -T 5 -O - http://${peerIP}:${PORT}/ok 2>/dev/null; } | grep -q hybrid-doctor; then echo "HTTP ${peerIP} ok"; else echo "HTTP ${peerIP} fail"; fi`,
    'if nslookup kubernetes.default.svc.cluster.local >/dev/null 2>&1; then echo "DNS ok"; else echo "DNS fail"; fi',
  ].join('\n');
}

export function parseClientLog(log: string | undefined): { http?: boolean; dns?: boolean } {
  const http = /HTTP \S+ (ok|fail)/.exec(log ?? '')?.[1];
  const dns = /DNS (ok|fail)/.exec(log ?? '')?.[1];
  return { ...(http ? { http: http === 'ok' } : {}), ...(dns ? { dns: dns === 'ok' } : {}) };
}

export const boundaryCheck: Check = {
  id: 'cross-boundary',
  suite: 'boundary',
  title: 'Pods reach each other across hybrid ↔ cloud, and CoreDNS answers on both sides',
  applies: probeImageApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const k = ctx.target.kubernetes!;
      const image = probeImage(ctx)!;
      const nodes = (await runNodes(ctx, kube)).filter((n) => nodeReady(n).ready);
      const hybrid = nodes.find((n) => nodeSide(n, k.hybridSelector) === 'hybrid');
      const cloud = nodes.find((n) => nodeSide(n, k.hybridSelector) === 'cloud');
      if (!hybrid || !cloud) return notApplicable(`needs a Ready node on each side (hybrid: ${hybrid?.metadata.name ?? 'none'}, cloud: ${cloud?.metadata.name ?? 'none'})`);
      return withProbeNamespace(kube, k, async (ns) => {
        const creds = ctx.target.robot && ctx.secrets.robotSecret !== undefined;
        const pullSecrets = creds ? [await ns.createPullSecret(probeRegistryHost(ctx), ctx.target.robot!.name, ctx.secrets.robotSecret!)] : [];
        const sides: [string, Node][] = [['hybrid', hybrid], ['cloud', cloud]];
        for (const [side, n] of sides) {
          await ns.createPod({ name: `boundary-server-${side}`, node: n.metadata.name, image, pullSecrets, tolerateAll: true, command: ['sh', '-c', `mkdir -p /tmp/w && echo hybrid-doctor > /tmp/w/ok && exec httpd -f -p ${PORT} -h /tmp/w`] });
        }
        const servers = new Map<string, Pod | undefined>();
        for (const [side] of sides) {
          const { pod } = await ns.waitPod(`boundary-server-${side}`, (p) => p.status?.phase === 'Running' && !!p.status.podIP || p.status?.phase === 'Failed' || pullStuck(p), 90_000, ctx.signal);
          servers.set(side, pod);
        }
        const findings: Finding[] = [];
        const rows = [];
        const unjudged: string[] = [];
        for (const [side, n] of sides) {
          const other = side === 'hybrid' ? 'cloud' : 'hybrid';
          // a pod has its IP before its image is pulled: only a Running server is a peer
          const srv = servers.get(other);
          const peer = srv?.status?.phase === 'Running' ? srv.status.podIP : undefined;
          if (!peer) {
            const why = `server on ${other} did not start (${servers.get(other)?.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? servers.get(other)?.status?.phase ?? 'unknown'})`;
            rows.push({ from: side, to: other, notChecked: why });
            unjudged.push(`${side} → ${other}: ${why}`);
            continue;
          }
          const name = `boundary-client-${side}`;
          await ns.createPod({ name, node: n.metadata.name, image, pullSecrets, tolerateAll: true, command: ['sh', '-c', clientScript(peer)] });
          const { pod } = await ns.waitPod(name, (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' || pullStuck(p), 60_000, ctx.signal);
          const log = pod && (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') ? await ns.logs(name).catch(() => undefined) : undefined;
          await ns.deletePod(name); // read: not kept until the end (the servers are, until cleanup)
          const r = parseClientLog(log);
          rows.push({ from: side, fromNode: n.metadata.name, to: other, peer, ...r, phase: pod?.status?.phase });
          if (r.http === undefined || r.dns === undefined) unjudged.push(`${side} → ${other}: the client probe gave no verdict (${pod?.status?.phase ?? 'no pod'})`);
          if (r.http === false) findings.push(finding('net.cross-boundary-unreachable', { subject: `node/${n.metadata.name}`, params: { node: n.metadata.name, namespace: ns.namespace, pod: name, address: `${peer}:${PORT}`, detail: `${side} → ${other}: HTTP to the ${other} probe pod failed` }, evidence: { from: side, to: other, log } }));
          if (r.dns === false) findings.push(finding('net.cross-boundary-unreachable', { subject: `node/${n.metadata.name}`, params: { node: n.metadata.name, namespace: ns.namespace, pod: name, address: 'kube-dns', detail: `${side}: cluster DNS (CoreDNS) does not answer` }, evidence: { from: side, log } }));
        }
        return { findings, evidence: { paths: rows }, ...(unjudged.length ? { notChecked: { kind: 'blocked' as const, reason: unjudged.join('; ') } } : {}) };
      });
    }),
};

export const boundaryChecks: Check[] = [boundaryCheck];
