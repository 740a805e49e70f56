import { notApplicable, type Check } from '../check.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { redactor } from '../../redact.ts';
import { kubeApplies, probeImageApplies, withKube } from '../../kube/context.ts';
import { probeImage, probeRegistryHost, runNodes, runProbes } from '../../kube/probe-runner.ts';
import { internalIP, matchesSelector, nodeReady } from '../../kube/types.ts';
import { harborUrl } from '../../registry/http.ts';
import { tlsSession } from '../tls/session.ts';
import { allowedKubeletRange, hybridHints, kubeletSkew, parseKubeVersion } from './node-facts.ts';
import { analyseNodeProbe, parseProbeOutput, probeScript } from './node-probe.ts';

/** Node objects: readiness, hybrid label, kubelet ↔ API server skew, InternalIP (read-only). */
export const nodeInventoryCheck: Check = {
  id: 'node-inventory',
  suite: 'nodes',
  title: 'Nodes are Ready, labelled, and within the kubelet version skew',
  applies: kubeApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const selector = ctx.target.kubernetes!.hybridSelector;
      const nodes = await runNodes(ctx, kube);
      if (nodes.length === 0) return notApplicable('the cluster has no node');
      const version = await kube.request<{ gitVersion?: string }>('GET', '/version', { what: 'get API server version', signal: ctx.signal });
      const server = version.gitVersion ?? '';
      const findings: Finding[] = [];
      const rows = [];
      for (const n of nodes) {
        const name = n.metadata.name;
        const ready = nodeReady(n);
        if (!ready.ready) findings.push(finding('cluster.node-not-ready', { subject: `node/${name}`, params: { node: name, status: ready.reason ?? 'NotReady', detail: ready.message ?? ready.reason ?? 'Ready condition is not True' }, evidence: { node: name, ready } }));
        const hints = hybridHints(n, selector);
        if (hints.length) findings.push(finding('node.hybrid-label-missing', { subject: `node/${name}`, params: { node: name }, evidence: { node: name, hints, selector } }));
        const kubelet = n.status?.nodeInfo?.kubeletVersion;
        const skew = kubeletSkew(kubelet, server);
        if (skew) findings.push(finding('eks.version-skew', { subject: `node/${name}`, params: { node: name, version: kubelet ?? '?', expected: allowedKubeletRange(server) }, evidence: { node: name, kubelet, apiServer: server, detail: skew } }));
        rows.push({ node: name, side: matchesSelector(n.metadata.labels, selector) ? 'hybrid' : 'cloud', ready: ready.ready, kubelet, internalIP: internalIP(n) ?? null, runtime: n.status?.nodeInfo?.containerRuntimeVersion, arch: n.status?.nodeInfo?.architecture });
      }
      return { findings, evidence: { apiServer: server, ...(parseKubeVersion(server) ? {} : { skewUnchecked: `API server version "${server}" is not a release version` }), nodes: rows } };
    }),
};

/**
 * One probe pod per selected node (hybrid nodes by default): certs.d CA present and signing the
 * served chain, hosts.toml, containerd config and drop-ins, resolv.conf, clock offset, and the
 * real pull of the probe image by the node's runtime. One result per node.
 */
