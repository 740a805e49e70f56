import { readFileSync } from 'node:fs';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { Agent, request } from 'undici';
import type { CheckContext } from '../checks/check.ts';
import { errorCodes, errorText } from '../errors.ts';
import type { CauseId } from '../findings/cause-ids.ts';
import { redactor } from '../redact.ts';
import { targetPath, type Target } from '../target/load.ts';

/**
 * HTTP for the registry and Harbor API: one undici Agent per target (trust bundle, connect
 * address override, timeouts), bounded response sizes, and transport errors classified into
 * cause ids by error code (walking `cause`), never by message text (except OpenSSL's
 * "wrong version number", which has no stable code on every OpenSSL build).
 */

/** Response bodies larger than this are cut off (a garbage server must not fill memory). */
export const DEFAULT_MAX_BYTES = 1 << 20;
/** containerd's manifest limit. */
export const MANIFEST_MAX_BYTES = 4 << 20;

export type TransportKind = 'dns' | 'connect' | 'tls' | 'timeout' | 'aborted' | 'protocol' | 'other';

/** A classified transport failure: the cause id, what kind of hop failed, and a redacted detail. */
export interface TransportFailure {
  cause: CauseId;
  kind: TransportKind;
  detail: string;
  code?: string;
}

const TLS_CODES: Record<string, CauseId> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls.untrusted-ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls.untrusted-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls.untrusted-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls.untrusted-ca',
  UNABLE_TO_GET_ISSUER_CERT: 'tls.untrusted-ca',
  CERT_UNTRUSTED: 'tls.untrusted-ca',
  CERT_SIGNATURE_FAILURE: 'tls.untrusted-ca',
  CERT_HAS_EXPIRED: 'tls.expired',
  CERT_NOT_YET_VALID: 'tls.not-yet-valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls.hostname-mismatch',
  INVALID_PURPOSE: 'tls.eku-missing',
  INVALID_CA: 'tls.ca-constraints',
  CA_KEY_TOO_SMALL: 'tls.weak-crypto',
  EE_KEY_TOO_SMALL: 'tls.weak-crypto',
  CA_MD_TOO_WEAK: 'tls.weak-crypto',
};

const NET_CODES: Record<string, [CauseId, TransportKind]> = {
  ECONNREFUSED: ['net.connection-refused', 'connect'],
  UND_ERR_CONNECT_TIMEOUT: ['net.connection-timeout', 'connect'],
  ETIMEDOUT: ['net.connection-timeout', 'connect'],
  EHOSTUNREACH: ['net.connection-timeout', 'connect'],
  ENETUNREACH: ['net.connection-timeout', 'connect'],
  EHOSTDOWN: ['net.connection-timeout', 'connect'],
  ENOTFOUND: ['dns.nxdomain', 'dns'],
  EAI_NONAME: ['dns.nxdomain', 'dns'],
  EAI_AGAIN: ['dns.servfail', 'dns'],
  EAI_FAIL: ['dns.servfail', 'dns'],
  ERR_SSL_WRONG_VERSION_NUMBER: ['net.plain-http', 'tls'],
  ECONNRESET: ['net.tls-handshake-failed', 'tls'],
  EPROTO: ['net.tls-handshake-failed', 'tls'],
  UND_ERR_SOCKET: ['net.tls-handshake-failed', 'tls'],
  ERR_TLS_HANDSHAKE_TIMEOUT: ['net.tls-handshake-failed', 'tls'],
  UND_ERR_HEADERS_TIMEOUT: ['harbor.unreachable', 'timeout'],
  UND_ERR_BODY_TIMEOUT: ['image.pull-interrupted', 'timeout'],
};

/**
 * Maps a transport error to a cause id by the first code along the `cause` chain that is known.
 * `host` lets a hostname mismatch on an IP address become tls.ip-san-missing. Response
 * timeouts (server accepted but never answered) are `kind: 'timeout'`: callers decide whether
 * that is harbor.unreachable (API) or image.pull-timeout (pull path).
 */
export function classifyTransportError(err: unknown, host?: string): TransportFailure {
  const detail = redactor.text(errorText(err)).slice(0, 500);
  const codes = errorCodes(err);
  for (const code of codes) {
    const t = TLS_CODES[code];
    if (t) return { cause: t === 'tls.hostname-mismatch' && host && isIP(host.replace(/^\[|\]$/g, '')) ? 'tls.ip-san-missing' : t, kind: 'tls', detail, code };
    if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(detail)) {
      return { cause: 'net.plain-http', kind: 'tls', detail, code };
    }
    const n = NET_CODES[code];
    if (n) return { cause: n[0], kind: n[1], detail, code };
  }
  for (const e of walk(err)) {
    const name = (e as { name?: unknown })?.name;
    if (name === 'TimeoutError') return { cause: 'harbor.unreachable', kind: 'timeout', detail, code: 'TimeoutError' };
    if (name === 'AbortError') return { cause: 'image.pull-timeout', kind: 'aborted', detail, code: 'AbortError' };
  }
  if (/socket hang up|other side closed|wrong version number/i.test(detail)) {
    return { cause: /wrong version number/i.test(detail) ? 'net.plain-http' : 'net.tls-handshake-failed', kind: 'tls', detail, ...(codes[0] ? { code: codes[0] } : {}) };
  }
  return { cause: 'image.unknown', kind: 'other', detail, ...(codes[0] ? { code: codes[0] } : {}) };
}

