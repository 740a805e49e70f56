import type { CauseId } from '../../findings/cause-ids.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { queryDns, type DnsOutcome, type DnsResult } from '../../net/dns-query.ts';
import type { Check, CheckOutput } from '../check.ts';
import { dnsObservations, observationEvidence, resolverLabel, resolversApply, subjectOf, type DnsObservation } from './session.ts';

const OUTCOME_CAUSE: Record<Exclude<DnsOutcome, 'answer'>, CauseId> = {
  nxdomain: 'dns.nxdomain',
  nodata: 'dns.nxdomain', // NOERROR without A records: Go reports "no such host" as for NXDOMAIN
  servfail: 'dns.servfail',
  refused: 'dns.servfail',
  malformed: 'dns.servfail', // Go: "server misbehaving"
  error: 'dns.servfail',
  timeout: 'dns.timeout',
};

/** The cause dns/resolve reports for an observation without an answer. */
function outcomeCause(o: DnsObservation): CauseId | undefined {
  return o.result.outcome === 'answer' ? undefined : OUTCOME_CAUSE[o.result.outcome];
}

/**
 * Not checked for the observations dns/resolve failed (no answer to judge), when there are any:
 * the output's notChecked lists them, blocked by the first one's cause.
 */
export function unanswered(obs: DnsObservation[], why: string): CheckOutput['notChecked'] {
  const failed = obs.filter((o) => o.result.outcome !== 'answer');
  if (failed.length === 0) return undefined;
  return {
    kind: 'blocked',
    blockedBy: outcomeCause(failed[0]!)!,
    reason: `${why} for ${failed.map((o) => `${subjectOf(o)} (${o.result.rcode ?? o.result.outcome})`).join(', ')}; see dns/resolve`,
  };
}

function failure(o: DnsObservation, timeoutMs: number): Finding | undefined {
  const r = o.result;
  if (r.outcome === 'answer') return undefined;
  const detail = r.detail ?? (r.outcome === 'nodata' ? 'NOERROR with no A records' : (r.rcode ?? r.outcome));
  return finding(OUTCOME_CAUSE[r.outcome], {
    subject: subjectOf(o),
    params: { name: o.name, host: o.name, resolver: resolverLabel(o.resolver), seconds: timeoutMs / 1000, detail },
    evidence: observationEvidence(o),
  });
}

/** Each configured resolver answers each registry name with at least one address. */
export const dnsResolve: Check = {
  id: 'resolve',
  suite: 'dns',
  title: 'Each resolver answers the registry names',
  applies: resolversApply,
  async run(ctx) {
    const obs = await dnsObservations(ctx);
    const findings = obs.map((o) => failure(o, ctx.target.timeouts.requestMs)).filter((f): f is Finding => f !== undefined);
    return { findings, evidence: { observations: obs.map(observationEvidence) } };
  },
};

/** Answers are among the expected addresses (resolver.expect, else dns.expect). */
export const dnsExpected: Check = {
  id: 'expected',
  suite: 'dns',
  title: 'Names resolve to the expected addresses',
  applies(target) {
    const a = resolversApply(target);
    if (a !== true) return a;
    return target.dns.expect.length || target.dns.resolvers.some((r) => r.expect?.length) ? true : 'no expected addresses (dns.expect or resolvers[].expect)';
  },
  async run(ctx) {
    const obs = await dnsObservations(ctx);
    const findings: Finding[] = [];
    const judged = obs.filter((o) => (o.resolver.expect ?? ctx.target.dns.expect).length > 0);
    for (const o of judged) {
      const expected = o.resolver.expect ?? ctx.target.dns.expect;
      if (!expected.length || o.result.outcome !== 'answer') continue; // failures are dns.resolve's
      if (o.result.addresses.some((a) => expected.includes(a))) continue;
      findings.push(finding('dns.wrong-address', {
        subject: subjectOf(o),
        params: { name: o.name, resolver: resolverLabel(o.resolver), addresses: o.result.addresses.join(', '), expected: expected.join(', ') },
        evidence: { ...observationEvidence(o), expected },
      }));
    }
    const notChecked = unanswered(judged, 'no answer to compare');
    return { findings, evidence: { checked: judged.filter((o) => o.result.outcome === 'answer').length }, ...(notChecked ? { notChecked } : {}) };
  },
};

/** Extra queries for an observation above the threshold: one sample is not a latency. */
const RESAMPLES = 3;

/** A query that needed a retry (a lost datagram). A retry after a foreign transaction id is resolve's finding (malformed), not a loss. */
const retried = (r: DnsResult) => r.outcome === 'timeout' || (r.attempts > 1 && r.outcome !== 'malformed');

/**
 * Answers arrive within dns.latencyWarnMs (project cause dns.slow, a warning). One slow answer
 * is re-asked RESAMPLES times, one after the other, and judged on the median: a single spike (a
 * cache miss, one lost UDP datagram answered on the retry after timeouts.requestMs) is evidence,
 * not a verdict. Repeated loss is a verdict even when the median is fast: every lost query costs
 * a client its whole retry timeout (5 s for glibc and Go), the classic conntrack race of UDP DNS
 * through a NodePort or Service.
 */
export const dnsLatency: Check = {
  id: 'latency',
  suite: 'dns',
  title: 'Resolvers answer quickly',
  applies: resolversApply,
  async run(ctx) {
    const obs = await dnsObservations(ctx);
    const threshold = ctx.target.dns.latencyWarnMs;
    const judged = await Promise.all(
      obs.filter((o) => o.result.outcome !== 'timeout').map(async (o) => {
        const samples = [o.result];
        if (o.result.latencyMs > threshold || retried(o.result)) {
          for (let i = 0; i < RESAMPLES && !ctx.signal.aborted; i++) {
            samples.push(await queryDns({ server: o.resolver.address, name: o.name, type: 'A', timeoutMs: ctx.target.timeouts.requestMs, retries: 1, signal: ctx.signal }));
          }
        }
        const latencies = samples.map((r) => r.latencyMs).sort((a, b) => a - b);
        const mid = latencies.length >> 1;
        const median = latencies.length % 2 ? latencies[mid]! : Math.round((latencies[mid - 1]! + latencies[mid]!) / 2);
        const lost = samples.filter(retried).length;
        return { o, samples, median, lost };
      }),
    );
    const findings = judged
      .filter((j) => j.median > threshold || j.lost >= 2)
      .map((j) => finding('dns.slow', {
        subject: subjectOf(j.o),
        params: { name: j.o.name, resolver: resolverLabel(j.o.resolver), value: j.median, threshold, ...(j.lost >= 2 ? { lost: `${j.lost} of ${j.samples.length}` } : {}) },
        evidence: { ...observationEvidence(j.o), ...(j.samples.length > 1 ? { samplesMs: j.samples.map((r) => r.latencyMs), medianMs: j.median, lostQueries: j.lost } : {}) },
      }));
    const notChecked = unanswered(obs.filter((o) => o.result.outcome === 'timeout'), 'no answer within timeouts.requestMs, so no latency to judge,');
    return {
      findings,
      evidence: { thresholdMs: threshold, latencies: judged.map((j) => ({ name: j.o.name, resolver: j.o.resolver.name, latencyMs: j.median, ...(j.samples.length > 1 ? { samplesMs: j.samples.map((r) => r.latencyMs), lostQueries: j.lost } : {}) })) },
      ...(notChecked ? { notChecked } : {}),
    };
  },
};
