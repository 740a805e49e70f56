import { chai, describe, expect, it } from 'vitest';
import { CAUSES, type CauseId } from '../findings/cause-ids.ts';
import type { Finding } from '../findings/finding.ts';
import { finding } from '../findings/make-finding.ts';
import type { ParamName } from './area.ts';
import { CATALOG, CATALOG_PARAMS } from './catalog.ts';
import { DERIVED_PARAMS, PROSE_NOUNS, placeholders, renderTemplate, splitHostPort, withDerived } from './template.ts';

/**
 * Renders every catalog entry as users read it (through `finding()`, like the checks do), once
 * with realistic values for every param its templates use and once with no params at all, and
 * fails on anything a reader should never see: a leftover `{placeholder}` or `[[segment]]`, a
 * capitalised stand-in for a value the finding has (`HOSTNAME`, `POD`, `robot$NAME`), filler
 * words, "undefined", empty parentheses, double spaces, or a command missing its value.
 */

/** One realistic value per param name (the registry on a non-default port exercises `hostport`). */
const VALUES: Record<ParamName, string | number> = {
  host: 'harbor.example.com:8443',
  port: 8443,
  name: 'harbor.example.com',
  address: '10.20.0.15',
  addresses: '10.20.0.15, 10.20.0.16',
  expected: 'harbor.example.com',
  resolver: '10.96.0.10:53',
  notAfter: '2026-12-31T23:59:59.000Z',
  notBefore: '2027-01-10T00:00:00.000Z',
  daysLeft: 12,
  subjectCN: 'harbor.example.com',
  sans: 'DNS:harbor.example.com, IP:10.20.0.15',
  issuer: 'Example Intermediate CA 1',
  image: 'harbor.example.com:8443/apps/web:1.4.2',
  repository: 'apps/web',
  reference: '1.4.2',
  platform: 'linux/arm64',
  platforms: 'linux/amd64',
  robot: 'robot$k8s-robot',
  project: 'apps',
  node: 'mi-0a1b2c3d4e5f60718',
  namespace: 'shop',
  pod: 'web-7d9c8b6f5-x2x7q',
  secretName: 'harbor-registry',
  path: '/etc/containerd/certs.d/harbor.example.com:8443/ca.crt',
  detail: 'x509: certificate signed by unknown authority',
  status: 401,
  code: 'ECONNREFUSED',
  url: 'https://harbor.example.com:8443/service/token',
  ratio: 0.42,
  threshold: 80,
  value: 93,
  family: 'IPv6',
  seconds: 5,
  version: 'v2.13.1',
  field: 'auths.harbor.example.com.auth',
  expiresAt: '2026-12-20T00:00:00.000Z',
  suite: 'tls',
  component: 'registry',
  group: 'sg-0a1b2c3d4e5f60004, sg-0a1b2c3d4e5f60003',
  cidr: '172.29.10.0/24',
  network: 'remote node network',
  routeTable: 'rtb-0a1b2c3d4e5f60006',
  subnets: 'subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002',
  target: 'igw-0a1b2c3d4e5f60007 (internet gateway)',
  destination: '0.0.0.0/0',
  networkAcl: 'acl-0a1b2c3d4e5f60008',
  direction: 'inbound',
  rule: 50,
  id: '01234567-89ab-cdef-0123-456789abcdef',
  insight: 'Hybrid nodes: kubelet client certificate',
  recommendation: 'Renew the certificates on the affected nodes.', lost: '2 of 4',
};

/** Capitalised or angle-bracket stand-ins for a value, by the param that should have replaced them. */
const STAND_INS: readonly { re: RegExp; param: ParamName }[] = [
  { re: /\bHOSTNAME\b|\bHOST\b|<registry>|<registry name>|<harbor>|<host>/, param: 'host' },
  { re: /\bPOD\b/, param: 'pod' },
  { re: /\bNAMESPACE\b/, param: 'namespace' },
  { re: /\bNODE\b/, param: 'node' },
  { re: /\bIMAGE\b/, param: 'image' },
  { re: /robot\$NAME\b/, param: 'robot' },
];

