import type {
  BestAvailableClaim,
  ClaimResult,
  ConfirmResult,
  HoldRef,
  ReleaseResult,
  SeatClaim,
  SeatMap,
} from '../results.js';

/**
 * The four ways to sell seats, behind one interface so the API and the bench swap them:
 * - `naive`: read, check in the app, write. It oversells on purpose: the audit must see it.
 * - `pessimistic`: SELECT … FOR UPDATE in a transaction; correct, queues on row locks.
 * - `optimistic`: a version per seat, bounded retries with jitter; correct, retries.
 * - `admission`: the Redis gate decides; only winners write to PostgreSQL; when Redis is
 *   sick a breaker sends requests down the optimistic path.
 * Same inputs and results everywhere (results.ts). Events are created in the store
 * (store/events.ts), independent of the strategy.
 */
export const strategyNames = ['admission', 'optimistic', 'pessimistic', 'naive'] as const;
export type StrategyName = (typeof strategyNames)[number];

export interface BookingStrategy {
  readonly name: StrategyName;
  claimSeats(claim: SeatClaim): Promise<ClaimResult>;
  claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult>;
  /** Confirms a hold (payment done): its seats become sold. */
  confirm(ref: HoldRef): Promise<ConfirmResult>;
  release(ref: HoldRef): Promise<ReleaseResult>;
  /** Cancels a confirmed booking (the booking id is its hold id). */
  cancel(ref: HoldRef): Promise<ReleaseResult>;
  seatMap(eventId: string): Promise<SeatMap>;
}

export function isStrategyName(value: unknown): value is StrategyName {
  return typeof value === 'string' && (strategyNames as readonly string[]).includes(value);
}