function* walk(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let cur = err;
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    yield cur;
    cur = (cur as { cause?: unknown }).cause;
  }
}

/** A request failed below HTTP (connect, TLS, DNS, timeout). Carries the classification. */
export class TransportError extends Error {
  readonly failure: TransportFailure;
  constructor(failure: TransportFailure, options: { cause: unknown }) {
    super(`${failure.cause}: ${failure.detail}`, options);
    this.name = 'TransportError';
    this.failure = failure;
  }
}

const agents = new WeakMap<Target, Agent>();

/** The Harbor URL of the target. */
export function harborUrl(target: Target): URL {
  return new URL(target.harbor.url);
}

function trustBundle(target: Target): string[] | undefined {
  if (target.harbor.caBundle) return [readFileSync(targetPath(target, target.harbor.caBundle), 'utf8')];
  // No bundle: the roots a node would use (system store) plus Node's bundled Mozilla roots.
  try {
    return [...tls.getCACertificates('system'), ...tls.getCACertificates('bundled')];
  } catch {
    return undefined; // older runtime: Node's default roots
  }
}

/**
 * The undici dispatcher for a target (cached per target object): trusts `harbor.caBundle`
 * (system roots when absent), connects to `harbor.connectAddress` for the Harbor host when set
 * (SNI and certificate checks still use the URL's host), and applies the connect timeout.
 */
export function registryDispatcher(target: Target): Agent {
  const cached = agents.get(target);
  if (cached) return cached;
  const harborHost = harborUrl(target).hostname;
  const connectAddress = target.harbor.connectAddress;
  const ca = trustBundle(target);
  const agent = new Agent({
    keepAliveTimeout: 1_000,
    keepAliveMaxTimeout: 5_000,
    headersTimeout: target.timeouts.requestMs,
    bodyTimeout: target.timeouts.requestMs,
    maxResponseSize: -1,
    connect: {
      timeout: target.timeouts.connectMs,
      ...(ca ? { ca } : {}),
      ...(connectAddress
        ? {
            lookup: ((hostname: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
              if (hostname !== harborHost) return dnsLookup(hostname, options as never, cb as never);
              const family = isIP(connectAddress) || 4;
              if (options?.all) cb(null, [{ address: connectAddress, family }] satisfies LookupAddress[]);
              else cb(null, connectAddress, family);
            }) as never,
          }
        : {}),
    },
  });
  agents.set(target, agent);
  return agent;
}

/** Closes and forgets the target's dispatcher (tests; the CLI exits anyway). */
export async function closeRegistryDispatcher(target: Target): Promise<void> {
  const a = agents.get(target);
  agents.delete(target);
  await a?.close();
}

export interface HttpOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Bytes kept in `body`; beyond it the body is cut off and `truncated` set. */
  maxBytes?: number;
  /** Called with every body chunk (streaming digest); with `keepBody: false` nothing is kept. */
  onChunk?: (chunk: Buffer) => void;
  keepBody?: boolean;
  /** Overall deadline for this request (headers + body); default target.timeouts.requestMs. */
  timeoutMs?: number;
}

export interface HttpResult {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body exceeded maxBytes and was cut off. */
  truncated: boolean;
  /** Bytes received (also those not kept). */
  bytes: number;
  /** Time to headers and total, milliseconds. */
  headersMs: number;
  totalMs: number;
}

/**
 * One request through the target's dispatcher. Throws TransportError (classified) when no HTTP
 * response arrives or the body breaks; an HTTP error status is a normal result.
 */
export async function httpRequest(ctx: CheckContext, url: string | URL, opts: HttpOptions = {}): Promise<HttpResult> {
  const u = new URL(url);
  const timeoutMs = opts.timeoutMs ?? ctx.target.timeouts.requestMs;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const keep = opts.keepBody ?? true;
  const t0 = performance.now();
  let headersMs = 0;
  try {
    const res = await request(u, {
      dispatcher: registryDispatcher(ctx.target),
      method: opts.method ?? 'GET',
      headers: { 'user-agent': 'hybrid-doctor', ...opts.headers },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    headersMs = performance.now() - t0;
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    let truncated = false;
    for await (const c of res.body) {
      const chunk = c as Buffer;
      bytes += chunk.length;
      opts.onChunk?.(chunk);
      if (keep) {
        if (kept + chunk.length > maxBytes) {
          chunks.push(chunk.subarray(0, maxBytes - kept));
          kept = maxBytes;
          truncated = true;
          res.body.destroy();
          break;
        }
        chunks.push(chunk);
        kept += chunk.length;
      } else if (bytes > maxBytes) {
        truncated = true;
        res.body.destroy();
        break;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return { url: u.toString(), status: res.statusCode, headers, body: Buffer.concat(chunks), truncated, bytes, headersMs, totalMs: performance.now() - t0 };
  } catch (err) {
    const failure = classifyTransportError(err, u.hostname);
    // A timeout after headers arrived is a stalled body, not an unanswered request.
    if (failure.kind === 'timeout' && headersMs > 0) failure.cause = 'image.pull-interrupted';
    throw new TransportError(failure, { cause: err });
  }
}

/** Headers safe for evidence: Authorization / cookies removed, values redacted. */
export function evidenceHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (/^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(k)) out[k] = '«redacted»';
    else out[k] = redactor.text(v);
  }
  return out;
}
