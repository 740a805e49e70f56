import type { Check } from '../check.ts';
import { tlsChainComplete, tlsChainOrder, tlsConstraints, tlsCrypto, tlsEku, tlsHostname, tlsIpSan, tlsTrust, tlsValidity } from './checks.ts';
import { tlsHandshake } from './handshake.ts';

/**
 * The tls suite: one shared session per run (session.ts), one check per cause family judged by
 * judges.ts, the real client's verification code folded in by verdict.ts. When the handshake
 * fails only tls.handshake reports; the others record why they could not judge.
 */
export const tlsChecks: Check[] = [
  tlsHandshake,
  tlsTrust,
  tlsChainComplete,
  tlsChainOrder,
  tlsHostname,
  tlsIpSan,
  tlsValidity,
  tlsEku,
  tlsConstraints,
  tlsCrypto,
];
