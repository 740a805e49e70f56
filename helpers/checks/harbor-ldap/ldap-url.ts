/**
 * Harbor's reading of `ldap_url` (src/pkg/ldap/ldap.go, formatURL), so hybrid-doctor dials what
 * Harbor core dials: no scheme means ldap://; only ldap and ldaps are accepted; a missing port is
 * 389 (ldap) or 636 (ldaps); and port 636 always means ldaps, even when written ldap://host:636.
 */
export interface LdapEndpoint {
  protocol: 'ldap' | 'ldaps';
  host: string;
  port: number;
  /** The URL as Harbor formats it (`ldaps://host:636`). */
  url: string;
}

export function parseLdapUrl(value: string): LdapEndpoint | { error: string } {
  const raw = value.trim();
  if (!raw) return { error: 'ldap_url is empty' };
  let protocol = 'ldap';
  let hostport = raw;
  const sep = raw.indexOf('://');
  if (sep >= 0) {
    protocol = raw.slice(0, sep);
    hostport = raw.slice(sep + 3);
    if (protocol !== 'ldap' && protocol !== 'ldaps') return { error: `unknown ldap protocol "${protocol}" (Harbor accepts ldap:// and ldaps://)` };
  }
  let host = hostport;
  let port = protocol === 'ldaps' ? 636 : 389;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (hostport.includes(':')) {
    const i = hostport.lastIndexOf(':');
    const p = hostport.slice(i + 1);
    if (!/^\d{1,5}$/.test(p) || hostport.slice(0, i).includes(':')) return { error: `illegal ldap url "${raw}": host:port expected after the scheme` };
    host = hostport.slice(0, i);
    port = Number(p);
  }
  if (!host || /[/?#\s]/.test(host) || port < 1 || port > 65535) return { error: `illegal ldap url "${raw}": host:port expected after the scheme` };
  if (port === 636) protocol = 'ldaps';
  const p = protocol as 'ldap' | 'ldaps';
  return { protocol: p, host, port, url: `${p}://${host.includes(':') ? `[${host}]` : host}:${port}` };
}
