import type { RequestRecord } from './burst.ts';

/** What the system did for a set of requests: how many, how they ended, how long they took. */
export interface RequestStats {
  readonly requests: number;
  readonly ok: number;
  readonly conflicts: number;
  readonly unavailable: number;
  /** Every other HTTP status (4xx besides 409, 5xx besides 503). */
  readonly other: number;
  /** No answer within the request timeout. */
  readonly timeouts: number;
  /** The connection failed (refused or reset). */
  readonly network: number;
  /** Share of requests that failed for want of the system: 5xx, timeouts, lost connections. */
  readonly errorRate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export function requestStats(records: readonly RequestRecord[]): RequestStats {
  const count = (test: (record: RequestRecord) => boolean) => records.filter(test).length;
  const status = (record: RequestRecord) => (typeof record.outcome === 'number' ? record.outcome : 0);
  const failed = count((r) => r.outcome === 'timeout' || r.outcome === 'network' || status(r) >= 500);
  const latencies = records.map((r) => r.receivedAt - r.sentAt).sort((a, b) => a - b);
  return {
    requests: records.length,
    ok: count((r) => status(r) >= 200 && status(r) < 300),
    conflicts: count((r) => status(r) === 409),
    unavailable: count((r) => status(r) === 503),
    other: count((r) => status(r) >= 300 && status(r) !== 409 && status(r) !== 503),
    timeouts: count((r) => r.outcome === 'timeout'),
    network: count((r) => r.outcome === 'network'),
    errorRate: records.length === 0 ? 0 : failed / records.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** The requests sent while the fault was on. */
export function sentWithin(records: readonly RequestRecord[], window: { readonly from: number; readonly to: number }): RequestRecord[] {
  return records.filter((record) => record.sentAt >= window.from && record.sentAt <= window.to);
}
