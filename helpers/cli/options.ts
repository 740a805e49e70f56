import { SUITES } from '../checks/check.ts';

/**
 * The command line's single source of truth: one table per command. `parseArgs` reads the
 * options from here (name, type, short alias; node:util ignores the other fields) and the help
 * text and README's command-line block are generated from the same table, so a flag cannot exist
 * without being documented (helpers/cli/options.test.ts).
 */
export type OptionSpec = {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown after a string option: `--target FILE`. */
  readonly value?: string;
  readonly description: string;
};

export type CommandSpec = {
  /** What follows `hybrid-doctor` in the synopsis before the options (`lint nodeconfig`). */
  readonly name: string;
  /** Positionals, shown after the options in the synopsis (`MESSAGE`, `[POD]`). */
  readonly args?: string;
  /** Show `args` before the options (`sandbox up|down|status [--scenario ID]`). */
  readonly argsFirst?: boolean;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly notes?: readonly string[];
};

const HELP_OPTION = { type: 'boolean', short: 'h', description: 'Print this help.' } as const;

export const COMMANDS = {
  run: {
    name: 'run',
    summary: 'Run the suites against a target (one test per check) and write the JSON, JUnit and Allure reports.',
    options: {
      target: { type: 'string', value: 'FILE', description: 'Target file (YAML, schema/target.schema.json). Without it, the local sandbox is used (started if needed).' },
      suites: { type: 'string', value: 'a,b', description: 'Comma-separated suites to run (default: all).' },
      out: { type: 'string', value: 'DIR', description: 'Output folder for every report not named by its own flag (default: ./out in the current folder).' },
      json: { type: 'string', value: 'FILE', description: 'JSON report (default: OUT/report.json).' },
      junit: { type: 'string', value: 'FILE', description: 'JUnit XML report (default: OUT/junit.xml).' },
      markdown: { type: 'string', value: 'FILE', description: "Markdown summary for a CI job page (verdict, counts, findings, fixes, not checked), at most 1 MiB (GitHub's job summary limit). Written only when given." },
      'allure-dir': { type: 'string', value: 'DIR', description: 'Allure results (default: OUT/allure-results). Emptied before the run.' },
      html: { type: 'string', value: 'DIR', description: 'Allure HTML report folder (default: OUT/allure-report). Emptied before writing.' },
      'no-html': { type: 'boolean', description: 'Do not generate the Allure HTML report.' },
      'fail-on': { type: 'string', value: 'error|warning', description: 'Lowest finding severity that fails the run with exit 1 (default: error).' },
      quiet: { type: 'boolean', description: 'Print only the final summary (no progress).' },
      timings: { type: 'boolean', description: 'After the output, print to stderr where the time went: process start, imports, target load, each suite and check, reports, HTML.' },
      help: HELP_OPTION,
    },
    notes: [
      `Suites: ${SUITES.join(', ')}.`,
      'Folders given by --out, --allure-dir and --html must be new, empty, or made by hybrid-doctor (it leaves a .hybrid-doctor-output marker in every folder it creates); anything else is refused (exit 2), never deleted.',
      'Progress goes to stderr (one live line on a terminal, one line per suite otherwise); the summary to stdout.',
    ],
  },
  watch: {
    name: 'watch',
    summary: 'Run the suites on an interval and serve the results as Prometheus metrics (/metrics) with a health endpoint (/healthz).',
    options: {
      target: { type: 'string', value: 'FILE', description: 'Target file (YAML, schema/target.schema.json). Required.' },
      suites: { type: 'string', value: 'a,b', description: 'Comma-separated suites to run (default: all).' },
      interval: { type: 'string', value: 'DURATION', description: 'Time from the start of one run to the start of the next: 30s, 5m, 1h (default: 5m, at least 1s). Runs never overlap.' },
      listen: { type: 'string', value: 'HOST:PORT', description: 'Where to serve /metrics and /healthz (default: 127.0.0.1:9464; port 0 picks a free one).' },
      'fail-on': { type: 'string', value: 'error|warning', description: 'Lowest finding severity that makes a run unsuccessful (hybrid_doctor_last_success_timestamp_seconds; default: error).' },
      help: HELP_OPTION,
    },
    notes: [
      'Metrics: hybrid_doctor_check_status{suite,check,status}, hybrid_doctor_findings{cause,severity}, hybrid_doctor_runs_total{result}, hybrid_doctor_last_run_timestamp_seconds, hybrid_doctor_last_success_timestamp_seconds, hybrid_doctor_last_run_exit_code, hybrid_doctor_run_duration_seconds, hybrid_doctor_watch_interval_seconds, hybrid_doctor_certificate_expiry_seconds, hybrid_doctor_dns_latency_seconds, hybrid_doctor_pull_latency_seconds, hybrid_doctor_robot_expiry_seconds.',
      'SIGINT or SIGTERM stops the run in progress and exits 0.',
    ],
  },
  explain: {
    name: 'explain',
    args: 'MESSAGE',
    summary: 'Classify a pasted kubelet event, pod waiting message or ctr/crictl error: cause, fix, docs. MESSAGE may come on stdin.',
    options: {
      json: { type: 'boolean', description: 'Print the classification as JSON.' },
      help: HELP_OPTION,
    },
  },
  lint: {
    name: 'lint nodeconfig',
    args: 'FILE',
    summary: "Check a nodeadm NodeConfig file's containerd registry setup offline.",
    options: {
      json: { type: 'boolean', description: 'Print the findings as JSON.' },
      'harbor-host': { type: 'string', value: 'HOST', description: 'The registry host the NodeConfig must configure (host[:port]).' },
      'containerd-merge': { type: 'string', value: 'import|merge', description: 'How nodeadm combines containerd config: "import" (containerd 1.x) or "merge" (containerd 2.x).' },
      help: HELP_OPTION,
    },
  },
  lintHarbor: {
    name: 'lint harbor',
    args: 'FILE',
    summary: "Check a Harbor v2.13 harbor.yml offline: the template's schema and prepare's rules, URL, HTTPS files, default passwords, metrics, Trivy, log and data retention.",
    options: {
      json: { type: 'boolean', description: 'Print the findings as JSON.' },
      url: { type: 'string', value: 'URL', description: 'The Harbor URL nodes use (https://host[:port]); compared with hostname / external_url and checked against the certificate.' },
      'metrics-url': { type: 'string', value: 'URL', description: 'The metrics URL Prometheus scrapes (http://host:9090/metrics); compared with metric.port and metric.path.' },
      'prevent-vul': { type: 'boolean', description: 'Projects are expected to block vulnerable images: flag a Trivy that cannot update its database.' },
      'scrape-config': { type: 'string', value: 'FILE', description: 'Prometheus config (prometheus.yml or a ConfigMap holding it) to lint against the metrics URL (--metrics-url, else the one harbor.yml configures).' },
      help: HELP_OPTION,
    },
    notes: [
      'Relative certificate paths are read from the folder of FILE. Malformed YAML or an unreadable FILE exits 2; findings exit 1 (info only: 0).',
    ],
  },
  diagnose: {
    name: 'diagnose',
    args: '[POD]',
    summary: 'Find the root cause of every pod stuck pulling its images (read-only by default).',
    options: {
      target: { type: 'string', value: 'FILE', description: 'Target file: its registry and pull-secret checks run first so a symptom (401) is traced to its cause.' },
      kubeconfig: { type: 'string', value: 'FILE', description: 'Kubeconfig to use (default: the target\'s, else $KUBECONFIG or ~/.kube/config).' },
      context: { type: 'string', value: 'NAME', description: 'Kubeconfig context to use.' },
      namespace: { type: 'string', short: 'n', value: 'NS', description: 'Namespace to look in (default: default).' },
      'all-namespaces': { type: 'boolean', short: 'A', description: 'Look in every namespace.' },
      'no-correlate': { type: 'boolean', description: 'With --target: skip the checks that name the cause behind a symptom.' },
      'read-only': { type: 'boolean', description: 'Never start probe pods, whatever the target allows.' },
      json: { type: 'boolean', description: 'Print the diagnosis as JSON on stdout (progress stays on stderr).' },
      markdown: { type: 'string', value: 'FILE', description: 'Also write the diagnosis as Markdown (a CI job page, an incident ticket), at most 1 MiB.' },
      timings: { type: 'boolean', description: 'After the output, print to stderr where the time went: process start, imports, target load, correlation checks, listing, analysis.' },
      help: HELP_OPTION,
    },
  },
  sandbox: {
    name: 'sandbox',
    args: 'up|down|status',
    argsFirst: true,
    summary: 'Start, stop or inspect the local sandbox (Harbor side + a Kubernetes cluster with a hybrid node). `up` writes a target file.',
    options: {
      scenario: { type: 'string', value: 'ID', description: 'With up: apply a named fault scenario.' },
      json: { type: 'boolean', description: 'Print the result as JSON.' },
      help: HELP_OPTION,
    },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

function flag(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
}

/** `hybrid-doctor run [--target FILE] [--suites a,b] …`, wrapped under `width` columns. */
export function synopsis(cmd: CommandName, width = 100): string {
  const spec: CommandSpec = COMMANDS[cmd];
  const head = `hybrid-doctor ${spec.name}`;
  const parts = Object.entries(spec.options)
    .filter(([name]) => name !== 'help')
    .map(([name, o]) => `[${o.short ? `-${o.short}|` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}]`);
  if (spec.args) {
    if (spec.argsFirst) parts.unshift(spec.args);
    else parts.push(spec.args);
  }
  const lines: string[] = [];
  let line = head;
  for (const p of parts) {
    if (line.length + 1 + p.length > width && line.trim().length > head.length) {
      lines.push(line);
      line = ' '.repeat(head.length);
    }
    line += ` ${p}`;
  }
  lines.push(line);
  return lines.join('\n');
}

function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.map((l, i) => (i === 0 ? l : `${indent}${l}`));
}

/** `hybrid-doctor help COMMAND` / `hybrid-doctor COMMAND --help`. */
export function commandHelp(cmd: CommandName): string {
  const spec: CommandSpec = COMMANDS[cmd];
  const rows = Object.entries(spec.options).map(([name, o]) => [flag(name, o), o.description] as const);
  const col = Math.max(...rows.map(([f]) => f.length)) + 2;
  const lines = ['Usage:', ...synopsis(cmd).split('\n').map((l) => `  ${l}`), '', ...wrap(spec.summary, 100, ''), '', 'Options:'];
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(col)}${wrap(d, 98 - col, ' '.repeat(col + 2)).join('\n')}`);
  if (spec.notes?.length) {
    lines.push('');
    for (const n of spec.notes) lines.push(...wrap(n, 100, ''));
  }
  return `${lines.join('\n')}\n`;
}

export const EXIT_CODES_TEXT = 'Exit codes: 0 nothing at or above the threshold, 1 findings, 2 usage or configuration error, 3 a check or hybrid-doctor itself failed.';

/** `hybrid-doctor` / `hybrid-doctor help`. */
export function mainHelp(): string {
  return [
    'hybrid-doctor: verify and troubleshoot EKS Hybrid Nodes pulling from a private Harbor',
    '',
    'Usage:',
    ...(Object.keys(COMMANDS) as CommandName[]).flatMap((c) => synopsis(c).split('\n').map((l) => `  ${l}`)),
    '',
    'hybrid-doctor help COMMAND (or COMMAND --help) describes every option.',
    'Without --target, run uses the local sandbox (starting it if needed).',
    ...wrap(EXIT_CODES_TEXT, 100, '  '),
    'Docs: README.md, docs/causes.md, schema/target.schema.json',
    '',
  ].join('\n');
}

/** README's "Command line" code block (between the cli-usage markers), checked by options.test.ts. */
export function readmeUsageBlock(): string {
  return ['```', ...(Object.keys(COMMANDS) as CommandName[]).map((c) => synopsis(c)), '```'].join('\n');
}

/** True when the user asked for help anywhere before a `--` (so `explain -- --help` still explains). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
