import { isIP } from 'node:net';
import { loadCaBundle, type CaBundle } from '../../net/ca-bundle.ts';
import { parseCert, type CertFacts, type ParsedCert } from '../../net/cert-facts.ts';
import { analyzeChain, type ChainAnalysis } from '../../net/tls-chain.ts';
import { probeTls, type TlsProbeOutcome, type TlsProbeResult } from '../../net/tls-probe.ts';
import type { Target } from '../../target/load.ts';
import type { CauseId } from '../../findings/cause-ids.ts';
import { blocked, type CheckContext, type CheckOutput } from '../check.ts';

/**
 * One TLS session per run, shared by every tls check through `ctx.once('tls:session')`: the
 * bundle, both handshakes of the probe, the parsed served chain and our chain analysis.
 */
export interface TlsSession {
  host: string;
  port: number;
  /** `host:port`, the subject of every tls finding. */
  endpoint: string;
  bundle: CaBundle;
  probe: TlsProbeResult;
  /** Present when the capture handshake completed. */
  chain?: ChainAnalysis;
  /** Served certificates that did not parse (kept as evidence, left out of the analysis). */
  unparsable: number;
}

export function harborEndpoint(target: Target): { host: string; port: number } {
  const u = new URL(target.harbor.url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

/** `applies` for every tls check: an https Harbor URL. */
export function tlsApplies(target: Target): true | { kind: 'not-applicable'; reason: string } {
  return new URL(target.harbor.url).protocol === 'https:' ? true : { kind: 'not-applicable', reason: 'harbor.url is plain http: there is no TLS to check' };
}

export function tlsSession(ctx: CheckContext): Promise<TlsSession> {
  return ctx.once('tls:session', async () => {
    const { target } = ctx;
    // A bad caBundle is a UsageError (see ca-bundle.ts): thrown before any connection.
    const bundle = loadCaBundle(target);
    const { host, port } = harborEndpoint(target);
    const probe = await probeTls({
      host,
      port,
      ...(target.harbor.connectAddress ? { connectAddress: target.harbor.connectAddress } : {}),
      ...(bundle.pem ? { ca: bundle.pem } : {}),
      connectTimeoutMs: target.timeouts.connectMs,
      handshakeTimeoutMs: target.timeouts.requestMs,
      signal: ctx.signal,
    });
    const session: TlsSession = { host, port, endpoint: `${host}:${port}`, bundle, probe, unparsable: 0 };
    if (probe.outcome === 'ok' && probe.served) {
      const served: ParsedCert[] = [];
      for (const der of probe.served) {
        try {
          served.push(parseCert(der));
        } catch {
          session.unparsable++;
        }
      }
      session.chain = analyzeChain(served, bundle.certs);
    }
    return session;
  });
}

export function hostIsIp(s: TlsSession): boolean {
  return isIP(s.host) !== 0;
}

/** The certificates a client judges: the served ones plus the anchor the path ended at. */
export function judgedCerts(chain: ChainAnalysis): { cert: ParsedCert; role: 'leaf' | 'ca'; source: 'served' | 'bundle' }[] {
  const out: { cert: ParsedCert; role: 'leaf' | 'ca'; source: 'served' | 'bundle' }[] = [];
  const seen = new Set<string>();
  const add = (cert: ParsedCert, source: 'served' | 'bundle', leaf: boolean) => {
    if (seen.has(cert.facts.fingerprint256)) return;
    seen.add(cert.facts.fingerprint256);
    out.push({ cert, role: leaf ? 'leaf' : 'ca', source });
  };
  chain.served.forEach((c, i) => add(c, 'served', i === 0));
  for (const p of chain.path) add(p.cert, p.source, false);
  return out;
}

/** Params naming one certificate in a finding. */
export function certParams(s: TlsSession, f: CertFacts): Record<string, string> {
  return {
    host: s.endpoint,
    port: String(s.port),
    subjectCN: f.subjectCN ?? f.subject,
    issuer: f.issuer,
    sans: [...f.dnsSans, ...f.ipSans].join(', ') || '(none)',
    notBefore: f.notBefore,
    notAfter: f.notAfter,
  };
}

/** Compact certificate evidence (the full PEM chain is in tls.handshake's evidence). */
export function certEvidence(f: CertFacts): Record<string, unknown> {
  const { pem: _pem, ...rest } = f;
  return rest;
}

const OUTCOME_CAUSE: Record<Exclude<TlsProbeOutcome, 'ok' | 'name-not-resolved'>, CauseId> = {
  'connection-refused': 'net.connection-refused',
  'connection-timeout': 'net.connection-timeout',
  'handshake-failed': 'net.tls-handshake-failed',
  'plain-http': 'net.plain-http',
};

/**
 * The cause tls.handshake reports for a session that did not complete (an unresolvable host is
 * the DNS cause); `tls/handshake` when the handshake completed but yielded nothing to judge.
 */
export function handshakeCause(s: TlsSession): CauseId | 'tls/handshake' {
  const p = s.probe;
  if (p.outcome === 'ok') return 'tls/handshake';
  if (p.outcome === 'name-not-resolved') return p.errorCode === 'ENOTFOUND' ? 'dns.nxdomain' : 'dns.servfail';
  return OUTCOME_CAUSE[p.outcome];
}

/** Not checked: the handshake did not complete, so there is no chain to judge (tls.handshake reports why). */
export function notJudged(s: TlsSession): CheckOutput {
  const cause = handshakeCause(s);
  if (cause === 'tls/handshake') return blocked(cause, `the TLS handshake with ${s.endpoint} yielded no certificate chain to judge; see tls/handshake`, { endpoint: s.endpoint });
  return blocked(cause, `the TLS handshake with ${s.endpoint} did not complete (${s.probe.outcome}: ${cause}); see tls/handshake`, { endpoint: s.endpoint });
}
