import { notApplicable, type Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { kubeApplies, probesApply, withKube } from '../../kube/context.ts';
import { KubeApiError } from '../../kube/errors.ts';
import { nodeSide, runNodes, runProbes } from '../../kube/probe-runner.ts';
import { nodeReady, type ConfigMap, type Node, type Pod } from '../../kube/types.ts';
import { CorefileSyntaxError, parseCorefile } from '../../parsers/corefile.ts';
import { lintCorefile } from '../dns/corefile-lint.ts';
import { dnsNames } from '../dns/session.ts';
import { nslookupAddresses } from '../nodes/node-probe.ts';

/**
 * Cluster DNS as pods see it: the live CoreDNS Corefile (ConfigMap kube-system/coredns, linted
 * with the dns suite's lintCorefile), where the CoreDNS replicas run (hybrid / cloud), and, with
 * probes allowed, the registry name resolved by cluster DNS vs by the node's own resolver — the
 * one image pulls use — on each node type.
 */

const COREDNS_SELECTOR = 'k8s-app=kube-dns';

export const corednsCorefileCheck: Check = {
  id: 'coredns-corefile',
  suite: 'cluster-dns',
  title: 'The live CoreDNS Corefile serves the registry name',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      let cm: ConfigMap;
      try {
        cm = await kube.request<ConfigMap>('GET', '/api/v1/namespaces/kube-system/configmaps/coredns', { what: 'get configmap kube-system/coredns', signal: ctx.signal });
      } catch (err) {
        if (err instanceof KubeApiError && err.kind === 'not-found') return notApplicable('no ConfigMap kube-system/coredns (the cluster DNS is not CoreDNS, or its ConfigMap has another name)');
        throw err;
      }
      const text = cm.data?.Corefile;
      if (!text) return notApplicable('ConfigMap kube-system/coredns has no Corefile key', { configMapKeys: Object.keys(cm.data ?? {}) });
      const path = 'configmap/kube-system/coredns:Corefile';
      let cf;
      try {
        cf = parseCorefile(text);
      } catch (err) {
        if (err instanceof CorefileSyntaxError) return notApplicable(`the live Corefile does not parse here (line ${err.line}: ${err.message}): not linted`, { corefileError: `line ${err.line}: ${err.message}` });
        throw err;
      }
      const lint = lintCorefile(cf, dnsNames(ctx.target));
      const findings = lint.issues.map((i) => finding(i.cause, { subject: `${path}:${i.line}`, params: { path: `${path}:${i.line}`, ...(i.name ? { name: i.name } : {}), detail: i.detail }, evidence: { line: i.line, ...(i.name ? { name: i.name } : {}), detail: i.detail } }));
      return { findings, evidence: { servedBy: lint.servedBy, ...(lint.unresolvedImports.length ? { unresolvedImports: lint.unresolvedImports } : {}) } };
    }),
};

/** Sides that host CoreDNS replicas vs sides that have Ready nodes. */
export function corednsSides(pods: Pod[], nodes: Node[], selector: string): { bySide: Record<'hybrid' | 'cloud', string[]>; sidesWithNodes: ('hybrid' | 'cloud')[] } {
  const side = new Map(nodes.map((n) => [n.metadata.name, nodeSide(n, selector)]));
  const bySide: Record<'hybrid' | 'cloud', string[]> = { hybrid: [], cloud: [] };
  for (const p of pods) {
    const s = p.spec?.nodeName ? side.get(p.spec.nodeName) : undefined;
    if (s && p.status?.phase === 'Running') bySide[s].push(`${p.metadata.name}@${p.spec!.nodeName}`);
  }
  const sidesWithNodes = [...new Set(nodes.filter((n) => nodeReady(n).ready).map((n) => nodeSide(n, selector)))];
  return { bySide, sidesWithNodes };
}

export const corednsReplicasCheck: Check = {
  id: 'coredns-replicas',
  suite: 'cluster-dns',
  title: 'CoreDNS replicas run on both sides of the boundary',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const selector = ctx.target.kubernetes!.hybridSelector;
      const nodes = await runNodes(ctx, kube);
      const pods = (await kube.listAll<Pod>('/api/v1/namespaces/kube-system/pods', { labelSelector: COREDNS_SELECTOR, what: 'list CoreDNS pods', signal: ctx.signal })).items;
      const { bySide, sidesWithNodes } = corednsSides(pods, nodes, selector);
      if (bySide.hybrid.length + bySide.cloud.length === 0) return notApplicable(`no Running CoreDNS replica (${COREDNS_SELECTOR}) in kube-system`, { replicas: bySide, sidesWithNodes });
      if (sidesWithNodes.length < 2) return notApplicable(`Ready nodes on ${sidesWithNodes.join(' and ') || 'no'} side only: no boundary to spread CoreDNS across`, { replicas: bySide, sidesWithNodes });
      const findings: Finding[] = [];
      const running = [...bySide.hybrid, ...bySide.cloud];
      if (running.length && sidesWithNodes.length === 2 && (!bySide.hybrid.length || !bySide.cloud.length)) {
        const only = bySide.hybrid.length ? 'hybrid' : 'cloud';
        findings.push(finding('cluster.coredns-one-side', { subject: 'kube-system/coredns', params: { node: running[0]!.split('@')[1]!, detail: `${running.length} replica(s), all on ${only} nodes` }, evidence: { replicas: bySide } }));
      }
      return { findings, evidence: { replicas: bySide, sidesWithNodes } };
    }),
};

