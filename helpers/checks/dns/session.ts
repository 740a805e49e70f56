import { isIP } from 'node:net';
import { queryDns, type DnsResult } from '../../net/dns-query.ts';
import type { Target } from '../../target/load.ts';
import type { CheckContext } from '../check.ts';

export type Resolver = Target['dns']['resolvers'][number];

/** The names to resolve: dns.names, else the Harbor URL's host when it is a name. */
export function dnsNames(target: Target): string[] {
  if (target.dns.names?.length) return target.dns.names;
  const host = new URL(target.harbor.url).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? [] : [host];
}

export function resolversApply(target: Target): true | string {
  if (target.dns.resolvers.length === 0) return 'no dns.resolvers configured (the system resolver is not queried; name the node and cluster resolvers in the target)';
  if (dnsNames(target).length === 0) return 'no names to resolve (harbor.url is an IP address and dns.names is empty)';
  return true;
}

export interface DnsObservation {
  resolver: Resolver;
  name: string;
  result: DnsResult;
}

/** One query per resolver × name for the run (ctx.once), in parallel, each bounded in time. */
export function dnsObservations(ctx: CheckContext): Promise<DnsObservation[]> {
  return ctx.once('dns:observations', async () => {
    const t = ctx.target;
    const jobs = t.dns.resolvers.flatMap((resolver) =>
      dnsNames(t).map(async (name) => ({
        resolver,
        name,
        result: await queryDns({ server: resolver.address, name, type: 'A', timeoutMs: t.timeouts.requestMs, retries: 1, signal: ctx.signal }),
      })),
    );
    return Promise.all(jobs);
  });
}

export const resolverLabel = (r: Resolver): string => `${r.name} (${r.address})`;
export const subjectOf = (o: DnsObservation): string => `${o.name} @ ${o.resolver.name}`;

/** Evidence for one observation: what was asked, what came back, how long it took. */
export function observationEvidence(o: DnsObservation): Record<string, unknown> {
  const r = o.result;
  return {
    name: o.name,
    resolver: o.resolver.name,
    address: o.resolver.address,
    role: o.resolver.role,
    outcome: r.outcome,
    ...(r.rcode ? { rcode: r.rcode } : {}),
    addresses: r.addresses,
    ...(r.cnames.length ? { cnames: r.cnames } : {}),
    latencyMs: r.latencyMs,
    transport: r.transport,
    attempts: r.attempts,
    ...(r.truncated ? { truncated: true } : {}),
    ...(r.mismatchedIds ? { mismatchedIds: r.mismatchedIds } : {}),
    ...(r.detail ? { detail: r.detail } : {}),
  };
}
