import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CorefileSyntaxError, parseCorefile } from './corefile.ts';

const guide = readFileSync(new URL('../checks/dns/testdata/guide.Corefile', import.meta.url), 'utf8');
const separate = readFileSync(new URL('../checks/dns/testdata/separate-zone.Corefile', import.meta.url), 'utf8');

describe('parseCorefile', () => {
  it("parses the guide's Corefile (Step 10)", () => {
    const cf = parseCorefile(guide);
    expect(cf.serverBlocks).toHaveLength(1);
    const b = cf.serverBlocks[0]!;
    expect(b.keys).toEqual([{ raw: '.:53', scheme: 'dns', zone: '.', port: 53 }]);
    expect(b.directives.map((d) => d.name)).toEqual(['errors', 'health', 'kubernetes', 'hosts', 'prometheus', 'forward', 'cache', 'loop', 'reload', 'loadbalance']);
    const hosts = b.directives.find((d) => d.name === 'hosts')!;
    expect(hosts.line).toBe(9);
    expect(hosts.block).toEqual([
      { name: '192.168.1.100', args: ['harbor.yourdomain.com'], line: 10 },
      { name: 'fallthrough', args: [], line: 11 },
    ]);
    expect(b.directives.find((d) => d.name === 'kubernetes')!.args).toEqual(['cluster.local', 'in-addr.arpa', 'ip6.arpa']);
  });

  it('parses snippets, imports, quotes, env placeholders and several blocks', () => {
    const cf = parseCorefile(separate);
    expect(cf.serverBlocks.map((b) => b.snippet ?? b.keys.map((k) => k.zone).join(','))).toEqual(['common', 'yourdomain.com.', '.']);
    const fwd = cf.serverBlocks[2]!.directives.find((d) => d.name === 'forward')!;
    expect(fwd.args).toEqual(['.', '/etc/resolv.conf']);
    expect(fwd.block).toEqual([{ name: 'max_concurrent', args: ['{$MAX_CONCURRENT}'], line: 20 }]);
  });

  it('parses several keys, schemes and glued braces', () => {
    const cf = parseCorefile('example.org:1053, dns://example.net {\n  whoami\n}\n10.0.0.0/24{\nwhoami\n}\n');
    expect(cf.serverBlocks[0]!.keys).toEqual([
      { raw: 'example.org:1053', scheme: 'dns', zone: 'example.org.', port: 1053 },
      { raw: 'dns://example.net', scheme: 'dns', zone: 'example.net.' },
    ]);
    expect(cf.serverBlocks[1]!.keys[0]!.zone).toBe('10.0.0.0/24.');
  });

  it.each([
    { name: 'unclosed block', src: '.:53 {\n  errors\n  hosts {\n    1.2.3.4 a\n}\n', line: 1, msg: /unclosed/ },
    { name: 'stray closing brace', src: '.:53 {\n  errors\n}\n}\n', line: 4, msg: /unexpected "}"/ },
    { name: 'block without key', src: '{\n errors\n}\n', line: 1, msg: /unexpected "\{"/ },
    { name: 'key without block', src: '.:53\nerrors\n', line: 1, msg: /has no "\{ \.\.\. \}"/ },
    { name: 'unterminated quote', src: '.:53 {\n  forward . "/etc/resolv.conf\n}\n', line: 2, msg: /unterminated quoted string/ },
    { name: 'brace on its own line after a directive', src: '.:53 {\n  hosts\n  {\n  }\n}\n', line: 3, msg: /unexpected "\{"/ },
  ])('reports $name with its line number', ({ src, line, msg }) => {
    let err: unknown;
    try {
      parseCorefile(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorefileSyntaxError);
    expect((err as CorefileSyntaxError).line).toBe(line);
    expect((err as Error).message).toMatch(msg);
  });
});
