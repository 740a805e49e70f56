import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';

/**
 * A misbehaving-on-demand DNS server on 127.0.0.1 (UDP and TCP on the same ephemeral port) for
 * tests and the sandbox: answers from a map, or per name one of the failure behaviours a real
 * resolver shows. Names are matched case-insensitively without the trailing dot.
 */
export type DnsBehaviour =
  | 'answer'
  | 'nxdomain'
  | 'servfail'
  | 'refused'
  | 'silent'
  /** UDP answer with TC set and no answers; the full answer over TCP. */
  | 'truncate'
  /** UDP answer with TC set; TCP closes without answering. */
  | 'truncate-no-tcp'
  /** A response cut in the middle (header claims more than is sent). */
  | 'truncated-garbage'
  | 'random-bytes'
  | 'wrong-id'
  | { slowMs: number }
  /** Lost UDP queries, answered otherwise: the first `dropFirst` for the name, or every `dropEvery`th starting with the first. */
  | { dropFirst: number }
  | { dropEvery: number };

export interface TestDnsServerOptions {
  /** name → addresses (A for IPv4, AAAA for IPv6). */
  records?: Record<string, string[]>;
  /** Behaviour per name; `*` is the default for unlisted names (default: answer, or nxdomain if no record). */
  behaviour?: Record<string, DnsBehaviour>;
}

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, the form target resolvers use. */
  address: string;
  port: number;
  /** Queries seen (UDP + TCP). */
  queries: () => number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');

export async function startTestDnsServer(opts: TestDnsServerOptions = {}): Promise<TestDnsServer> {
  const records = new Map(Object.entries(opts.records ?? {}).map(([k, v]) => [norm(k), v]));
  const behaviours = new Map(Object.entries(opts.behaviour ?? {}).map(([k, v]) => [norm(k), v]));
  let count = 0;
  /** UDP queries seen per name, for the drop behaviours. */
  const udpSeen = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const tcpSockets = new Set<Socket>();

  const behaviourFor = (name: string): DnsBehaviour => behaviours.get(norm(name)) ?? behaviours.get('*') ?? (records.has(norm(name)) ? 'answer' : 'nxdomain');

  const respond = (q: dnsPacket.Packet, over: 'udp' | 'tcp'): Buffer | 'silent' | 'close' | { delayMs: number; buf: Buffer } => {
    const question = q.questions?.[0];
    const name = question?.name ?? '';
    const b = behaviourFor(name);
    const reply = (rcode: number, answers: dnsPacket.Answer[] = [], extraFlags = 0) =>
      dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | extraFlags | rcode, questions: q.questions ?? [], answers });
    const answers = (): dnsPacket.Answer[] =>
      (records.get(norm(name)) ?? [])
        .filter((a) => (question?.type === 'AAAA' ? a.includes(':') : !a.includes(':')))
        .map((data) => ({ type: question?.type === 'AAAA' ? 'AAAA' : 'A', name, ttl: 30, data }) as dnsPacket.Answer);
    const full = () => (records.has(norm(name)) ? reply(0, answers()) : reply(3));
    if (typeof b === 'object') {
      if ('slowMs' in b) return { delayMs: b.slowMs, buf: full() };
      if (over === 'tcp') return full();
      const n = (udpSeen.get(norm(name)) ?? 0) + 1;
      udpSeen.set(norm(name), n);
      const lost = 'dropFirst' in b ? n <= b.dropFirst : (n - 1) % b.dropEvery === 0;
      return lost ? 'silent' : full();
    }
    switch (b) {
      case 'answer': return full();
      case 'nxdomain': return reply(3);
      case 'servfail': return reply(2);
      case 'refused': return reply(5);
      case 'silent': return 'silent';
      case 'truncate': return over === 'udp' ? reply(0, [], dnsPacket.TRUNCATED_RESPONSE) : full();
      case 'truncate-no-tcp': return over === 'udp' ? reply(0, [], dnsPacket.TRUNCATED_RESPONSE) : 'close';
      case 'truncated-garbage': return full().subarray(0, 14);
      case 'random-bytes': { const r = randomBytes(40); r.writeUInt16BE(q.id ?? 0, 0); r[2] = 0xff; r[4] = 0xff; return r; }
      case 'wrong-id': { const buf = full(); buf.writeUInt16BE(((q.id ?? 0) + 1) & 0xffff, 0); return buf; }
    }
  };

  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    count++;
    let q: dnsPacket.Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const r = respond(q, 'udp');
    if (r === 'silent' || r === 'close') return;
    if (Buffer.isBuffer(r)) udp.send(r, rinfo.port, rinfo.address);
    else {
      const t = setTimeout(() => { timers.delete(t); udp.send(r.buf, rinfo.port, rinfo.address); }, r.delayMs);
      timers.add(t);
    }
  });

  const tcp: Server = createServer((s) => {
    tcpSockets.add(s);
    s.on('close', () => tcpSockets.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      count++;
      let q: dnsPacket.Packet;
      try {
        q = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      } catch {
        s.destroy();
        return;
      }
      const r = respond(q, 'tcp');
      if (r === 'silent') return;
      if (r === 'close') return void s.end();
      const send = (b: Buffer) => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(b.length);
        s.end(Buffer.concat([len, b]));
      };
      if (Buffer.isBuffer(r)) send(r);
      else {
        const t = setTimeout(() => { timers.delete(t); send(r.buf); }, r.delayMs);
        timers.add(t);
      }
    });
  });

  // TCP on an ephemeral port, UDP on the same number. Another socket may already hold that number
  // for UDP: then pick a new TCP port (bounded attempts). dgram allows a new bind after a failed one.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => { tcp.off('error', reject); resolve(); });
    });
    port = (tcp.address() as { port: number }).port;
    const bound = await new Promise<unknown>((resolve) => {
      const onError = (err: unknown) => resolve(err);
      udp.once('error', onError);
      udp.bind(port, '127.0.0.1', () => { udp.off('error', onError); resolve(undefined); });
    });
    if (bound === undefined) break;
    await new Promise<void>((r) => tcp.close(() => r()));
    if (attempt >= 20) throw new Error(`test DNS server: no port free for both UDP and TCP after ${attempt} attempts`, { cause: bound });
  }

  const close = async () => {
    for (const t of timers) clearTimeout(t);
    for (const s of tcpSockets) s.destroy();
    await new Promise<void>((r) => udp.close(() => r()));
    await new Promise<void>((r) => tcp.close(() => r()));
  };
  return { address: `127.0.0.1:${port}`, port, queries: () => count, close, [Symbol.asyncDispose]: close };
}
