import type { Seat } from '@seatgrid/admission';
import type { SeededRandom } from './seeded-random.ts';

/** The shape of one burst: who arrives, what they ask for, and what they do with a hold. */
export interface Workload {
  /** Buyers, one user each, arriving evenly over `spreadMs`. */
  readonly buyers: number;
  readonly spreadMs: number;
  /** Buyers in flight at most. */
  readonly concurrency: number;
  /** A claim asks for 1 to this many adjacent seats. */
  readonly maxSeatsPerClaim: number;
  /** Shares of buyers who book in one step, and who ask for a best-available quantity; the rest hold listed seats. */
  readonly bookShare: number;
  readonly bestShare: number;
  /** Shares of holders who confirm, and who release; the rest let their hold expire. */
  readonly confirmShare: number;
  readonly releaseShare: number;
  /** Share of buyers who send an Idempotency-Key and retry on 503, timeouts and lost connections. */
  readonly idempotentShare: number;
  /** Holders confirm after a think time, or at their hold's expiry + expiryOffsetMs (± expiryJitterMs): the TTL race. */
  readonly confirmTiming: 'think' | 'at-expiry';
  readonly thinkMs: readonly [number, number];
  readonly expiryOffsetMs: number;
  readonly expiryJitterMs: number;
  /** A request still unanswered after this long counts as hung. */
  readonly requestTimeoutMs: number;
}

export const defaultWorkload: Readonly<Workload> = Object.freeze({
  buyers: 240,
  spreadMs: 3_000,
  concurrency: 48,
  maxSeatsPerClaim: 4,
  bookShare: 0.25,
  bestShare: 0.15,
  confirmShare: 0.5,
  releaseShare: 0.15,
  idempotentShare: 0.4,
  confirmTiming: 'think',
  thinkMs: [20, 300] as const,
  expiryOffsetMs: 0,
  expiryJitterMs: 150,
  requestTimeoutMs: 10_000,
});

export type ClaimKind = 'hold' | 'book';

/** What one buyer will do, decided up front from the seed. */
export interface BuyerPlan {
  readonly index: number;
  readonly kind: ClaimKind;
  /** Listed seats, or a best-available quantity. */
  readonly seats?: readonly Seat[];
  readonly quantity?: number;
  readonly afterHold: 'confirm' | 'release' | 'expire';
  readonly thinkMs: number;
  /** Where in ± expiryJitterMs an at-expiry confirm lands, as a share in [-1, 1). */
  readonly expiryJitter: number;
  readonly idempotent: boolean;
}

/** A run of 1..max adjacent seats in a random row: what real parties ask for, and it makes claims overlap. */
function adjacentSeats(random: SeededRandom, rows: number, cols: number, max: number): Seat[] {
  const count = random.between(1, Math.min(max, cols));
  const row = random.between(1, rows);
  const first = random.between(1, cols - count + 1);
  return Array.from({ length: count }, (_, i) => ({ row, col: first + i }));
}

/** Every buyer's plan: the same seed and workload give the same plans. */
export function planBuyers(workload: Workload, random: SeededRandom, grid: { rows: number; cols: number }): BuyerPlan[] {
  return Array.from({ length: workload.buyers }, (_, index): BuyerPlan => {
    const kind: ClaimKind = random.next() < workload.bookShare ? 'book' : 'hold';
    const best = random.next() < workload.bestShare;
    const after = random.next();
    const common = {
      index,
      kind,
      afterHold: after < workload.confirmShare ? 'confirm' : after < workload.confirmShare + workload.releaseShare ? 'release' : 'expire',
      thinkMs: random.between(workload.thinkMs[0], workload.thinkMs[1]),
      expiryJitter: 2 * random.next() - 1,
      idempotent: random.next() < workload.idempotentShare,
    } as const;
    return best
      ? { ...common, quantity: random.between(1, workload.maxSeatsPerClaim) }
      : { ...common, seats: adjacentSeats(random, grid.rows, grid.cols, workload.maxSeatsPerClaim) };
  });
}
