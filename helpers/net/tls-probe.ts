import { isIP, Socket, connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { errorCodes, errorText } from '../errors.ts';
import { looksLikeTls, scanServerFlight } from './tls-records.ts';

/**
 * Two TLS handshakes against one endpoint, never a hang and never a throw for target faults:
 *
 * 1. **Capture** (inspection only): TLS 1.2, `rejectUnauthorized: false`, permissive security
 *    level, through a tap that records the server's bytes, so `tls-records.ts` can read the
 *    Certificate message and return the chain exactly as served. If the server refuses TLS 1.2
 *    the capture repeats with TLS 1.3 and the chain comes from `getPeerCertificate(true)`
 *    (order reconstructed, `chainOrder: 'reconstructed'`). Nothing is judged from this one.
 * 2. **Verify**: a normal client handshake, `rejectUnauthorized: true`, `ca` = the bundle (or
 *    system roots), SNI = the URL host. Its error code (UNABLE_TO_VERIFY_LEAF_SIGNATURE,
 *    CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...) is what a real client would say.
 *
 * Connect failures, timeouts, resets, EOF, garbage and plain HTTP become an `outcome`.
 */
export interface TlsProbeOptions {
  /** Name (or IP) from the URL: SNI and identity checks use it. */
  host: string;
  port: number;
  /** Connect here instead of resolving `host` (like curl --resolve). */
  connectAddress?: string;
  /** Trust bundle PEMs for the verifying handshake; undefined = Node's bundled roots. */
  ca?: string[];
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  signal?: AbortSignal;
}

export type TlsProbeOutcome =
  | 'ok'
  | 'connection-refused'
  | 'connection-timeout'
  | 'name-not-resolved'
  | 'handshake-failed'
  | 'plain-http';

export interface TlsVerifyResult {
  ok: boolean;
  /** OpenSSL / Node code when the verifying handshake failed. */
  code?: string;
  message?: string;
  protocol?: string;
}

export interface TlsProbeResult {
  endpoint: string;
  /** Address actually dialled. */
  address: string;
  outcome: TlsProbeOutcome;
  /** Where it failed: tcp connect, TLS handshake. */
  phase?: 'connect' | 'handshake';
  errorCode?: string;
  errorText?: string;
  /** DER certificates in served order (leaf first as the server sent them). */
  served?: Buffer[];
  chainOrder?: 'wire' | 'reconstructed';
  protocol?: string;
  cipher?: string;
  verify?: TlsVerifyResult;
  /** First line of what the server answered to a plain HTTP request (plain-http outcome). */
  httpStatusLine?: string;
  /** First bytes the server sent when they were not TLS (hex, at most 32 bytes). */
  nonTlsPrefix?: string;
  durationMs: number;
}

const MAX_RECORD = 256 * 1024;
const TIMEOUT_CODE = 'ETIMEDOUT';

class ProbeTimeout extends Error {
  readonly code = TIMEOUT_CODE;
}

export async function probeTls(o: TlsProbeOptions): Promise<TlsProbeResult> {
  const started = Date.now();
  const address = o.connectAddress ?? o.host;
  const endpoint = `${o.host}:${o.port}`;
  const base = { endpoint, address: `${address}:${o.port}` };
  const done = (r: Omit<TlsProbeResult, 'endpoint' | 'address' | 'durationMs'>): TlsProbeResult => ({ ...base, ...r, durationMs: Date.now() - started });

  let tcp: Socket;
  try {
    tcp = await connectTcp(address, o.port, o.connectTimeoutMs, o.signal);
  } catch (err) {
    return done({ outcome: classifyConnectError(err), phase: 'connect', ...errInfo(err) });
  }

  let cap = await capture(tcp, o, 'TLSv1.2');
  if (!cap.ok && isProtocolVersionRefusal(cap.error)) {
    try {
      const tcp2 = await connectTcp(address, o.port, o.connectTimeoutMs, o.signal);
      cap = await capture(tcp2, o, 'TLSv1.3');
    } catch (err) {
      return done({ outcome: classifyConnectError(err), phase: 'connect', ...errInfo(err) });
    }
  }
  if (!cap.ok) {
    const raw = cap.received;
    const rawText = raw.subarray(0, 16).toString('latin1');
    const nonTls = raw.length > 0 && !looksLikeTls(raw);
    const nonTlsPrefix = nonTls ? raw.subarray(0, 32).toString('hex') : undefined;
    if (rawText.startsWith('HTTP/')) {
      return done({ outcome: 'plain-http', phase: 'handshake', httpStatusLine: firstLine(raw), ...errInfo(cap.error) });
    }
    if (nonTls || isWrongVersion(cap.error)) {
      const http = await httpProbe(address, o, o.signal);
      if (http) return done({ outcome: 'plain-http', phase: 'handshake', httpStatusLine: http, ...errInfo(cap.error), ...(nonTlsPrefix ? { nonTlsPrefix } : {}) });
    }
    return done({ outcome: 'handshake-failed', phase: 'handshake', ...errInfo(cap.error), ...(nonTlsPrefix ? { nonTlsPrefix } : {}) });
  }

  const verify = await verifyingHandshake(address, o);
  return done({
    outcome: 'ok',
    served: cap.served,
    chainOrder: cap.order,
    ...(cap.protocol ? { protocol: cap.protocol } : {}),
    ...(cap.cipher ? { cipher: cap.cipher } : {}),
    verify,
  });
}

function errInfo(err: unknown): { errorCode?: string; errorText?: string } {
  if (err === undefined) return {};
  const code = errorCodes(err)[0];
  return { ...(code ? { errorCode: code } : {}), errorText: errorText(err) };
}

function firstLine(buf: Buffer): string {
  return buf.subarray(0, 200).toString('latin1').split(/\r?\n/)[0] ?? '';
}

function classifyConnectError(err: unknown): TlsProbeOutcome {
  const codes = errorCodes(err);
  if (codes.includes('ECONNREFUSED')) return 'connection-refused';
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_FAIL' || c === 'EAI_NODATA')) return 'name-not-resolved';
  if (codes.some((c) => ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ABORT_ERR'].includes(c))) return 'connection-timeout';
  return 'connection-timeout';
}

function isProtocolVersionRefusal(err: unknown): boolean {
  const codes = errorCodes(err);
  return codes.some((c) => /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE/.test(c));
}

function isWrongVersion(err: unknown): boolean {
  const codes = errorCodes(err);
  const text = errorText(err);
  return codes.some((c) => /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE|UNKNOWN_PROTOCOL/.test(c)) || /wrong version number|packet length too long/i.test(text);
}

/** TCP connect with a deadline; resolves the connected socket or rejects with a coded error. */
export function connectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port, ...(signal ? { signal } : {}) });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new ProbeTimeout(`TCP connect to ${host}:${port} did not complete within ${timeoutMs} ms`), {}));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    });
  });
}

