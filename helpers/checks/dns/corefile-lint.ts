import { isIP } from 'node:net';
import { zoneContains, type Corefile, type CorefileDirective, type CorefileServerBlock } from '../../parsers/corefile.ts';

/**
 * Static lint of a CoreDNS Corefile for the registry names (guide Step 10):
 * - `dns.coredns-hosts-missing`: the server block CoreDNS picks for the name (longest matching
 *   zone) neither lists the name in a hosts block nor serves the name's zone by itself (a
 *   zone-specific block with hosts/file/auto/template/forward/... counts as served).
 * - `dns.coredns-hosts-no-fallthrough`: a hosts block without `fallthrough` answers SERVFAIL (not
 *   NXDOMAIN: the hosts plugin has no SOA) for every name of its zones it does not list, so they
 *   never reach `forward` (coredns plugin/hosts ServeDNS, 1.12).
 * `import` of a snippet defined in the same Corefile is expanded; imports of files are not read
 * (noted in `unresolvedImports`).
 */
export interface CorefileIssue {
  cause: 'dns.coredns-hosts-missing' | 'dns.coredns-hosts-no-fallthrough';
  line: number;
  name?: string;
  detail: string;
}

export interface CorefileLint {
  issues: CorefileIssue[];
  /** Per name: how it is served (`hosts entry at line N`, `zone block example.com. (line N)`). */
  servedBy: Record<string, string>;
  unresolvedImports: string[];
}

const ZONE_SERVING_PLUGINS = new Set(['hosts', 'file', 'auto', 'template', 'etcd', 'secondary', 'forward', 'route53', 'azure', 'clouddns', 'k8s_external', 'kubernetes', 'grpc', 'whoami', 'erratic']);

function expand(block: CorefileServerBlock, snippets: Map<string, CorefileDirective[]>, unresolved: string[]): CorefileDirective[] {
  const out: CorefileDirective[] = [];
  const walk = (ds: CorefileDirective[], depth: number) => {
    for (const d of ds) {
      if (d.name === 'import' && depth < 5) {
        const snip = d.args[0] ? snippets.get(d.args[0]) : undefined;
        if (snip) walk(snip, depth + 1);
        else unresolved.push(`line ${d.line}: import ${d.args.join(' ')}`);
      } else out.push(d);
    }
  };
  walk(block.directives, 0);
  return out;
}

/** Names listed inline in a hosts block: entry lines are `IP name [name...]`. */
function hostsNames(d: CorefileDirective): string[] {
  return (d.block ?? []).filter((e) => isIP(e.name) !== 0).flatMap((e) => e.args.map((a) => a.toLowerCase().replace(/\.$/, '')));
}

/** `hosts [FILE [ZONES...]]`: the zones it serves are the args after the file, else the block's zones. */
function hostsZones(d: CorefileDirective, block: CorefileServerBlock): string[] {
  const zones = d.args.slice(1).map((z) => (z === '.' ? '.' : `${z.toLowerCase().replace(/\.$/, '')}.`));
  return zones.length ? zones : block.keys.map((k) => k.zone);
}

export function lintCorefile(cf: Corefile, names: string[]): CorefileLint {
  const snippets = new Map(cf.serverBlocks.filter((b) => b.snippet).map((b) => [b.snippet!, b.directives]));
  const unresolvedImports: string[] = [];
  const blocks = cf.serverBlocks.filter((b) => !b.snippet).map((b) => ({ block: b, directives: expand(b, snippets, unresolvedImports) }));
  const issues: CorefileIssue[] = [];
  const servedBy: Record<string, string> = {};

  for (const { block, directives } of blocks) {
    for (const d of directives.filter((x) => x.name === 'hosts')) {
      if (!(d.block ?? []).some((e) => e.name === 'fallthrough')) {
        issues.push({ cause: 'dns.coredns-hosts-no-fallthrough', line: d.line, detail: `hosts block at line ${d.line} (zones ${hostsZones(d, block).join(', ')}) has no fallthrough` });
      }
    }
  }

  for (const raw of names) {
    const name = raw.toLowerCase().replace(/\.$/, '');
    const candidates = blocks.filter(({ block }) => block.keys.some((k) => k.scheme === 'dns' && zoneContains(k.zone, name)));
    const best = Math.max(-1, ...candidates.flatMap(({ block }) => block.keys.filter((k) => zoneContains(k.zone, name)).map((k) => k.zone.length)));
    const chosen = candidates.filter(({ block }) => block.keys.some((k) => zoneContains(k.zone, name) && k.zone.length === best));
    let how: string | undefined;
    for (const { block, directives } of chosen) {
      for (const d of directives.filter((x) => x.name === 'hosts')) {
        if (hostsNames(d).includes(name)) how = `hosts entry in the block at line ${d.line}`;
        else if (d.args[0] && hostsZones(d, block).some((z) => zoneContains(z, name))) how ??= `hosts file ${d.args[0]} (line ${d.line}, not inspected)`;
      }
      const zone = block.keys.find((k) => zoneContains(k.zone, name))?.zone ?? '.';
      if (!how && zone !== '.' && directives.some((d) => ZONE_SERVING_PLUGINS.has(d.name))) how = `server block for zone ${zone} (line ${block.line})`;
    }
    if (how) servedBy[name] = how;
    else {
      const where = chosen[0] ? `server block at line ${chosen[0].block.line} (${chosen[0].block.keys.map((k) => k.raw).join(' ')})` : 'no server block covers it';
      issues.push({ cause: 'dns.coredns-hosts-missing', line: chosen[0]?.block.line ?? 1, name, detail: where });
    }
  }
  return { issues, servedBy, unresolvedImports };
}
