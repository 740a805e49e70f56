import type { CauseId } from '../../findings/cause-ids.ts';
import { finding } from '../../findings/make-finding.ts';
import type { Check } from '../check.ts';
import { certEvidence, handshakeCause, tlsApplies, tlsSession } from './session.ts';

/**
 * Can a TLS session be set up at all? Connect and handshake failures are findings here (the
 * other tls checks then stay silent). An unresolvable host is the DNS suite's cause, reported
 * here as dns.nxdomain / dns.servfail because it is the real reason nothing else was checked.
 * Its evidence carries the served chain as PEM with subject/issuer/SANs/validity per certificate.
 */
export const tlsHandshake: Check = {
  id: 'handshake',
  suite: 'tls',
  title: 'TLS handshake with the registry completes',
  applies: tlsApplies,
  async run(ctx) {
    const s = await tlsSession(ctx);
    const p = s.probe;
    const evidence: Record<string, unknown> = {
      endpoint: s.endpoint,
      address: p.address,
      outcome: p.outcome,
      durationMs: p.durationMs,
      trustBundle: s.bundle.source === 'file' ? s.bundle.path : 'system roots',
      ...(p.errorCode ? { errorCode: p.errorCode } : {}),
      ...(p.errorText ? { errorText: p.errorText } : {}),
      ...(p.protocol ? { protocol: p.protocol, cipher: p.cipher } : {}),
      ...(p.verify ? { verification: p.verify } : {}),
      ...(p.chainOrder ? { chainOrder: p.chainOrder } : {}),
      ...(s.chain ? { servedChain: s.chain.served.map((c) => ({ ...certEvidence(c.facts), pem: c.facts.pem })) } : {}),
      ...(s.unparsable ? { unparsableCertificates: s.unparsable } : {}),
      ...(p.httpStatusLine ? { httpStatusLine: p.httpStatusLine } : {}),
      ...(p.nonTlsPrefix ? { nonTlsPrefix: p.nonTlsPrefix } : {}),
    };
    if (p.outcome === 'ok') return { findings: [], evidence };
    const params = {
      host: s.endpoint,
      port: String(s.port),
      address: p.address,
      code: p.errorCode ?? '',
      detail: p.outcome === 'plain-http' ? `the server answered plain HTTP: ${p.httpStatusLine ?? ''}` : (p.errorText ?? p.outcome),
    };
    const cause = handshakeCause(s) as CauseId;
    if (p.outcome === 'name-not-resolved') {
      return { findings: [finding(cause, { subject: s.host, params: { host: s.host, resolver: 'the system resolver', code: params.code, detail: params.detail }, evidence })], evidence };
    }
    return { findings: [finding(cause, { subject: s.endpoint, params, evidence })], evidence };
  },
};
