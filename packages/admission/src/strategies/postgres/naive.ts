import type { SeatTake } from '../../store/seat-writes.js';
import { updateTakenSeats } from '../../store/seat-writes.js';
import type { StoreTx } from '../../store/store.js';
import type { BookingStrategy } from '../strategy.js';
import { runClaim } from './claim-transaction.js';
import { claimListedSeats, grant } from './grant.js';
import { createPgStrategy, type PgStrategyOptions } from './postgres-strategy.js';
import { pickBestSeats } from './seat-reads.js';

/**
 * Writes the seats whatever they hold now. This is the naive strategy's flaw, on purpose:
 * between its read and this write another buyer may have taken them, and this overwrites.
 */
async function writeSeats(tx: StoreTx, take: SeatTake): Promise<void> {
  await updateTakenSeats(tx, take).execute();
}

/**
 * Read, check in the app, write: no lock, no condition on the write. Under concurrency two
 * buyers both see a seat free and both get it; an audit must catch that. The write runs in
 * one transaction only so a failed insert leaves no half-written claim.
 */
export function createNaiveStrategy(options: PgStrategyOptions): BookingStrategy {
  const { shards } = options;
  return createPgStrategy('naive', options, {
    seats: (claim) => claimListedSeats(shards.at(claim.event.shard), claim, false, writeSeats),
    best: (claim) =>
      runClaim(shards.at(claim.event.shard), claim, async (tx, context) => {
        const choice = await pickBestSeats(tx, claim, context);
        if (!choice.ok) return choice;
        return grant(tx, claim, context, choice.seats, writeSeats);
      }),
  });
}
