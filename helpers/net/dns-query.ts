import { createSocket } from 'node:dgram';
import { isIP, connect as netConnect } from 'node:net';
import dnsPacket from 'dns-packet';

/**
 * One DNS question to one resolver, the way Go's resolver (containerd, kubelet) asks it: UDP
 * first, TCP when the answer is truncated, a per-attempt timeout and a bounded number of tries.
 * Every outcome is a result, never a throw: timeouts, REFUSED, undecodable packets, responses
 * with a foreign transaction id (ignored, counted; only those → `malformed`), truncation without
 * a working TCP path.
 *
 * Only resolvers named in the target are queried; the system resolver (getaddrinfo) is not used
 * here, because it may send the query to any resolver the machine is configured with, and the
 * `node` role is meant to be given as the node's resolv.conf nameserver explicitly.
 */
export type DnsOutcome = 'answer' | 'nodata' | 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'malformed' | 'error';

export interface DnsQueryOptions {
  /** `ip`, `ip:port` or `[v6]:port`. Port 53 by default. */
  server: string;
  name: string;
  type?: 'A' | 'AAAA';
  timeoutMs: number;
  /** Extra UDP attempts after the first (default 1). */
  retries?: number;
  signal?: AbortSignal;
}

export interface DnsResult {
  server: string;
  name: string;
  type: 'A' | 'AAAA';
  outcome: DnsOutcome;
  rcode?: string;
  addresses: string[];
  cnames: string[];
  /** Time to the final answer (or until giving up). */
  latencyMs: number;
  transport: 'udp' | 'tcp';
  attempts: number;
  truncated?: boolean;
  /** Responses ignored because their transaction id did not match. */
  mismatchedIds?: number;
  detail?: string;
}

export function parseServer(server: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 53 };
  if (isIP(server) === 6) return { host: server, port: 53 };
  const i = server.lastIndexOf(':');
  if (i > 0) return { host: server.slice(0, i), port: Number(server.slice(i + 1)) };
  return { host: server, port: 53 };
}

type Raw = { packet?: dnsPacket.Packet; error?: string; mismatched: number; timedOut: boolean };

export async function queryDns(o: DnsQueryOptions): Promise<DnsResult> {
  const type = o.type ?? 'A';
  const { host, port } = parseServer(o.server);
  const id = Math.floor(Math.random() * 65535);
  const question = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name: o.name }] });
  const started = performance.now();
  const base = { server: o.server, name: o.name, type };
  const tries = 1 + Math.max(0, Math.min(o.retries ?? 1, 5));
  let attempts = 0;
  let mismatched = 0;
  let last: Raw | undefined;
  for (let i = 0; i < tries && !o.signal?.aborted; i++) {
    attempts++;
    last = await udpExchange(host, port, question, id, o.timeoutMs, o.signal);
    mismatched += last.mismatched;
    if (!last.timedOut) break;
  }
  const latency = () => Math.round(performance.now() - started);
  if (!last || last.timedOut) {
    const onlyForeign = mismatched > 0;
    return {
      ...base, addresses: [], cnames: [], latencyMs: latency(), transport: 'udp', attempts,
      outcome: onlyForeign ? 'malformed' : 'timeout',
      ...(mismatched ? { mismatchedIds: mismatched } : {}),
      detail: onlyForeign ? `only responses with a foreign transaction id (${mismatched})` : `no answer within ${o.timeoutMs} ms × ${attempts} attempt(s)`,
    };
  }
  if (last.error || !last.packet) {
    return { ...base, addresses: [], cnames: [], latencyMs: latency(), transport: 'udp', attempts, outcome: 'malformed', detail: last.error ?? 'undecodable response' };
  }
  let packet = last.packet;
  let transport: 'udp' | 'tcp' = 'udp';
  const truncated = (packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE ? true : false;
  if (truncated) {
    transport = 'tcp';
    const t = await tcpExchange(host, port, question, id, o.timeoutMs, o.signal);
    if (!t.packet) {
      return {
        ...base, addresses: [], cnames: [], latencyMs: latency(), transport, attempts, truncated,
        outcome: t.timedOut ? 'timeout' : 'malformed',
        detail: `UDP answer truncated (TC) and the TCP retry failed: ${t.error ?? 'no answer'}`,
      };
    }
    packet = t.packet;
  }
  return { ...base, ...decode(packet), latencyMs: latency(), transport, attempts, ...(truncated ? { truncated } : {}), ...(mismatched ? { mismatchedIds: mismatched } : {}) };
}

