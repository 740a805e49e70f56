import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import type { Check } from '../check.ts';
import { unanswered } from './resolve.ts';
import { dnsNames, dnsObservations, resolversApply, type DnsObservation } from './session.ts';

/**
 * Resolvers that must agree do: the cluster DNS (CoreDNS, what pods use) and the node resolver
 * (what containerd uses for pulls). Split view is one resolving and another not, or answer sets
 * with no address in common (overlapping round-robin sets are not a split). Upstream / other
 * resolvers are not held to agreement: public DNS rightly does not know a private registry name.
 */
export const dnsAgreement: Check = {
  id: 'agreement',
  suite: 'dns',
  title: 'Cluster and node resolvers agree',
  applies(target) {
    const a = resolversApply(target);
    if (a !== true) return a;
    const roles = new Set(target.dns.resolvers.map((r) => r.role));
    const mustAgree = target.dns.resolvers.filter((r) => r.role === 'cluster' || r.role === 'node');
    return mustAgree.length >= 2 && (roles.has('cluster') || roles.has('node')) ? true : 'needs at least two resolvers with role cluster or node';
  },
  async run(ctx) {
    const obs = (await dnsObservations(ctx)).filter((o) => o.resolver.role === 'cluster' || o.resolver.role === 'node');
    const findings: Finding[] = [];
    // A name no resolver answered: nothing to compare (dns/resolve reports why).
    const unjudged: DnsObservation[] = [];
    for (const name of dnsNames(ctx.target)) {
      const group = obs.filter((o) => o.name === name);
      const resolved = group.filter((o) => o.result.outcome === 'answer');
      const unresolved = group.filter((o) => o.result.outcome !== 'answer');
      if (resolved.length === 0) {
        unjudged.push(...group);
        continue;
      }
      let split = resolved.length > 0 && unresolved.length > 0;
      for (let i = 0; i < resolved.length && !split; i++) {
        for (let j = i + 1; j < resolved.length && !split; j++) {
          const a = new Set(resolved[i]!.result.addresses);
          if (!resolved[j]!.result.addresses.some((x) => a.has(x))) split = true;
        }
      }
      if (!split) continue;
      const views = group.map((o) => `${o.resolver.name} [${o.resolver.role}]: ${o.result.outcome === 'answer' ? o.result.addresses.join(', ') : (o.result.rcode ?? o.result.outcome)}`);
      findings.push(finding('dns.split-view', {
        subject: name,
        params: { name, addresses: [...new Set(resolved.flatMap((o) => o.result.addresses))].join(', '), detail: views.join('; ') },
        evidence: { name, views: group.map((o) => ({ resolver: o.resolver.name, role: o.resolver.role, address: o.resolver.address, outcome: o.result.outcome, addresses: o.result.addresses })) },
      }));
    }
    const notChecked = unanswered(unjudged, 'no resolver answered, nothing to compare,');
    return { findings, evidence: { compared: obs.map((o) => `${o.name} @ ${o.resolver.name}`) }, ...(notChecked ? { notChecked } : {}) };
  },
};
