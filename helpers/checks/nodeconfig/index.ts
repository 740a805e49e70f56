import { UsageError } from '../../errors.ts';
import { notConfigured, type Check } from '../check.ts';
import { targetPath } from '../../target/load.ts';
import { lintNodeConfigFile } from './lint.ts';

export { lintNodeConfigFile, lintNodeConfigText, type NodeConfigLint, type NodeConfigLintOptions } from './lint.ts';
export { lintHostsToml, type HostsTomlOptions } from './hosts-toml.ts';
export { lintContainerdToml } from './containerd-toml.ts';

/**
 * The target's NodeConfig (target.nodeconfig), linted statically: schema and hybrid rules,
 * kubelet flags/config, and the containerd TOML inside it. The same code backs
 * `hybrid-doctor lint nodeconfig FILE`.
 */
export const nodeconfigLintCheck: Check = {
  id: 'lint',
  suite: 'nodeconfig',
  title: 'NodeConfig and its containerd config are valid',
  applies: (t) => (t.nodeconfig ? true : 'no nodeconfig in the target'),
  async run(ctx) {
    const path = targetPath(ctx.target, ctx.target.nodeconfig!);
    const harborHost = new URL(ctx.target.harbor.url).host;
    try {
      const r = lintNodeConfigFile(path, { harborHost });
      return { findings: r.findings, evidence: { file: path, ...r.evidence } };
    } catch (err) {
      // Unreadable file or MIME user data: the target's input is not a NodeConfig this check can
      // read. Not a finding about the nodes, not a hybrid-doctor failure: not checked, saying why.
      if (err instanceof UsageError) return notConfigured(`nodeconfig: ${err.message}${err.hint ? ` (${err.hint})` : ''}`, { file: path });
      throw err;
    }
  },
};

export const nodeconfigChecks: Check[] = [nodeconfigLintCheck];
