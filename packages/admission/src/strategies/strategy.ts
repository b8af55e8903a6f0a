import type { ClaimRequest } from '../claim-request.js';
import type { ClaimResult, ConfirmResult, EventCounters, ExtendResult, HoldRef, ReleaseResult, SeatMap } from '../results.js';

/**
 * The ways to sell seats, behind one interface so the API and the bench swap them:
 * - `pessimistic`: SELECT … FOR UPDATE in a transaction; correct, queues on row locks.
 * - `optimistic`: a version per seat, bounded retries with jitter; correct, retries.
 * - `admission`: the Redis gate decides; only winners write to PostgreSQL; when Redis is
 *   sick a breaker sends requests down the optimistic path.
 * - `naive` (from '@seatgrid/admission/testing' only): read, check in the app, write. It
 *   oversells on purpose, so audits can be shown to catch it.
 * Claims arrive validated (claim-request.ts), so every strategy accepts the same input.
 */
export const strategyNames = ['admission', 'optimistic', 'pessimistic'] as const;
export type StrategyName = (typeof strategyNames)[number];

/** With the deliberately unsafe one, for comparisons. */
export const comparisonStrategyNames = [...strategyNames, 'naive'] as const;
export type ComparisonStrategyName = (typeof comparisonStrategyNames)[number];

export interface BookingStrategy {
  readonly name: ComparisonStrategyName;
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Confirms a hold (payment done): its seats become sold. */
  confirm(ref: HoldRef): Promise<ConfirmResult>;
  release(ref: HoldRef): Promise<ReleaseResult>;
  /** Cancels a confirmed booking (the booking id is its hold id). */
  cancel(ref: HoldRef): Promise<ReleaseResult>;
  /** Extends an unexpired hold, within its cap. */
  extend(ref: HoldRef): Promise<ExtendResult>;
  seatMap(eventId: string): Promise<SeatMap>;
  /** The event's counters, without reading its seat map. */
  counters(eventId: string): Promise<EventCounters>;
}

export function isStrategyName(value: unknown): value is StrategyName {
  return typeof value === 'string' && (strategyNames as readonly string[]).includes(value);
}

export function isComparisonStrategyName(value: unknown): value is ComparisonStrategyName {
  return typeof value === 'string' && (comparisonStrategyNames as readonly string[]).includes(value);
}
