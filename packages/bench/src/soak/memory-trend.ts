/** One reading of a series over time. */
export interface TimedValue {
  readonly minute: number;
  readonly value: number;
}

export interface Trend {
  /** Readings before this minute are warm-up and left out. */
  readonly warmUpMinutes: number;
  readonly readings: number;
  readonly mean: number;
  /** Least-squares slope after warm-up, per minute. */
  readonly slopePerMinute: number;
  /** The slope over the measured span, as a share of the mean: 0.05 is +5% over the run. */
  readonly growthShare: number;
  readonly verdict: 'flat' | 'growing' | 'shrinking';
}

/** Growth over the post-warm-up span a soak calls flat: GC sawtooth stays inside it, a leak does not. */
export const FLAT_TOLERANCE = 0.1;

/** The troughs: the lowest reading of each run of `size` readings. */
function troughs(series: readonly TimedValue[], size: number): TimedValue[] {
  const lows: TimedValue[] = [];
  for (let i = 0; i < series.length; i += size) {
    const block = series.slice(i, i + size);
    lows.push(block.reduce((low, r) => (r.value < low.value ? r : low)));
  }
  return lows;
}

/**
 * Whether a series (heap, RSS) is flat after warm-up. A heap reading depends on where the
 * GC cycle is, so the trend is taken through the troughs (the lowest reading of each of ~10
 * blocks: what stays live), with a least-squares line; its rise over the span, against the
 * mean, must stay within FLAT_TOLERANCE.
 */
export function trendAfterWarmUp(series: readonly TimedValue[], warmUpShare = 0.25): Trend {
  const end = series.at(-1)?.minute ?? 0;
  const warmUpMinutes = end * warmUpShare;
  const afterWarmUp = series.filter((r) => r.minute >= warmUpMinutes);
  const kept = troughs(afterWarmUp, Math.max(1, Math.floor(afterWarmUp.length / 10)));
  const n = kept.length;
  const mean = n === 0 ? 0 : kept.reduce((sum, r) => sum + r.value, 0) / n;
  if (n < 3) return { warmUpMinutes, readings: n, mean, slopePerMinute: 0, growthShare: 0, verdict: 'flat' };
  const meanT = kept.reduce((sum, r) => sum + r.minute, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const r of kept) {
    covariance += (r.minute - meanT) * (r.value - mean);
    variance += (r.minute - meanT) ** 2;
  }
  const slopePerMinute = variance === 0 ? 0 : covariance / variance;
  const span = (kept.at(-1)?.minute ?? 0) - (kept[0]?.minute ?? 0);
  const growthShare = mean === 0 ? 0 : (slopePerMinute * span) / mean;
  const verdict = growthShare > FLAT_TOLERANCE ? 'growing' : growthShare < -FLAT_TOLERANCE ? 'shrinking' : 'flat';
  return { warmUpMinutes, readings: n, mean, slopePerMinute, growthShare, verdict };
}
