/**
 * Extracts the server's Certificate message from the raw bytes a server sent during a TLS 1.2
 * handshake (RFC 5246 §7.4.2), to get the chain exactly as served: order, duplicates and
 * unrelated extra certificates included.
 *
 * Why: Node's `getPeerCertificate(true)` rebuilds the chain by issuer lookups (it drops
 * unrelated certificates and hides the served order), and in TLS 1.3 the Certificate message is
 * encrypted. The probe therefore records the server→client bytes of one TLS 1.2 handshake and
 * reads the plaintext Certificate message here (what testssl.sh does with its own sockets).
 */

export interface ServerFlightScan {
  /** DER certificates in served order, when a Certificate message was seen. */
  certificates?: Buffer[];
  /** The first bytes did not look like TLS records (plain HTTP, garbage). */
  notTls: boolean;
  /** A TLS alert the server sent in plaintext: [level, description]. */
  alert?: [number, number];
  /** The record stream ended mid-record or mid-message. */
  incomplete: boolean;
}

const HANDSHAKE = 22;
const ALERT = 21;
const CHANGE_CIPHER_SPEC = 20;
const CERTIFICATE = 11;

/** True when `buf` starts like a TLS record (content type 20..23, version 3.x). */
export function looksLikeTls(buf: Buffer): boolean {
  if (buf.length < 3) return buf.length === 0 || (buf[0]! >= 20 && buf[0]! <= 23);
  return buf[0]! >= 20 && buf[0]! <= 23 && buf[1] === 3 && buf[2]! <= 4;
}

/** Scans the server flight; never throws on malformed input (it reports what it saw). */
export function scanServerFlight(raw: Buffer): ServerFlightScan {
  const out: ServerFlightScan = { notTls: !looksLikeTls(raw), incomplete: false };
  if (out.notTls) return out;
  const handshake: Buffer[] = [];
  let off = 0;
  while (off + 5 <= raw.length) {
    const type = raw[off]!;
    const len = raw.readUInt16BE(off + 3);
    if (type < 20 || type > 23 || raw[off + 1] !== 3) {
      out.notTls = off === 0;
      break;
    }
    if (off + 5 + len > raw.length) {
      out.incomplete = true;
      break;
    }
    const frag = raw.subarray(off + 5, off + 5 + len);
    off += 5 + len;
    if (type === CHANGE_CIPHER_SPEC) break; // everything after is encrypted
    if (type === ALERT && frag.length >= 2) out.alert = [frag[0]!, frag[1]!];
    if (type === HANDSHAKE) handshake.push(frag);
  }
  const hs = Buffer.concat(handshake);
  let p = 0;
  while (p + 4 <= hs.length) {
    const msgType = hs[p]!;
    const len = hs.readUIntBE(p + 1, 3);
    if (p + 4 + len > hs.length) {
      out.incomplete = true;
      break;
    }
    if (msgType === CERTIFICATE) out.certificates = parseCertificateList(hs.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return out;
}

function parseCertificateList(body: Buffer): Buffer[] {
  const certs: Buffer[] = [];
  if (body.length < 3) return certs;
  const total = Math.min(body.readUIntBE(0, 3), body.length - 3);
  let p = 3;
  while (p + 3 <= 3 + total) {
    const len = body.readUIntBE(p, 3);
    if (p + 3 + len > body.length) break;
    certs.push(Buffer.from(body.subarray(p + 3, p + 3 + len)));
    p += 3 + len;
  }
  return certs;
}