/** Wraps a TCP socket in a Duplex that records what the server sends. */
function tap(sock: Socket, received: Buffer[]): Duplex {
  let size = 0;
  const d = new Duplex({
    read() {
      sock.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (sock.destroyed) return cb(Object.assign(new Error('socket closed'), { code: 'ECONNRESET' }));
      sock.write(chunk, (err) => cb(err ?? null));
    },
    final(cb) {
      sock.end();
      cb();
    },
    destroy(err, cb) {
      sock.destroy();
      cb(err);
    },
  });
  sock.on('data', (chunk: Buffer) => {
    if (size < MAX_RECORD) {
      received.push(chunk);
      size += chunk.length;
    }
    if (!d.push(chunk)) sock.pause();
  });
  sock.on('end', () => d.push(null));
  sock.on('error', (err) => d.destroy(err));
  sock.on('close', () => {
    if (!d.destroyed) d.push(null);
  });
  return d;
}

type Capture =
  | { ok: true; served: Buffer[]; order: 'wire' | 'reconstructed'; protocol?: string; cipher?: string; received: Buffer }
  | { ok: false; error: unknown; received: Buffer };

function capture(tcp: Socket, o: TlsProbeOptions, version: 'TLSv1.2' | 'TLSv1.3'): Promise<Capture> {
  const received: Buffer[] = [];
  const stream = tap(tcp, received);
  return new Promise((resolve) => {
    let settled = false;
    let sock: TLSSocket | undefined;
    const finish = (c: Capture) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      sock?.destroy();
      stream.destroy();
      tcp.destroy();
      resolve(c);
    };
    const fail = (error: unknown) => finish({ ok: false, error, received: Buffer.concat(received) });
    const timer = setTimeout(() => fail(new ProbeTimeout(`TLS handshake with ${o.host}:${o.port} did not complete within ${o.handshakeTimeoutMs} ms`)), o.handshakeTimeoutMs);
    const onAbort = () => fail(o.signal?.reason ?? new Error('aborted'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      sock = tlsConnect({
        socket: stream,
        ...(isIP(o.host) ? {} : { servername: o.host }),
        rejectUnauthorized: false, // inspection only: the verdict comes from verifyingHandshake and tls-chain.ts
        minVersion: version === 'TLSv1.2' ? 'TLSv1.2' : 'TLSv1.3',
        maxVersion: version,
        ciphers: 'DEFAULT:@SECLEVEL=0', // capture weak chains too; tls.weak-crypto judges them
      });
    } catch (err) {
      fail(err);
      return;
    }
    sock.once('secureConnect', () => {
      const raw = Buffer.concat(received);
      const scan = scanServerFlight(raw);
      const s = sock!;
      let served = scan.certificates;
      let order: 'wire' | 'reconstructed' = 'wire';
      if (!served || served.length === 0) {
        served = reconstructed(s.getPeerCertificate(true));
        order = 'reconstructed';
      }
      const protocol = s.getProtocol() ?? undefined;
      const cipher = s.getCipher()?.standardName;
      finish({ ok: true, served, order, ...(protocol ? { protocol } : {}), ...(cipher ? { cipher } : {}), received: raw });
    });
    sock.once('error', fail);
    sock.once('close', () => fail(Object.assign(new Error(`${o.host}:${o.port} closed the connection during the TLS handshake`), { code: 'ECONNRESET' })));
  });
}

