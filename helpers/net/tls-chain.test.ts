import { beforeAll, describe, expect, it } from 'vitest';
import { parseCert, type ParsedCert } from './cert-facts.ts';
import { analyzeChain, findMisordered } from './tls-chain.ts';
import { scanServerFlight } from './tls-records.ts';
import { createPki, type Pki } from './test-pki.ts';

let pki: Pki;
let leaf: ParsedCert, int: ParsedCert, root: ParsedCert;
beforeAll(async () => {
  pki = await createPki({ server: { dnsNames: ['harbor.test'] } });
  [leaf, int, root] = [pki.server, pki.intermediate, pki.root].map((c) => parseCert(c.certPem)) as [ParsedCert, ParsedCert, ParsedCert];
});

/** A TLS 1.2 handshake record holding a Certificate message with `ders` in that order. */
function certificateRecord(ders: Buffer[]): Buffer {
  const entries = Buffer.concat(ders.map((d) => Buffer.concat([u24(d.length), d])));
  const body = Buffer.concat([u24(entries.length), entries]);
  const hs = Buffer.concat([Buffer.from([11]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([22, 3, 3, hs.length >> 8, hs.length & 0xff]), hs]);
}
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

describe('served chain order (cases OpenSSL servers cannot serve: leaf must come first there)', () => {
  it.each([
    { name: 'leaf, intermediate', order: () => [leaf, int], misordered: [] },
    { name: 'leaf, intermediate, root', order: () => [leaf, int, root], misordered: [] },
    { name: 'intermediate before leaf', order: () => [int, leaf], misordered: [1] },
    { name: 'root first', order: () => [root, leaf, int], misordered: [0, 2] },
    { name: 'leaf, root, intermediate', order: () => [leaf, root, int], misordered: [0, 1, 2] },
  ])('$name', ({ order, misordered }) => {
    expect(findMisordered(order())).toEqual(misordered);
  });

  it('reads the Certificate message from raw server bytes in served order', () => {
    const raw = certificateRecord([int.node.raw, leaf.node.raw]);
    const scan = scanServerFlight(raw);
    expect(scan.certificates?.map((d) => parseCert(d).facts.subjectCN)).toEqual([int.facts.subjectCN, leaf.facts.subjectCN]);
    expect(scan.notTls).toBe(false);
  });

  it.each([
    { name: 'HTTP', raw: () => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), notTls: true, incomplete: false },
    { name: 'cut record', raw: () => certificateRecord([leaf.node.raw]).subarray(0, 100), notTls: false, incomplete: true },
    { name: 'empty', raw: () => Buffer.alloc(0), notTls: false, incomplete: false },
  ])('never throws on $name', ({ raw, notTls, incomplete }) => {
    expect(scanServerFlight(raw())).toMatchObject({ notTls, incomplete });
  });

  it('trust verdicts: complete, incomplete with bundle intermediates, untrusted', () => {
    expect(analyzeChain([leaf, int], [root]).trust).toBe('trusted');
    expect(analyzeChain([leaf], [root, int])).toMatchObject({ trust: 'incomplete', missingIntermediates: [int] });
    expect(analyzeChain([leaf], [root]).trust).toBe('untrusted');
  });
});
