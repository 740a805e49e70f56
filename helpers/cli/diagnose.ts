import { parseArgs } from 'node:util';
import type { SuiteId } from '../checks/check.ts';
import { UsageError } from '../errors.ts';
import type { CheckResult, Finding } from '../findings/finding.ts';
import { EXIT as EXIT_CODES, exitCode } from '../runner/exit-code.ts';
import { redactor } from '../redact.ts';
import { EXIT } from './main.ts';

/** Suites whose findings the diagnosis correlates with (cheap, read-only). */
const CORRELATION_SUITES: SuiteId[] = ['tls', 'dns', 'robot-auth', 'pull-secrets', 'cluster-dns', 'nodes'];

/**
 * `diagnose [--json] [--target FILE | --kubeconfig F --context C] [POD | --namespace NS | --all-namespaces]`:
 * one root cause per pod stuck pulling. With a target, the registry-facing and pull-secret
 * checks run first so the diagnosis can name the cause behind the symptom (401 → which secret).
 */
export async function diagnoseCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      target: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      'no-correlate': { type: 'boolean' },
      'read-only': { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 1) throw new UsageError('diagnose takes at most one POD');
  const pod = positionals[0];
  if (pod && values['all-namespaces']) throw new UsageError('give a POD or --all-namespaces, not both');
  const { loadTarget, parseTarget } = await import('../target/load.ts');
  let target;
  if (values.target) {
    target = loadTarget(values.target);
    if (values.kubeconfig || values.context) {
      target = { ...target, kubernetes: { ...(target.kubernetes ?? { allowProbes: false, probeNamespace: 'hybrid-doctor', hybridSelector: 'eks.amazonaws.com/compute-type=hybrid' }), ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), ...(values.context ? { context: values.context } : {}) } };
    }
  } else {
    // No target: only the cluster is known. A throwaway in-memory target carries the kubeconfig.
    target = parseTarget(`harbor: { url: "https://registry.invalid" }\nkubernetes: ${JSON.stringify({ ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), ...(values.context ? { context: values.context } : {}) })}\n`, '<diagnose>');
  }
  (await import('../target/preflight.ts')).preflight(target); // kubeconfig, context, credential sources: exit 2 before anything runs
  const signal = AbortSignal.timeout(target.timeouts.runMs);
  let prior: Finding[] = [];
  let correlation: { checks: CheckResult[]; findings: Finding[] } = { checks: [], findings: [] };
  if (values.target && !values['no-correlate']) {
    const { runSuites } = await import('../runner/run-suites.ts');
    // Probe pods (the node checks that see certs.d, resolv.conf, the containerd config) run only
    // when the target allows them; --read-only forbids them whatever the target says.
    const readOnly = Boolean(values['read-only']);
    const run = await runSuites({ ...target, kubernetes: target.kubernetes ? { ...target.kubernetes, allowProbes: target.kubernetes.allowProbes && !readOnly } : undefined } as typeof target, CORRELATION_SUITES, { signal });
    prior = run.findings;
    correlation = run;
  }
  const { kubeForTarget } = await import('../kube/client.ts');
  const { diagnose } = await import('../diagnose/diagnose.ts');
  const kube = kubeForTarget(target, signal);
  const report = await diagnose({
    kube,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(pod ? { pod } : {}),
    allNamespaces: Boolean(values['all-namespaces']),
    priorFindings: prior,
    signal,
    ...(target.kubernetes?.hybridSelector ? { hybridSelector: target.kubernetes.hybridSelector } : {}),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(redactor.value(report), null, 2)}\n`);
  } else {
    process.stdout.write(redactor.text(renderDiagnosis(report)));
  }
  // 3 when a correlation check errored; else 1 when a pod is stuck pulling.
  return exitCode(correlation, 'error') === EXIT_CODES.checkError ? EXIT_CODES.checkError : report.pods.length > 0 ? EXIT.findings : EXIT.ok;
}

type Report = Awaited<ReturnType<typeof import('../diagnose/diagnose.ts').diagnose>>;

export function renderDiagnosis(r: Report): string {
  const scope = r.scope.pod ? `pod ${r.scope.namespace ?? 'default'}/${r.scope.pod}` : r.scope.allNamespaces ? 'all namespaces' : `namespace ${r.scope.namespace ?? 'default'}`;
  const out: string[] = [`hybrid-doctor diagnose · ${scope} · ${r.stats.podsScanned} pods, ${r.stats.eventsScanned} events in ${r.stats.ms} ms`];
  if (r.pods.length === 0) return `${out.join('\n')}\nNo pod is failing to pull its images.\n`;
  for (const g of r.groups) {
    const example = r.pods.find((p) => p.cause === g.cause)!;
    out.push('', `${g.cause}: ${g.count} pod(s) on ${g.nodes.length} node(s) [${g.nodeTypes.join(', ')}] in ${g.namespaces.join(', ')}`);
    out.push(`  ${example.remediation.summary}`);
    for (const s of example.remediation.steps.slice(0, 4)) out.push(`    - ${s}`);
    const pods = r.pods.filter((p) => p.cause === g.cause);
    for (const p of pods.slice(0, 10)) {
      const why = p.correlation ? ` (symptom ${p.symptom}; ${p.correlation.prior} on ${p.correlation.subject})` : '';
      out.push(`  · ${p.namespace}/${p.pod} on ${p.node ?? '(unscheduled)'}${why}`);
      out.push(`      ${p.evidence.message.slice(0, 300)}`);
    }
    if (pods.length > 10) out.push(`  · … and ${pods.length - 10} more`);
  }
  return `${out.join('\n')}\n`;
}