/** Filler a reader must never see, whatever the params. */
const FILLER = /the expected value|no further detail|\ba component\b|an error status|the listed platforms|an unknown version|its expiry date|\bundefined\b|\bNaN\b|\[object Object\]|(?<!\/dev\/)\bnull\b/i;

const ids = Object.keys(CAUSES) as CauseId[];
// Failures print every offending text in full.
chai.config.truncateThreshold = 0;

function texts(f: Finding): string[] {
  return [f.title, f.message, f.explanation, f.remediation.summary, ...f.remediation.steps];
}

/** Problems in one rendered text (shared by both renderings). */
function problems(t: string): string[] {
  const out: string[] = [];
  if (/\{\w+(\|[^{}]*)?\}/.test(t)) out.push('leftover {placeholder}');
  if (/\[\[|\]\]/.test(t)) out.push('leftover [[segment]]');
  if (FILLER.test(t)) out.push(`filler "${FILLER.exec(t)![0]}"`);
  // Upper-case stand-ins for a value a finding always knows or never needs (case-sensitive).
  if (/\bHOSTNAME\b/.test(t)) out.push('HOSTNAME stand-in');
  // "unknown" as a value; quoted error texts ("unknown authority", "manifest unknown") are fine.
  if (/(?<!manifest )\bunknown\b(?! authority| fields)/i.test(t)) out.push('"unknown"');
  if (/\(\s*[;:,]?\s*\)/.test(t)) out.push('empty parentheses');
  if (/ {2}/.test(t)) out.push('double space');
  if (/ [,;:)]| \.(?!\.)/.test(t.replace(/`[^`]*`/g, '``'))) out.push('space before punctuation');
  if ((t.match(/`/g) ?? []).length % 2) out.push('unbalanced backticks');
  if (/^the /.test(t)) out.push('sentence starts lower-case');
  if (/\b(\w{3,})( name)? the \1(?![\w-])/i.test(t)) out.push('noun doubled ("Image the image")');
  if (/--[\w-]+=(''|""|\s|`|$)|\/\//.test(t.replace(/[a-z]+:\/\/\/?/g, ''))) out.push('command with an empty value');
  return out;
}

describe('every catalog entry renders with realistic params', () => {
  it.each(ids)('%s', (id) => {
    const params = Object.fromEntries(CATALOG_PARAMS[id].map((p) => [p, VALUES[p]]));
    const f = finding(id, { subject: 'subject', params });
    const found: string[] = [];
    for (const t of texts(f)) {
      for (const p of problems(t)) found.push(`${p}: ${t}`);
      // The explanation is background (how containerd reads certs.d/<host>), not about this finding.
      if (t === f.explanation) continue;
      for (const s of STAND_INS) {
        if (CATALOG_PARAMS[id].includes(s.param) && s.re.test(t)) found.push(`stand-in ${s.re.exec(t)![0]} although {${s.param}} is known: ${t}`);
      }
    }
    // Every step survives when every documented param is given.
    expect(f.remediation.steps.length, id).toBe(CATALOG[id].remediation.steps.length);
    expect(found.join('\n'), id).toBe('');
  });
});

describe('every catalog entry renders with no params', () => {
  it.each(ids)('%s', (id) => {
    const e = CATALOG[id];
    // In prose only neutral nouns may stand bare; the rest sit in [[...]] or carry {name|words}.
    for (const t of [e.title, e.message, e.explanation, e.remediation.summary]) {
      const bad = placeholders(t).bare.filter((p) => !Object.hasOwn(PROSE_NOUNS, p));
      expect(bad, `${id}: "${t}"`).toEqual([]);
    }
    // Every [[segment]] holds a placeholder: a TOML `[[table]]` in a step would otherwise lose its brackets.
    for (const t of [e.title, e.message, e.explanation, e.remediation.summary, ...e.remediation.steps]) {
      for (const m of t.matchAll(/\[\[([\s\S]*?)\]\]/g)) expect(m[1], `${id}: [[${m[1]}]]`).toMatch(/\{\w+/);
    }
    const f = finding(id, { subject: 'subject' });
    const found = texts(f).flatMap((t) => problems(t).map((p) => `${p}: ${t}`));
    expect(found.join('\n'), id).toBe('');
    // Steps that need a value are dropped, but the remediation still says what to do.
    expect(f.remediation.steps.length, id).toBeGreaterThan(0);
    expect(f.remediation.summary.length).toBeGreaterThan(10);
  });
});

describe('template language', () => {
  it.each([
    ['value', 'at {host}', { host: 'h:1' }, 'at h:1'],
    ['fallback words', 'at {host|<registry>}', {}, 'at <registry>'],
    ['segment kept', 'failed[[ ({detail})]]', { detail: 'EOF' }, 'failed (EOF)'],
    ['segment dropped', 'failed[[ ({detail})]]', {}, 'failed'],
    ['segment needs all its params', 'x[[ {a} {b}]]', { a: '1' }, 'x'],
    ['segment alternative kept out', '[[Pod {pod}||A pod]] fails', { pod: 'web' }, 'Pod web fails'],
    ['segment alternative used', '[[Pod {pod}||A pod]] fails', {}, 'A pod fails'],
    ['prose noun', 'pull from {host}', {}, 'pull from the registry'],
    ['zero is a value', 'in {daysLeft} days', { daysLeft: 0 }, 'in 0 days'],
    ['hostport adds :443', '-connect {hostport}[[ -servername {sni}]]', { host: 'harbor.example.com' }, '-connect harbor.example.com:443 -servername harbor.example.com'],
    ['hostport keeps the port', '-connect {hostport}[[ -servername {sni}]]', { host: 'harbor.example.com:8443' }, '-connect harbor.example.com:8443 -servername harbor.example.com'],
    ['no SNI for an IP', '-connect {hostport}[[ -servername {sni}]]', { host: '10.0.0.5:5000' }, '-connect 10.0.0.5:5000'],
    ['IPv6', '-connect {hostport}', { host: '[fd00::5]' }, '-connect [fd00::5]:443'],
  ] as const)('%s', (_, template, params, expected) => {
    expect(renderTemplate(template, params, 'prose')).toBe(expected);
  });

  it('never reads a value as template text', () => {
    const params = { detail: 'unknown field {spec} in [[x]]', host: '{pod}' };
    expect(renderTemplate('at {host}[[ ({detail})]]', params, 'prose')).toBe('at {pod} (unknown field {spec} in [[x]])');
    expect(renderTemplate('`curl https://{host}/v2/`[[ ({detail})]]', params, 'step')).toBe('`curl https://{pod}/v2/` (unknown field {spec} in [[x]])');
  });

  it('drops a step whose bare param is missing, keeps it with fallback words', () => {
    expect(renderTemplate('`kubectl get secret {secret}`', {}, 'step')).toBeUndefined();
    expect(renderTemplate('`kubectl get secret {secret|SECRET_NAME}`', {}, 'step')).toBe('`kubectl get secret SECRET_NAME`');
  });

  it('splits host and port', () => {
    expect(splitHostPort('harbor.example.com')).toEqual({ hostname: 'harbor.example.com' });
    expect(splitHostPort('harbor.example.com:8443')).toEqual({ hostname: 'harbor.example.com', port: '8443' });
    expect(splitHostPort('[fd00::5]:5000')).toEqual({ hostname: 'fd00::5', port: '5000' });
    expect(splitHostPort('fd00::5')).toEqual({ hostname: 'fd00::5' });
    expect(Object.keys(withDerived({ host: 'h' })).sort()).toEqual(['host', ...Object.keys(DERIVED_PARAMS)].sort());
  });
});
