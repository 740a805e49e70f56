import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One sample line: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: the `# TYPE` name, its type, and every sample that belongs to it. */
export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';
  help: string;
  samples: Sample[];
}

export type Families = Map<string, Family>;

/** The body is not Prometheus text exposition format; `detail` says why, for the finding. */
export class NotPrometheusText extends Error {
  readonly detail: string;
  constructor(detail: string) {
    super(`not Prometheus text format: ${detail}`);
    this.name = 'NotPrometheusText';
    this.detail = detail;
  }
}

const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
const LABEL_RE = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'] as const;

function parseValue(raw: string): number | undefined {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

function parseLabels(raw: string, lineNo: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (LABEL_RE.lastIndex < raw.length && (m = LABEL_RE.exec(raw)) !== null) {
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  if (LABEL_RE.lastIndex !== raw.length && raw.slice(LABEL_RE.lastIndex).trim() !== '') {
    throw new NotPrometheusText(`line ${lineNo}: malformed label set {${raw.slice(0, 80)}}`);
  }
  return labels;
}

/**
 * Parses Prometheus text exposition format (version 0.0.4) into families with every sample.
 *
 * Why not only `parse-prometheus-text-format`: v1.1.1 keeps one entry per summary/histogram
 * family and drops its labels, `_sum` and `_count` when several label sets exist (Harbor's
 * `harbor_core_http_request_duration_seconds` has one per method/operation), and it accepts
 * lines such as `hello world foo` as untyped samples. It is used here as the syntax gate (it
 * throws on malformed sample lines) and for HELP/TYPE metadata; samples come from the strict
 * line parser below, which also rejects non-numeric values, HTML, JSON and binary bodies.
 */
export function parsePrometheusText(body: string): Families {
  if (body.trim() === '') throw new NotPrometheusText('the response body is empty');
  if (body.includes('\u0000') || /[\u0001-\u0008\u000e-\u001f]/.test(body.slice(0, 4096))) {
    throw new NotPrometheusText('the response body is binary (control characters in the first 4 KiB)');
  }
  const head = body.trimStart().slice(0, 200);
  if (/^<(!doctype|html|\?xml|head|body)/i.test(head)) throw new NotPrometheusText('the response body is HTML, not metrics (a web page or error page answered)');
  if (/^[[{]/.test(head)) throw new NotPrometheusText('the response body is JSON, not metrics (an API answered instead of the metrics endpoint)');

  let meta: ReturnType<typeof parsePrometheusTextFormat>;
  try {
    meta = parsePrometheusTextFormat(body);
  } catch (err) {
    throw new NotPrometheusText(err instanceof Error ? err.message : String(err));
  }
  const families: Families = new Map();
  for (const f of meta) {
    families.set(f.name, { name: f.name, type: f.type.toLowerCase() as Family['type'], help: f.help, samples: [] });
  }

  const lines = body.split(/\r?\n/);
  let samples = 0;
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = SAMPLE_RE.exec(t);
    if (!m) throw new NotPrometheusText(`line ${i + 1}: not a sample line: ${t.slice(0, 80)}`);
    const value = parseValue(m[4]!);
    if (value === undefined) throw new NotPrometheusText(`line ${i + 1}: value "${m[4]!.slice(0, 40)}" is not a number`);
    const name = m[1]!;
    const labels = m[3] ? parseLabels(m[3], i + 1) : {};
    samples++;
    let fam = families.get(name);
    if (!fam || fam.type === 'untyped') {
      for (const s of SUFFIXES) {
        if (!name.endsWith(s)) continue;
        const base = families.get(name.slice(0, -s.length));
        if (base && base.type !== 'untyped' && base.type !== 'gauge') { fam = base; break; }
      }
    }
    if (!fam) {
      fam = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, fam);
    }
    fam.samples.push({ name, labels, value });
  });
  if (samples === 0) throw new NotPrometheusText('no samples (only comments or blank lines)');
  return families;
}

/** Sum of sample values of `family` whose labels match `where` (exact values or predicates). */
export function sumSamples(
  fam: Family | undefined,
  where: Record<string, string | ((v: string) => boolean)> = {},
  sampleName?: string,
): number {
  if (!fam) return 0;
  let total = 0;
  for (const s of fam.samples) {
    if (sampleName && s.name !== sampleName) continue;
    if (!sampleName && fam.type === 'counter' && s.name.endsWith('_created')) continue;
    let ok = true;
    for (const [k, cond] of Object.entries(where)) {
      const v = s.labels[k];
      if (v === undefined || (typeof cond === 'string' ? v !== cond : !cond(v))) { ok = false; break; }
    }
    if (ok && Number.isFinite(s.value)) total += s.value;
  }
  return total;
}
