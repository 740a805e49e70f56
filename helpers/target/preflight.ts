import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { loadCaBundle } from '../net/ca-bundle.ts';
import { CorefileSyntaxError, parseCorefile } from '../parsers/corefile.ts';
import { readSecret, targetPath, type Target } from './load.ts';

/**
 * Reads every input the target names (CA bundle, secrets, Corefile) before any check runs, so a
 * user mistake — unreadable or garbage PEM, missing secret, malformed Corefile — is one clear
 * UsageError (exit 2) instead of the same internal error in every check that needs the input.
 * Files that are themselves the object of a check (the NodeConfig) are not judged here.
 */
export function preflight(target: Target): void {
  loadCaBundle(target);
  if (target.robot) readSecret(target, target.robot.secret, 'robot.secret');
  if (target.harbor.admin) readSecret(target, target.harbor.admin.password, 'harbor.admin.password');
  if (target.dns.corefile) {
    const path = targetPath(target, target.dns.corefile);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`dns.corefile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      parseCorefile(text);
    } catch (err) {
      if (err instanceof CorefileSyntaxError) throw new UsageError(`dns.corefile: ${path}:${err.line}: malformed Corefile: ${err.message.replace(/^line \d+: /, '')}`);
      throw err;
    }
  }
  for (const [field, p] of [['nodeconfig', target.nodeconfig], ['metrics.scrapeConfig', target.metrics?.scrapeConfig], ['kubernetes.kubeconfig', target.kubernetes?.kubeconfig]] as const) {
    if (!p) continue;
    try {
      readFileSync(targetPath(target, p));
    } catch (err) {
      throw new UsageError(`${field}: cannot read ${targetPath(target, p)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
}
