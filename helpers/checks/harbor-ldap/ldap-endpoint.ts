import { connectTcp, probeTls, type TlsProbeOutcome } from '../../net/tls-probe.ts';
import { errorCodes, errorText } from '../../errors.ts';
import type { LdapEndpoint } from './ldap-url.ts';

/**
 * The LDAP server as hybrid-doctor reaches it: a TCP connect for ldap://, and for ldaps:// the
 * TLS suite's two handshakes (tls-probe.ts: capture the served chain, then verify it against the
 * trust bundle with SNI = the URL's host, as Go's crypto/tls does in Harbor core). Never throws
 * for target faults; the outcome says where it stopped.
 */
export interface LdapReach {
  endpoint: string;
  address: string;
  outcome: TlsProbeOutcome;
  phase?: 'connect' | 'handshake';
  errorCode?: string;
  errorText?: string;
  /** ldaps only: the verifying handshake's verdict. */
  verify?: { ok: boolean; code?: string; message?: string };
  /** ldaps only: subject and issuer of the served leaf (evidence). */
  leaf?: { subject: string; issuer: string; validTo: string };
  durationMs: number;
}

export interface LdapReachOptions {
  connectAddress?: string;
  /** PEM trust bundle for ldaps; undefined = Node's bundled roots. */
  ca?: string[];
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  signal?: AbortSignal;
}

export async function probeLdapEndpoint(ep: LdapEndpoint, o: LdapReachOptions): Promise<LdapReach> {
  const address = o.connectAddress ?? ep.host;
  const started = Date.now();
  if (ep.protocol === 'ldap') {
    try {
      const sock = await connectTcp(address, ep.port, o.connectTimeoutMs, o.signal);
      sock.destroy();
      return { endpoint: `${ep.host}:${ep.port}`, address: `${address}:${ep.port}`, outcome: 'ok', durationMs: Date.now() - started };
    } catch (err) {
      const codes = errorCodes(err);
      const outcome: TlsProbeOutcome = codes.includes('ECONNREFUSED') ? 'connection-refused' : codes.some((c) => ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA'].includes(c)) ? 'name-not-resolved' : 'connection-timeout';
      return { endpoint: `${ep.host}:${ep.port}`, address: `${address}:${ep.port}`, outcome, phase: 'connect', ...(codes[0] ? { errorCode: codes[0] } : {}), errorText: errorText(err), durationMs: Date.now() - started };
    }
  }
  const r = await probeTls({ host: ep.host, port: ep.port, ...(o.connectAddress ? { connectAddress: o.connectAddress } : {}), ...(o.ca ? { ca: o.ca } : {}), connectTimeoutMs: o.connectTimeoutMs, handshakeTimeoutMs: o.handshakeTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
  let leaf: LdapReach['leaf'];
  if (r.served?.[0]) {
    const { X509Certificate } = await import('node:crypto');
    try {
      const c = new X509Certificate(r.served[0]);
      leaf = { subject: c.subject, issuer: c.issuer, validTo: c.validTo };
    } catch {
      // unparsable leaf: the verify verdict still says what a client makes of it
    }
  }
  return {
    endpoint: r.endpoint,
    address: r.address,
    outcome: r.outcome,
    ...(r.phase ? { phase: r.phase } : {}),
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    ...(r.errorText ? { errorText: r.errorText } : {}),
    ...(r.verify ? { verify: { ok: r.verify.ok, ...(r.verify.code ? { code: r.verify.code } : {}), ...(r.verify.message ? { message: r.verify.message } : {}) } } : {}),
    ...(leaf ? { leaf } : {}),
    durationMs: r.durationMs,
  };
}
