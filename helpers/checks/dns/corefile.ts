import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import { finding } from '../../findings/make-finding.ts';
import { CorefileSyntaxError, parseCorefile } from '../../parsers/corefile.ts';
import { targetPath } from '../../target/load.ts';
import type { Check } from '../check.ts';
import { lintCorefile } from './corefile-lint.ts';
import { dnsNames } from './session.ts';

/**
 * Lints the CoreDNS Corefile named by dns.corefile for the registry names. An unreadable or
 * malformed Corefile is a UsageError naming file and line (the input given to hybrid-doctor is
 * wrong or not a Corefile), not a finding.
 */
export const dnsCorefile: Check = {
  id: 'corefile',
  suite: 'dns',
  title: 'CoreDNS Corefile serves the registry name',
  applies(target) {
    if (!target.dns.corefile) return 'no dns.corefile configured';
    return dnsNames(target).length ? true : 'no names to check (harbor.url is an IP address and dns.names is empty)';
  },
  async run(ctx) {
    const path = targetPath(ctx.target, ctx.target.dns.corefile!);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`dns.corefile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
    let cf;
    try {
      cf = parseCorefile(text);
    } catch (err) {
      if (err instanceof CorefileSyntaxError) throw new UsageError(`dns.corefile: ${path}:${err.line}: malformed Corefile: ${err.message.replace(/^line \d+: /, '')}`, { cause: err });
      throw err;
    }
    const lint = lintCorefile(cf, dnsNames(ctx.target));
    const findings = lint.issues.map((i) =>
      finding(i.cause, {
        subject: `${path}:${i.line}`,
        params: { path: `${path}:${i.line}`, ...(i.name ? { name: i.name } : {}), detail: i.detail },
        evidence: { file: path, line: i.line, ...(i.name ? { name: i.name } : {}), detail: i.detail },
      }),
    );
    return { findings, evidence: { file: path, servedBy: lint.servedBy, serverBlocks: cf.serverBlocks.length, ...(lint.unresolvedImports.length ? { unresolvedImports: lint.unresolvedImports } : {}) } };
  },
};
