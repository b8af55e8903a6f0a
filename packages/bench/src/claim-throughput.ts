import { createHistogram, performance } from 'node:perf_hooks';
import type { Gate } from '@seatgrid/admission/gate';
import { randomSeat, randomUserId, type Workload } from './workload.ts';

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  readonly avg: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface ClaimThroughput {
  readonly inFlight: number;
  readonly elapsedMs: number;
  /** Claims answered (granted + refused + errors). */
  readonly completed: number;
  readonly granted: number;
  readonly refused: number;
  /** Refusals by reason, as the library reported them. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly claimsPerSec: number;
  readonly latencyMs: LatencySummary;
}

export interface ClaimLoop {
  /** Worker i claims through gates[i % length] (one per connection). */
  readonly gates: readonly Gate[];
  readonly eventId: string;
  readonly workload: Workload;
  readonly inFlight: number;
  readonly durationMs: number;
  /** Called about once a second with the claims answered so far. */
  readonly onTick?: (completed: number, elapsedMs: number) => void;
}

/**
 * A closed loop: `inFlight` workers each send a claim, wait for the answer, and send the
 * next, until the duration is up. Every answer counts; the rate is answers over the time
 * until the last worker stopped.
 */
export async function measureClaimThroughput(loop: ClaimLoop): Promise<ClaimThroughput> {
  const { gates, eventId, workload } = loop;
  const histogram = createHistogram();
  const refusals: Record<string, number> = {};
  let granted = 0;
  let refused = 0;
  let errors = 0;
  let firstError: string | undefined;

  const start = performance.now();
  const deadline = start + loop.durationMs;
  const ticker = setInterval(() => loop.onTick?.(granted + refused + errors, performance.now() - start), 1_000);

  async function worker(gate: Gate): Promise<void> {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const result = await gate.claimSeats({
          eventId,
          userId: randomUserId(workload),
          seats: [randomSeat(workload)],
          mode: workload.mode,
          holdTtlMs: workload.holdTtlMs,
        });
        if (result.ok) granted++;
        else {
          refused++;
          refusals[result.reason] = (refusals[result.reason] ?? 0) + 1;
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      histogram.record(Math.max(1, Math.round((performance.now() - sent) * 1_000))); // microseconds
    }
  }

  try {
    await Promise.all(Array.from({ length: loop.inFlight }, (_, i) => worker(gates[i % gates.length] as Gate)));
  } finally {
    clearInterval(ticker);
  }
  const elapsedMs = performance.now() - start;
  const completed = granted + refused + errors;
  return {
    inFlight: loop.inFlight,
    elapsedMs,
    completed,
    granted,
    refused,
    refusals,
    errors,
    firstError,
    claimsPerSec: completed / (elapsedMs / 1_000),
    latencyMs: {
      avg: histogram.mean / 1_000,
      p50: histogram.percentile(50) / 1_000,
      p95: histogram.percentile(95) / 1_000,
      p99: histogram.percentile(99) / 1_000,
      max: histogram.max / 1_000,
    },
  };
}
