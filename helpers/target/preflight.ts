import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { UsageError } from '../errors.ts';
import { loadCaBundle } from '../net/ca-bundle.ts';
import { CorefileSyntaxError, parseCorefile } from '../parsers/corefile.ts';
import { readSecret, targetPath, type Target } from './load.ts';

/**
 * Reads every input the target names (CA bundle, secrets, Corefile, kubeconfig) before any check
 * runs, so a user mistake — unreadable or garbage PEM, missing secret, malformed Corefile, a
 * kubeconfig that does not load, a context it does not have, a credential file or exec plugin
 * that is not there — is one clear UsageError (exit 2) instead of the same error in every check
 * that needs the input. Files that are themselves the object of a check (the NodeConfig) are not
 * judged here. Nothing is contacted. Async only for the kube client: @kubernetes/client-node
 * costs ~0.7 s to import and a target without a `kubernetes` block never loads it.
 */
export async function preflight(target: Target): Promise<void> {
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
  if (target.kubernetes) preflightKubeconfig(target, (await import('../kube/client.ts')).loadKubeConfig);
}

/**
 * The kubeconfig loads, has the context (loadKubeConfig says which exist), and the credential
 * sources of that context resolve: CA, client certificate and key files readable, a token file
 * present, an exec plugin's command found (absolute path or on PATH).
 */
function preflightKubeconfig(target: Target, loadKubeConfig: typeof import('../kube/client.ts').loadKubeConfig): void {
  const kc = loadKubeConfig(target);
  const context = kc.getCurrentContext();
  const where = `kubeconfig context "${context}"`;
  const readable = (what: string, file: string | undefined) => {
    if (!file) return;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new UsageError(`${where}: ${what} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  readable('certificate-authority', kc.getCurrentCluster()?.caFile);
  const user = kc.getCurrentUser();
  if (!user) throw new UsageError(`${where} names a user that is not defined in the kubeconfig`);
  readable('client-certificate', user.certFile);
  readable('client-key', user.keyFile);
  const provider = user.authProvider as { config?: { tokenFile?: string; exec?: { command?: string } } } | undefined;
  readable('auth-provider tokenFile', provider?.config?.tokenFile);
  const exec = (user.exec ?? provider?.config?.exec) as { command?: string } | undefined;
  if (exec) {
    if (!exec.command) throw new UsageError(`${where}: the exec credential plugin of user "${user.name}" names no command`);
    if (!commandExists(exec.command)) {
      throw new UsageError(`${where}: the exec credential plugin command "${exec.command}" of user "${user.name}" is not found${isAbsolute(exec.command) ? '' : ' on PATH'}`, { hint: 'install it (e.g. the AWS CLI for `aws eks get-token`) or use a kubeconfig with another credential' });
    }
  }
}

function commandExists(command: string): boolean {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(command);
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean).some((dir) => executable(join(dir, command)));
}
