import { parseArgs } from 'node:util';
import type { SuiteId } from '../checks/check.ts';
import type { CorrelationInput } from '../diagnose/diagnose.ts';
import type { CauseId } from '../findings/cause-ids.ts';
import { UsageError } from '../errors.ts';
import type { CheckResult, Finding } from '../findings/finding.ts';
import { EXIT, exitCode } from '../runner/exit-code.ts';
import { redactor } from '../redact.ts';
import { COMMANDS } from './options.ts';
import { processTimings } from '../timings.ts';

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
    options: COMMANDS.diagnose.options,
    allowPositionals: true,
  });
  const timings = values.timings ? processTimings() : undefined;
  timings?.mark('imports (CLI and the diagnose command)');
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
  await (await import('../target/preflight.ts')).preflight(target); // kubeconfig, context, credential sources: exit 2 before anything runs
  timings?.mark('target load + preflight');
  const signal = AbortSignal.timeout(target.timeouts.runMs);
  const progress = diagnoseProgress(process.stderr);
  let report: Report;
  let correlation: { checks: CheckResult[]; findings: Finding[] } = { checks: [], findings: [] };
  try {
    // The correlation suites run all at once. For one pod or one namespace they start once the
    // pods' symptoms are known, and only those that can explain them run (a missing tag needs
    // none); for --all-namespaces every suite starts at once and overlaps the long API reads.
    let run: Promise<{ checks: CheckResult[]; findings: Finding[] }> | undefined;
    let corr: ((symptoms: readonly CauseId[]) => Promise<CorrelationInput>) | Promise<CorrelationInput> | undefined;
    let corrSuites: SuiteId[] = [];
    let correlationResult: { checks: CheckResult[] } | undefined;
    const listingRow = pod ? 'reading the pod and its events' : 'listing pods, events, nodes';
    if (values.target && !values['no-correlate']) {
      const { runSuites } = await import('../runner/run-suites.ts');
      const { suitesFor } = await import('../diagnose/correlate.ts');
      timings?.mark('imports (the correlation suites)');
      // Probe pods (the node checks that see certs.d, resolv.conf, the containerd config) run only
      // when the target allows them; --read-only forbids them whatever the target says.
      const readOnly = Boolean(values['read-only']);
      const t = { ...target, kubernetes: target.kubernetes ? { ...target.kubernetes, allowProbes: target.kubernetes.allowProbes && !readOnly } : undefined } as typeof target;
      const harborHost = new URL(target.harbor.url).host;
      const start = (suites: SuiteId[]) => {
        if (suites.length) progress.phase(`checking ${suites.join(', ')} (to name the cause behind a symptom)`);
        corrSuites = suites;
        run = runSuites(t, suites, { signal, concurrent: true });
        run.then((r) => (correlationResult = r)).catch(() => {}); // awaited below; a listing error first must not leave it unhandled
        return run.then((r) => ({ findings: r.findings, verifiedHosts: r.checks.some((c) => c.suite === 'tls' && c.id === 'trust' && c.status === 'passed') ? [harborHost] : [] }));
      };
      if (values['all-namespaces']) corr = start(CORRELATION_SUITES);
      else corr = (symptoms) => start(suitesFor(symptoms, CORRELATION_SUITES));
    } else timings?.add(`correlation (${values.target ? '--no-correlate' : 'no --target'}: skipped)`, 0);
    const { kubeForTarget } = await import('../kube/client.ts');
    const { diagnose } = await import('../diagnose/diagnose.ts');
    const kube = kubeForTarget(target, signal);
    timings?.mark('imports (kube client, diagnosis)');
    progress.phase(pod ? `reading pod ${values.namespace ?? 'default'}/${pod}` : 'listing pods and events');
    report = await diagnose({
      kube,
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(pod ? { pod } : {}),
      allNamespaces: Boolean(values['all-namespaces']),
      ...(corr ? { correlation: corr } : {}),
      readOnly: Boolean(values['read-only']) || !target.kubernetes?.allowProbes,
      withTarget: Boolean(values.target),
      signal,
      ...(target.kubernetes?.hybridSelector ? { hybridSelector: target.kubernetes.hybridSelector } : {}),
      onProgress: (p) => {
        // Rows: the reads, then (with a target) the correlation — for -A only what is left of it
        // after the reads it overlapped —, then the analysis (pass 1, the symptoms, is in it).
        if (p.phase === 'analysing') timings?.mark(listingRow);
        if (p.phase === 'correlated') {
          timings?.mark(`correlation (${corrSuites.join(', ') || 'none: no suite can explain these symptoms'})`);
          for (const c of correlationResult?.checks ?? []) timings?.add(`${c.suite}/${c.id}`, c.durationMs, 1);
        }
        progress.diagnose(p);
      },
    });
    timings?.mark('analysis');
    if (run) correlation = await (run as Promise<{ checks: CheckResult[]; findings: Finding[] }>);
  } finally {
    progress.end(); // clears the live line before the report or an error is printed
  }
  if (values.markdown) {
    const { buildDiagnosisMarkdown } = await import('../../reports/markdown-summary.ts');
    (await import('node:fs')).writeFileSync(values.markdown, buildDiagnosisMarkdown(report));
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(redactor.value(report), null, 2)}\n`);
  } else {
    process.stdout.write(redactor.text(renderDiagnosis(report)));
  }
  if (timings) {
    timings.mark('report (stdout)');
    process.stderr.write(timings.render({ notes: ['indented rows break down the row above and are not added; check durations overlap: checks of a suite run concurrently'] }));
  }
  // 3 when a correlation check errored; else 1 when a pod is stuck pulling.
  return exitCode(correlation, 'error') === EXIT.internal ? EXIT.internal : report.pods.length > 0 ? EXIT.findings : EXIT.ok;
}

type Out = { write(s: string): unknown; isTTY?: boolean; columns?: number };

const n = (x: number) => x.toLocaleString('en-US');

/**
 * `diagnose`'s progress on stderr (stdout stays the report, pure JSON with --json). On a
 * terminal one line rewritten in place (at most every 100 ms) with the running counts and the
 * elapsed time; otherwise one plain line per phase. `end()` clears the live line.
 */
export function diagnoseProgress(out: Out, opts: { live?: boolean; now?: () => number } = {}) {
  const live = opts.live ?? Boolean(out.isTTY);
  const now = opts.now ?? Date.now;
  let text = '';
  let since = now();
  let drawn = 0;
  let shown = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const draw = () => {
    const cols = (out.columns || 80) - 1;
    let line = `${text} · ${Math.floor((now() - since) / 1000)} s`;
    if (line.length > cols) line = `${line.slice(0, cols - 1)}…`;
    out.write(`\r\x1b[2K${line}`);
    shown = true;
    drawn = now();
  };
  const set = (t: string, force: boolean) => {
    text = t;
    if (live && (force || now() - drawn >= 100)) draw();
  };
  let listed: { pods: number; events: number; nodes: number } | undefined;
  return {
    /** A new phase: its own line without a terminal. */
    phase(t: string): void {
      since = now();
      if (!live) out.write(`hybrid-doctor: ${t}…\n`);
      else if (!timer) {
        // Long phases (checks, a slow API server) still show time passing.
        timer = setInterval(draw, 1000);
        timer.unref?.();
      }
      set(`${t}…`, true);
    },
    diagnose(p: import('../diagnose/diagnose.ts').DiagnoseProgress): void {
      if (p.phase === 'listing') {
        listed = p;
        if (live) set(`listing… ${n(p.pods)} pods, ${n(p.events)} events, ${n(p.nodes)} nodes`, false);
      } else if (p.phase === 'analysing') {
        if (!live && listed) out.write(`hybrid-doctor: listed ${n(listed.pods)} pods, ${n(listed.events)} events, ${n(listed.nodes)} nodes\n`);
        this.phase(`analysing ${n(p.pods)} pod${p.pods === 1 ? '' : 's'}`);
      }
    },
    end(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (live && shown) out.write('\r\x1b[2K');
      shown = false;
    },
  };
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
      if (p.reading) out.push(`      reading: ${p.reading}`);
      if (p.alternatives) out.push(`      could also be ${p.alternatives.causes.join(', ')}${p.alternatives.distinguish ? `; to tell apart: ${p.alternatives.distinguish}` : ''}`);
      for (const w of p.nodeWarnings ?? []) out.push(`      also on ${p.node}: ${w.cause} — ${w.message.slice(0, 200)}`);
    }
    if (pods.length > 10) out.push(`  · … and ${pods.length - 10} more`);
  }
  return `${out.join('\n')}\n`;
}
