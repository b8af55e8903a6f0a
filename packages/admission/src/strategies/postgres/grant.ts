import type { ClaimGranted, ClaimResult } from '../../results.js';
import { seatOfIndex } from '../../seats.js';
import { insertHolds, type SeatTake } from '../../store/seat-writes.js';
import type { Store, StoreTx } from '../../store/store.js';
import { runClaim, type ClaimContext } from './claim-transaction.js';
import type { PgClaim, PgSeatClaim } from './pg-claim.js';
import { checkSeatClaim } from './seat-reads.js';

/** How a strategy writes the seats it decided to take; it throws when it cannot take them all. */
export type SeatWrite = (tx: StoreTx, take: SeatTake) => Promise<void>;

/**
 * Gives the seats to the claim with the strategy's own `write`, records the hold, and answers.
 * The seat write is held until now + TTL (by the database clock), or sold. A write that cannot
 * take every seat throws, rolling the attempt back.
 */
export async function grant(
  tx: StoreTx,
  claim: PgClaim,
  context: ClaimContext,
  indexes: readonly number[],
  write: SeatWrite,
): Promise<ClaimGranted> {
  const take: SeatTake = {
    eventId: claim.event.eventId,
    holdId: claim.holdId,
    userId: claim.userId,
    seatIndexes: indexes,
    expiresAt: claim.holdTtlMs === 0 ? null : new Date(context.now.getTime() + claim.holdTtlMs),
  };
  await write(tx, take);
  await insertHolds(tx, [take]);
  return {
    ok: true,
    holdId: take.holdId,
    status: take.expiresAt === null ? 'sold' : 'held',
    seats: take.seatIndexes.map((i) => seatOfIndex(i, claim.event.cols)),
    expiresAt: take.expiresAt,
    // PostgreSQL has no load generations; the strategies' answers carry 0.
    generation: 0,
    replayed: false,
  };
}

/**
 * A specific-seats claim in one transaction: read the seats (`lock`: under their row locks),
 * refuse, or take them with `write`. `write` gets the versions read, for a conditional write.
 */
export function claimListedSeats(
  store: Store,
  claim: PgSeatClaim,
  lock: boolean,
  write: (tx: StoreTx, take: SeatTake, versions: ReadonlyMap<number, number>) => Promise<void>,
): Promise<ClaimResult> {
  return runClaim(store, claim, async (tx, context) => {
    const check = await checkSeatClaim(tx, claim, context, lock);
    if (!check.ok) return check;
    const versions = new Map(check.seats.map((seat) => [seat.seat_index, seat.version]));
    return grant(tx, claim, context, claim.indexes, (tx, take) => write(tx, take, versions));
  });
}