function reconstructed(peer: PeerCertificate | undefined): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let cur = peer as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  while (cur?.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(cur.raw);
    cur = cur.issuerCertificate as typeof cur;
  }
  return out;
}

function verifyingHandshake(address: string, o: TlsProbeOptions): Promise<TlsVerifyResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: TlsVerifyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const fail = (err: unknown) => finish({ ok: false, ...(errorCodes(err)[0] ? { code: errorCodes(err)[0]! } : {}), message: errorText(err) });
    const sock = tlsConnect({
      host: address,
      port: o.port,
      ...(isIP(o.host) ? {} : { servername: o.host }),
      // Identity is checked against the URL host even when dialling connectAddress.
      checkServerIdentity: (_h: string, cert: PeerCertificate) => checkIdentity(o.host, cert),
      rejectUnauthorized: true,
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    } satisfies ConnectionOptions);
    const timer = setTimeout(() => fail(new ProbeTimeout(`verifying TLS handshake with ${o.host}:${o.port} did not complete within ${o.handshakeTimeoutMs + o.connectTimeoutMs} ms`)), o.handshakeTimeoutMs + o.connectTimeoutMs);
    sock.once('secureConnect', () => finish({ ok: true, ...(sock.getProtocol() ? { protocol: sock.getProtocol()! } : {}) }));
    sock.once('error', fail);
  });
}

function checkIdentity(host: string, cert: PeerCertificate): Error | undefined {
  return checkServerIdentity(host, cert);
}

/** Sends a plain HTTP request; returns the status line if the server speaks HTTP. */
async function httpProbe(address: string, o: TlsProbeOptions, signal?: AbortSignal): Promise<string | undefined> {
  let sock: Socket;
  try {
    sock = await connectTcp(address, o.port, o.connectTimeoutMs, signal);
  } catch {
    return undefined; // the endpoint went away; the handshake failure stands on its own
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      const buf = Buffer.concat(chunks);
      resolve(buf.subarray(0, 5).toString('latin1') === 'HTTP/' ? firstLine(buf) : undefined);
    };
    const timer = setTimeout(finish, o.handshakeTimeoutMs);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (Buffer.concat(chunks).includes('\n') || chunks.reduce((n, b) => n + b.length, 0) > 4096) finish();
    });
    sock.on('end', finish);
    sock.on('error', finish);
    sock.write(`GET / HTTP/1.1\r\nHost: ${o.host}\r\nUser-Agent: hybrid-doctor\r\nConnection: close\r\n\r\n`);
  });
}
