import type { Check } from '../check.ts';
import { registryIps } from './judges.ts';
import { tlsApplies } from './session.ts';
import { tlsVerdict, type JudgedCheckId } from './verdict.ts';

function judged(id: JudgedCheckId, title: string, applies: NonNullable<Check['applies']> = tlsApplies): Check {
  return { id, suite: 'tls', title, applies, run: (ctx) => tlsVerdict(ctx, id) };
}

export const tlsTrust = judged('tls.trust', 'Served chain verifies against the CA bundle');
export const tlsChainComplete = judged('tls.chain-complete', 'Server sends the complete chain');
export const tlsChainOrder = judged('tls.chain-order', 'Served chain is in leaf-to-root order');
export const tlsHostname = judged('tls.hostname', 'Certificate names the registry host in its SANs');
export const tlsIpSan = judged('tls.ip-san', 'Certificate covers the registry IP addresses', (target) => {
  const t = tlsApplies(target);
  if (t !== true) return t;
  return registryIps(target).length > 0 ? true : 'the registry is addressed by name only (no IP in harbor.url, no harbor.ipAddress)';
});
export const tlsValidity = judged('tls.validity', 'Certificates are valid now and not expiring soon');
export const tlsEku = judged('tls.eku', 'Server certificate allows serverAuth');
export const tlsConstraints = judged('tls.constraints', 'CA and server certificates have the right basic constraints');
export const tlsCrypto = judged('tls.crypto', 'Keys and signatures are not weak');