function decode(p: dnsPacket.Packet): Pick<DnsResult, 'outcome' | 'rcode' | 'addresses' | 'cnames' | 'detail'> {
  const rcode = (p as { rcode?: string }).rcode ?? 'NOERROR';
  const answers = p.answers ?? [];
  const addresses = answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => String((a as { data: unknown }).data));
  const cnames = answers.filter((a) => a.type === 'CNAME').map((a) => String((a as { data: unknown }).data));
  const outcome: DnsOutcome =
    rcode === 'NXDOMAIN' ? 'nxdomain'
    : rcode === 'SERVFAIL' ? 'servfail'
    : rcode === 'REFUSED' ? 'refused'
    : rcode !== 'NOERROR' ? 'servfail'
    : addresses.length ? 'answer' : 'nodata';
  return { outcome, rcode, addresses, cnames, ...(rcode !== 'NOERROR' && !['NXDOMAIN', 'SERVFAIL', 'REFUSED'].includes(rcode) ? { detail: `rcode ${rcode}` } : {}) };
}

function tryDecode(buf: Buffer): { packet?: dnsPacket.Packet; error?: string } {
  try {
    const packet = dnsPacket.decode(buf);
    if (packet.type !== 'response') return { error: 'not a DNS response (QR bit clear)' };
    return { packet };
  } catch (err) {
    return { error: `undecodable response (${buf.length} bytes): ${(err as Error).message}` };
  }
}

function udpExchange(host: string, port: number, msg: Buffer, id: number, timeoutMs: number, signal?: AbortSignal): Promise<Raw> {
  return new Promise((resolve) => {
    const sock = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    let mismatched = 0;
    let done = false;
    const finish = (r: Omit<Raw, 'mismatched'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.close();
      resolve({ ...r, mismatched });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    const onAbort = () => finish({ timedOut: true, error: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (err) => finish({ timedOut: false, error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim() }));
    sock.on('message', (buf: Buffer) => {
      if (buf.length >= 2 && buf.readUInt16BE(0) !== id) {
        mismatched++; // a stray or spoofed datagram: keep waiting, like Go's resolver
        return;
      }
      finish({ timedOut: false, ...tryDecode(buf) });
    });
    sock.send(msg, port, host, (err) => {
      if (err) finish({ timedOut: false, error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim() });
    });
  });
}

function tcpExchange(host: string, port: number, msg: Buffer, id: number, timeoutMs: number, signal?: AbortSignal): Promise<Raw> {
  return new Promise((resolve) => {
    const sock = netConnect({ host, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (r: Omit<Raw, 'mismatched'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve({ ...r, mismatched: 0 });
    };
    const timer = setTimeout(() => finish({ timedOut: true, error: `no TCP answer within ${timeoutMs} ms` }), timeoutMs);
    const onAbort = () => finish({ timedOut: true, error: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (err) => finish({ timedOut: false, error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim() }));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const n = buf.readUInt16BE(0);
      if (buf.length < 2 + n) return;
      const body = buf.subarray(2, 2 + n);
      if (body.length >= 2 && body.readUInt16BE(0) !== id) return finish({ timedOut: false, error: 'TCP response with a foreign transaction id' });
      finish({ timedOut: false, ...tryDecode(body) });
    });
    sock.on('end', () => finish({ timedOut: false, error: `connection closed after ${buf.length} byte(s)` }));
  });
}
