import { blocked, type CheckContext, type CheckOutput } from '../checks/check.ts';
import { finding } from '../findings/make-finding.ts';
import { evidenceHeaders, harborUrl, httpRequest, TransportError, type TransportFailure } from './http.ts';
import { bearerChallenge, parseWwwAuthenticate, type AuthChallenge, type BearerChallenge } from './www-authenticate.ts';

/**
 * "Blocked by an earlier hop": the robot-auth, image-pull and harbor checks all talk to the same
 * origin. When the transport below HTTP fails (DNS, TCP, TLS: causes the dns/tls/net checks
 * own), that is ONE problem, reported ONCE per run:
 *
 * 1. `registryReachability(ctx)` memoises one unauthenticated `GET /v2/` per run
 *    (`ctx.once('registry:v2-probe')`); every check that needs the registry awaits it first.
 * 2. A check that meets a transport failure (from the probe or its own request) hands it to
 *    `transportOutcome(ctx, failure)`. If an earlier suite already reported that cause
 *    (`ctx.priorFindings()`), or another check of this run already claimed it (a memoised
 *    claim `ctx.once('transport-reported:<cause>:<host>')` that only the first caller wins), the
 *    check emits nothing and is not-checked, blocked by that cause. Otherwise it emits the
 *    single finding for the real cause.
 *
 * So a refused port gives one `net.connection-refused` (in whichever check ran first), and every
 * later check is not-checked, blocked by it — never a second copy, never "passed".
 */

/** What `GET /v2/` without credentials answered. */
export interface V2Probe {
  url: string;
  status: number;
  headers: Record<string, string>;
  challenges: AuthChallenge[];
  /** Parse error of WWW-Authenticate, when the header is present but malformed. */
  challengeError?: string;
  bearer?: BearerChallenge;
  /** First bytes of the body (evidence; e.g. an HTML page where JSON was expected). */
  bodySnippet: string;
  contentType?: string;
  ms: number;
}

export type Reachability = { ok: true; probe: V2Probe } | { ok: false; failure: TransportFailure };

/** The memoised `/v2/` probe for the run (one request, shared by every check). */
export function registryReachability(ctx: CheckContext): Promise<Reachability> {
  return ctx.once('registry:v2-probe', async (): Promise<Reachability> => {
    const url = new URL('/v2/', harborUrl(ctx.target));
    try {
      const res = await httpRequest(ctx, url, { maxBytes: 64 * 1024 });
      const header = res.headers['www-authenticate'];
      let challenges: AuthChallenge[] = [];
      let challengeError: string | undefined;
      if (header) {
        try {
          challenges = parseWwwAuthenticate(header);
        } catch (err) {
          challengeError = (err as Error).message;
        }
      }
      const bearer = bearerChallenge(challenges);
      return {
        ok: true,
        probe: {
          url: url.toString(),
          status: res.status,
          headers: evidenceHeaders(res.headers),
          challenges,
          ...(challengeError ? { challengeError } : {}),
          ...(bearer ? { bearer } : {}),
          bodySnippet: res.body.subarray(0, 256).toString('utf8'),
          ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}),
          ms: Math.round(res.totalMs),
        },
      };
    } catch (err) {
      if (err instanceof TransportError) return { ok: false, failure: err.failure };
      throw err;
    }
  });
}

/**
 * Turns a transport failure into this check's output under the once-per-run rule (see above):
 * the first check to see it reports the finding; the others are not-checked, blocked by its cause.
 * `subject` defaults to the Harbor host:port.
 */
export async function transportOutcome(ctx: CheckContext, failure: TransportFailure, subject?: string): Promise<CheckOutput> {
  const host = harborUrl(ctx.target).host;
  const prior = ctx.priorFindings().find((f) => f.cause === failure.cause);
  if (prior) return blocked(failure.cause, `${failure.detail} (reported by ${prior.check ?? 'an earlier suite'})`, { reportedBy: prior.check ?? 'an earlier suite', detail: failure.detail });
  const token = Symbol('claim');
  const winner = await ctx.once(`transport-reported:${failure.cause}:${host}`, async () => token);
  if (winner !== token) return blocked(failure.cause, `${failure.detail} (reported once per run by another check)`, { detail: failure.detail });
  return {
    findings: [
      finding(failure.cause, {
        subject: subject ?? host,
        params: { host, url: ctx.target.harbor.url, detail: failure.detail, ...(failure.code ? { code: failure.code } : {}) },
        evidence: { transport: failure },
      }),
    ],
    evidence: { transport: failure },
  };
}

/** Is this failure one the dns/tls/net checks own (as opposed to an HTTP-level answer)? */
export function isTransportOwned(failure: TransportFailure): boolean {
  return failure.kind === 'dns' || failure.kind === 'connect' || failure.kind === 'tls';
}

/**
 * True for exactly one caller per run and key: the check that reports a problem several checks
 * can see (`auth.robot-expired` from the token check and the expiry check; an external-URL
 * mismatch seen in the token realm and in systeminfo). Others return not-checked, blocked by it.
 */
export async function reportOnce(ctx: CheckContext, key: string): Promise<boolean> {
  const token = Symbol('claim');
  return (await ctx.once(`report-once:${key}`, async () => token)) === token;
}
