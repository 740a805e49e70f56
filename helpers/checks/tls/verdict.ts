import type { CauseId } from '../../findings/cause-ids.ts';
import type { CheckContext, CheckOutput } from '../check.ts';
import {
  certFinding, judgeChainComplete, judgeChainOrder, judgeConstraints, judgeCrypto, judgeEku, judgeHostname, judgeIpSan, judgeTrust, judgeValidity,
  type Judge, type JudgedSession, type Judgement,
} from './judges.ts';
import { hostIsIp, notJudged, tlsSession, type TlsSession } from './session.ts';

/** The judgement of every tls check after the handshake, keyed by check id. */
export const JUDGES = {
  'trust': judgeTrust,
  'chain-complete': judgeChainComplete,
  'chain-order': judgeChainOrder,
  'hostname': judgeHostname,
  'ip-san': judgeIpSan,
  'validity': judgeValidity,
  'eku': judgeEku,
  'constraints': judgeConstraints,
  'crypto': judgeCrypto,
} as const satisfies Record<string, Judge>;
export type JudgedCheckId = keyof typeof JUDGES;

/**
 * Verification error codes of the real client's handshake, by the check that owns them. Node
 * reports some OpenSSL errors as `UNSPECIFIED` with only a message; those are matched by text.
 */
const CODE_OWNER: Record<string, JudgedCheckId> = {
  CERT_HAS_EXPIRED: 'validity',
  CERT_NOT_YET_VALID: 'validity',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname',
  HOSTNAME_MISMATCH: 'hostname',
  IP_ADDRESS_MISMATCH: 'ip-san',
  INVALID_CA: 'constraints',
  PATH_LENGTH_EXCEEDED: 'constraints',
  KEYUSAGE_NO_CERTSIGN: 'constraints',
  INVALID_PURPOSE: 'eku',
  CA_MD_TOO_WEAK: 'crypto',
  EE_KEY_TOO_SMALL: 'crypto',
  CA_KEY_TOO_SMALL: 'crypto',
};
const MESSAGE_OWNER: [RegExp, JudgedCheckId][] = [
  [/key usage does not include certificate signing|not a CA|path length/i, 'constraints'],
  [/too weak|too small/i, 'crypto'],
  [/expired/i, 'validity'],
  [/purpose/i, 'eku'],
];
const OWNER_CAUSE: Record<JudgedCheckId, CauseId> = {
  'trust': 'tls.untrusted-ca',
  'chain-complete': 'tls.untrusted-ca',
  'chain-order': 'tls.untrusted-ca',
  'hostname': 'tls.hostname-mismatch',
  'ip-san': 'tls.ip-san-missing',
  'validity': 'tls.expired',
  'eku': 'tls.eku-missing',
  'constraints': 'tls.ca-constraints',
  'crypto': 'tls.weak-crypto',
};

export function verifyCodeOwner(s: TlsSession): JudgedCheckId | undefined {
  const v = s.probe.verify;
  if (!v || v.ok) return undefined;
  let owner: JudgedCheckId = (v.code && CODE_OWNER[v.code]) || MESSAGE_OWNER.find(([re]) => re.test(v.message ?? ''))?.[1] || 'trust';
  if (owner === 'hostname' && hostIsIp(s)) owner = 'ip-san';
  return owner;
}

/**
 * Runs one judged check. Our own analysis decides; when the real client rejected the chain and
 * no judgement found an error that explains it, the check owning the client's error code reports
 * it (the client's verdict wins, exactly one cause).
 */
export async function tlsVerdict(ctx: CheckContext, id: JudgedCheckId): Promise<CheckOutput> {
  const s = await tlsSession(ctx);
  if (!s.chain) return notJudged(s);
  const js = s as JudgedSession;
  const all = await ctx.once('tls:judgements', async () =>
    Object.fromEntries(Object.entries(JUDGES).map(([k, judge]) => [k, judge(js, ctx.target)])) as Record<JudgedCheckId, Judgement>,
  );
  const mine = all[id];
  const findings = [...mine.findings];
  const explained = Object.values(all).some((j) => j.findings.some((f) => f.severity === 'error'));
  const v = s.probe.verify;
  if (v && !v.ok && !explained && mine.findings.length === 0 && verifyCodeOwner(s) === id && js.chain.served[0]) {
    const cause: CauseId = id === 'validity' && v.code === 'CERT_NOT_YET_VALID' ? 'tls.not-yet-valid' : OWNER_CAUSE[id];
    findings.push(certFinding(s, cause, js.chain.served[0].facts, { code: v.code ?? '', detail: `the TLS client rejected the chain: ${v.message ?? v.code}` }, { verification: v }));
  }
  return { findings, evidence: { ...mine.evidence, ...(v && !v.ok ? { verification: v } : {}) }, ...(mine.notChecked ? { notChecked: mine.notChecked } : {}) };
}