export const nodeProbeCheck: Check = {
  id: 'node-probe',
  suite: 'nodes',
  title: 'Each hybrid node trusts the registry CA, has a sane containerd config and pulls the probe image',
  applies: probeImageApplies,
  run: (ctx) =>
    withKube(ctx, async (kube) => {
      const k = ctx.target.kubernetes!;
      const nodes = (await runNodes(ctx, kube)).filter((n) => matchesSelector(n.metadata.labels, k.hybridSelector) && nodeReady(n).ready);
      if (!nodes.length) return notApplicable(`no Ready node matches ${k.hybridSelector}`);
      const host = probeRegistryHost(ctx);
      let served: import('../../net/cert-facts.ts').ParsedCert[] | undefined;
      if (harborUrl(ctx.target).protocol === 'https:') {
        try {
          served = (await tlsSession(ctx)).chain?.served;
        } catch {
          served = undefined; // the tls suite owns TLS failures; the CA comparison is then skipped
        }
      }
      const lookup = harborUrl(ctx.target).hostname;
      // Two pods per node: `node-pull-i` (imagePullPolicy Always: the real pull through the node's
      // runtime) and `node-files-i` (IfNotPresent: reads the node's files from a cached copy of the
      // probe image, so a node whose pulls fail can still be inspected).
      const specs = nodes.flatMap((n, i) => [
        { name: `node-pull-${i}`, node: n.metadata.name, command: ['sh', '-c', 'true'], tolerateAll: true },
        {
          name: `node-files-${i}`,
          node: n.metadata.name,
          pullPolicy: 'IfNotPresent' as const,
          command: ['sh', '-c', probeScript(host, lookup)],
          host: { hostNetwork: true, privileged: true, mounts: [{ name: 'etc', hostPath: '/etc', mountPath: '/host/etc' }] },
          tolerateAll: true,
        },
      ]);
      return runProbes(ctx, kube, specs, async (results) => {
        const findings: Finding[] = [];
        const perNode: Record<string, unknown>[] = [];
        const unjudged: string[] = [];
        for (const [i, n] of nodes.entries()) {
          const node = n.metadata.name;
          const pull = results.find((r) => r.name === `node-pull-${i}`)!;
          const files = results.find((r) => r.name === `node-files-${i}`)!;
          const row: Record<string, unknown> = { node, pulled: !pull.pullError && (pull.phase === 'Succeeded' || pull.phase === 'Running'), pullSeconds: pull.pullSeconds ?? null };
          let nodeFindings: Finding[] = [];
          if (files.log) {
            const created = (files.createdAt ?? files.finishedAt) / 1000;
            const a = analyseNodeProbe({ node, registryHost: host, output: parseProbeOutput(files.log), ...(served ? { servedChain: served } : {}), referenceEpoch: (created + files.finishedAt / 1000) / 2, windowSeconds: files.finishedAt / 1000 - created });
            nodeFindings = a.findings;
            Object.assign(row, a.evidence);
          } else {
            if (!pull.pullError) unjudged.push(`${node} (node files ${files.phase}${files.timedOut ? ', timed out' : ''}; pull ${pull.phase})`);
            row.files = files.pullError ? `not readable: the probe image is not cached and its pull failed (${files.pullError.reason})` : `not readable (${files.phase}${files.timedOut ? ', timed out' : ''})`;
          }
          findings.push(...nodeFindings);
          if (pull.pullError) {
            const c = pull.pullError.classification;
            row.pullError = { reason: pull.pullError.reason, cause: c.cause, message: pull.pullError.message };
            // The node facts explain the failed pull (CA missing → "unknown authority"): report the
            // cause once; the pull error stays as the symptom in evidence.
            const explained = nodeFindings.some((f) => f.cause.startsWith('node.')) && (c.cause.startsWith('tls.') || c.cause === 'node.sandbox-image-unpullable');
            if (!explained) findings.push(finding(c.cause, { subject: `node/${node}`, params: { ...c.params, node, image: c.params.image ?? probeImage(ctx) }, evidence: { node, probe: pull.name, reason: pull.pullError.reason, message: pull.pullError.message, rule: c.rule } }));
            else for (const f of nodeFindings) f.evidence = { ...f.evidence, symptom: { cause: c.cause, message: redactor.text(pull.pullError.message) } };
          }
          perNode.push(row);
        }
        // A node whose probe gave no output and no pull error was not judged.
        return { findings, evidence: { registryHost: host, nodes: perNode }, ...(unjudged.length ? { notChecked: { kind: 'blocked' as const, reason: `the probe pods gave no output on ${unjudged.join(', ')}` } } : {}) };
      });
    }),
};

export const nodesChecks: Check[] = [nodeInventoryCheck, nodeProbeCheck];