/** Cluster-DNS answer vs node-resolver answer for one node: the split-view verdict. */
export function splitView(clusterLog: string | undefined, nodeLog: string | undefined): { clusterDns: string[]; nodeResolver: string[]; split: boolean } {
  const clusterDns = nslookupAddresses(clusterLog);
  const nodeResolver = nslookupAddresses(nodeLog);
  const same = clusterDns.length === nodeResolver.length && clusterDns.every((a) => nodeResolver.includes(a));
  return { clusterDns, nodeResolver, split: (clusterDns.length > 0 || nodeResolver.length > 0) && !same };
}

export const dnsSplitViewCheck: Check = {
  id: 'dns-split-view',
  suite: 'cluster-dns',
  title: 'Cluster DNS and each node type’s own resolver agree on the registry name',
  applies: probesApply,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const k = ctx.target.kubernetes!;
      const name = dnsNames(ctx.target)[0];
      if (!name) return notApplicable('the registry is addressed by IP: no name to resolve');
      const nodes = (await runNodes(ctx, kube)).filter((n) => nodeReady(n).ready);
      const pick = (['hybrid', 'cloud'] as const).map((s) => nodes.find((n) => nodeSide(n, k.hybridSelector) === s)).filter((n): n is Node => !!n);
      if (!pick.length) return notApplicable('no Ready node to probe');
      const cmd = ['sh', '-c', `nslookup '${name.replace(/'/g, '')}' 2>&1; true`];
      // IfNotPresent: a cached probe image is enough to ask the resolvers, so a node whose pulls
      // fail (e.g. because its resolver does not know the registry) can still be asked.
      const specs = pick.flatMap((n, i) => [
        { name: `dns-cluster-${i}`, node: n.metadata.name, command: cmd, pullPolicy: 'IfNotPresent' as const, tolerateAll: true },
        { name: `dns-node-${i}`, node: n.metadata.name, command: cmd, pullPolicy: 'IfNotPresent' as const, host: { hostNetwork: true }, tolerateAll: true },
      ]);
      return runProbes(ctx, kube, specs, async (results) => {
        const findings: Finding[] = [];
        const rows = [];
        const unavailable: string[] = [];
        for (const [i, n] of pick.entries()) {
          const c = results.find((r) => r.name === `dns-cluster-${i}`);
          const h = results.find((r) => r.name === `dns-node-${i}`);
          if (!c?.log || !h?.log) {
            rows.push({ node: n.metadata.name, unavailable: true, clusterProbe: c?.phase, nodeProbe: h?.phase });
            unavailable.push(`${n.metadata.name} (probe pods ${c?.phase ?? 'missing'} / ${h?.phase ?? 'missing'}, no output)`);
            continue;
          }
          const v = splitView(c.log, h.log);
          rows.push({ node: n.metadata.name, side: nodeSide(n, k.hybridSelector), ...v });
          if (v.split) {
            findings.push(finding('dns.split-view', { subject: `node/${n.metadata.name}`, params: { name, node: n.metadata.name, addresses: `cluster DNS: ${v.clusterDns.join(', ') || 'no answer'}; node resolver: ${v.nodeResolver.join(', ') || 'no answer'}`, detail: v.nodeResolver.length ? 'the answers differ' : 'the node resolver (used by image pulls) does not resolve the name' }, evidence: { node: n.metadata.name, clusterDns: v.clusterDns, nodeResolver: v.nodeResolver, clusterLog: c.log.slice(0, 800), nodeLog: h.log.slice(0, 800) } }));
          }
        }
        // A node whose probes gave no output was not compared (the nodes suite reports probe failures).
        return { findings, evidence: { name, nodes: rows }, ...(unavailable.length ? { notChecked: { kind: 'blocked' as const, blockedBy: 'nodes/probe', reason: `not compared on ${unavailable.join(', ')}` } } : {}) };
      });
    }),
};

export const clusterDnsChecks: Check[] = [corednsCorefileCheck, corednsReplicasCheck, dnsSplitViewCheck];
