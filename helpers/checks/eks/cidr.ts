import { isIPv4 } from 'node:net';

/** IPv4 CIDR arithmetic for the remote-network checks (no IPv6: hybrid remote networks are IPv4). */

export interface Cidr {
  text: string;
  base: number;
  prefix: number;
}

const toInt = (ip: string): number => ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
const mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || !isIPv4(m[1]!) || Number(m[2]) > 32) return undefined;
  const prefix = Number(m[2]);
  return { text, base: (toInt(m[1]!) & mask(prefix)) >>> 0, prefix };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  return isIPv4(ip) && ((toInt(ip) & mask(c.prefix)) >>> 0) === c.base;
}

/** Whole CIDR `inner` inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && ((inner.base & mask(outer.prefix)) >>> 0) === outer.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

export function isRfc1918(c: Cidr): boolean {
  return RFC1918.some((r) => cidrWithin(c, r));
}
