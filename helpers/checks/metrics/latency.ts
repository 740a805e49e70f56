import type { Family } from './prom-text.ts';

/** One latency series: the labels that identify it (without quantile/le) and its p99 in seconds. */
export interface LatencySeries {
  labels: Record<string, string>;
  p99: number;
  /** Observations behind the value (`_count`), when exposed. */
  count?: number;
  source: 'summary' | 'histogram';
}

const keyOf = (labels: Record<string, string>, drop: string) =>
  JSON.stringify(Object.entries(labels).filter(([k]) => k !== drop).sort(([a], [b]) => a.localeCompare(b)));

/**
 * p99 per series of a latency family, from a summary's `quantile="0.99"` samples or, for a
 * histogram, from its cumulative `_bucket` samples with Prometheus' `histogram_quantile` rule
 * (linear interpolation inside the bucket; the +Inf bucket yields the highest finite bound).
 * Summary quantiles in Go clients cover a sliding window (10 minutes by default), histograms
 * and counts are cumulative since process start.
 */
export function p99Series(fam: Family | undefined, quantile = 0.99): LatencySeries[] {
  if (!fam) return [];
  const counts = new Map<string, number>();
  for (const s of fam.samples) if (s.name.endsWith('_count')) counts.set(keyOf(s.labels, ''), s.value);
  const out: LatencySeries[] = [];
  if (fam.type === 'summary' || fam.samples.some((s) => s.labels.quantile !== undefined)) {
    for (const s of fam.samples) {
      if (s.name !== fam.name || s.labels.quantile === undefined) continue;
      if (Math.abs(Number(s.labels.quantile) - quantile) > 1e-9 || Number.isNaN(s.value)) continue;
      const { quantile: _q, ...labels } = s.labels;
      const count = counts.get(keyOf(labels, ''));
      out.push({ labels, p99: s.value, source: 'summary', ...(count !== undefined ? { count } : {}) });
    }
    return out;
  }
  const groups = new Map<string, { labels: Record<string, string>; buckets: { le: number; c: number }[] }>();
  for (const s of fam.samples) {
    if (!s.name.endsWith('_bucket') || s.labels.le === undefined) continue;
    const k = keyOf(s.labels, 'le');
    const { le, ...labels } = s.labels;
    const g = groups.get(k) ?? { labels, buckets: [] };
    g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), c: s.value });
    groups.set(k, g);
  }
  for (const g of groups.values()) {
    const v = histogramQuantile(quantile, g.buckets);
    if (v === undefined) continue;
    const count = counts.get(keyOf(g.labels, ''));
    out.push({ labels: g.labels, p99: v, source: 'histogram', ...(count !== undefined ? { count } : {}) });
  }
  return out;
}

/** Prometheus' histogram_quantile over cumulative buckets; undefined when there are no observations. */
export function histogramQuantile(q: number, raw: { le: number; c: number }[]): number | undefined {
  const b = [...raw].filter((x) => !Number.isNaN(x.le)).sort((x, y) => x.le - y.le);
  if (b.length === 0 || b[b.length - 1]!.le !== Infinity) return undefined;
  const total = b[b.length - 1]!.c;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let i = b.findIndex((x) => x.c >= rank);
  if (i < 0) i = b.length - 1;
  if (b[i]!.le === Infinity) return b.length >= 2 ? b[b.length - 2]!.le : undefined;
  const lowerBound = i === 0 ? 0 : b[i - 1]!.le;
  const lowerCount = i === 0 ? 0 : b[i - 1]!.c;
  const inBucket = b[i]!.c - lowerCount;
  if (inBucket <= 0) return b[i]!.le;
  return lowerBound + (b[i]!.le - lowerBound) * ((rank - lowerCount) / inBucket);
}
