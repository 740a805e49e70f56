import type { Check } from '../check.ts';
import { dnsAgreement } from './agreement.ts';
import { dnsCorefile } from './corefile.ts';
import { dnsExpected, dnsLatency, dnsResolve } from './resolve.ts';

/**
 * The dns suite: one query per resolver × name per run (session.ts), judged by resolve,
 * expectation, agreement (split view) and latency; plus a static lint of the CoreDNS Corefile.
 */
export const dnsChecks: Check[] = [dnsResolve, dnsExpected, dnsAgreement, dnsLatency, dnsCorefile];
