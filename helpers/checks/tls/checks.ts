import type { Check } from '../check.ts';
import { registryIps } from './judges.ts';
import { tlsApplies } from './session.ts';
import { tlsVerdict, type JudgedCheckId } from './verdict.ts';

function judged(id: JudgedCheckId, title: string, applies: NonNullable<Check['applies']> = tlsApplies): Check {
  return { id, suite: 'tls', title, applies, run: (ctx) => tlsVerdict(ctx, id) };
}

export const tlsTrust = judged('trust', 'Served chain verifies against the CA bundle');
export const tlsChainComplete = judged('chain-complete', 'Server sends the complete chain');
export const tlsChainOrder = judged('chain-order', 'Served chain is in leaf-to-root order');
export const tlsHostname = judged('hostname', 'Certificate names the registry host in its SANs');
export const tlsIpSan = judged('ip-san', 'Certificate covers the registry IP addresses', (target) => {
  const t = tlsApplies(target);
  if (t !== true) return t;
  return registryIps(target).length > 0 ? true : 'the registry is addressed by name only (no IP in harbor.url, no harbor.ipAddress)';
});
export const tlsValidity = judged('validity', 'Certificates are valid now and not expiring soon');
export const tlsEku = judged('eku', 'Server certificate allows serverAuth');
export const tlsConstraints = judged('constraints', 'CA and server certificates have the right basic constraints');
export const tlsCrypto = judged('crypto', 'Keys and signatures are not weak');
