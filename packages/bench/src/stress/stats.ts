/** Latency summary in milliseconds; undefined fields when there were no samples. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Nearest-rank percentiles of raw samples (a copy is sorted; the input is left alone). */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? 0) };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
