import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { EXIT } from '../runner/exit-code.ts';
import { COMMANDS } from './options.ts';

/** `sandbox up|down|status [--scenario ID] [--json]`: the local sandbox. `up` writes a target file. */
export async function sandboxCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: COMMANDS.sandbox.options, allowPositionals: true });
  const [action, ...extra] = positionals;
  if (extra.length || !action || !['up', 'down', 'status'].includes(action)) throw new UsageError('sandbox takes up, down or status', { hint: 'hybrid-doctor sandbox up [--scenario ID]' });
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const lifecycle = await import('../../fixtures/sandbox-lifecycle.ts');
  if (action === 'up') {
    if (values.scenario) {
      const { isFaultId, SCENARIO_IDS } = await import('../../fixtures/sandbox/faults.ts');
      if (!isFaultId(values.scenario)) throw new UsageError(`unknown scenario "${values.scenario}"`, { hint: `scenarios: ${SCENARIO_IDS.join(', ')}` });
    }
    const t0 = Date.now();
    const sb = await lifecycle.ensureSandbox({ log: (m) => process.stderr.write(`  ${m}\n`), ...(values.scenario ? { scenario: values.scenario } : {}) });
    if (values.json) process.stdout.write(`${JSON.stringify({ targetFile: sb.targetFile, seconds: (Date.now() - t0) / 1000 }, null, 2)}\n`);
    else process.stdout.write(`sandbox up in ${((Date.now() - t0) / 1000).toFixed(1)} s\ntarget: ${sb.targetFile}\nrun:    npx hybrid-doctor run --target ${sb.targetFile}\n`);
    return EXIT.ok;
  }
  if (action === 'down') {
    const t0 = Date.now();
    const r = await lifecycle.sandboxDown();
    process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `sandbox down in ${((Date.now() - t0) / 1000).toFixed(1)} s (removed ${r.containers.length} containers, ${r.networks.length} networks)\n`);
    return EXIT.ok;
  }
  const st = await lifecycle.sandboxStatus();
  if (values.json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
  else {
    process.stdout.write(`harbor side: ${st.harbor.running ? 'running' : st.harbor.containers.length ? 'partly running' : 'down'}\n`);
    for (const c of st.harbor.containers) process.stdout.write(`  ${c.name.padEnd(16)} ${c.state.padEnd(9)} ${Object.values(c.ips).join(', ')}\n`);
    if (st.harbor.missing.length) process.stdout.write(`  missing: ${st.harbor.missing.join(', ')}\n`);
    process.stdout.write(`cluster (${st.cluster.provider}): ${st.cluster.running ? 'running' : st.cluster.containers.length ? 'partly running' : 'down'}\n`);
    for (const c of st.cluster.containers) process.stdout.write(`  ${c.name.padEnd(16)} ${c.state}\n`);
    for (const n of st.cluster.cluster?.nodes ?? []) process.stdout.write(`  node ${n.name.padEnd(16)} ${n.role.padEnd(13)} ${n.ip} (${n.network})\n`);
    if (st.cluster.cluster) process.stdout.write(`  kubeconfig: ${st.cluster.cluster.kubeconfigPath}\n`);
  }
  return EXIT.ok;
}
