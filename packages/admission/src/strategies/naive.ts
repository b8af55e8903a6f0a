import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import { updateTakenSeats, type SeatTake } from '../store/seat-writes.js';
import {
  checkSeatClaim,
  chooseBestSeats,
  createPgStrategy,
  grant,
  readFreeSeats,
  runClaim,
  type PgStrategyOptions,
} from './pg-claims.js';
import type { BookingStrategy } from './strategy.js';

/**
 * Writes the seats whatever they hold now. This is the naive strategy's flaw, on purpose:
 * between its read and this write another buyer may have taken them, and this overwrites.
 */
async function writeSeats(trx: Transaction<Database>, take: SeatTake): Promise<void> {
  await updateTakenSeats(trx, take).execute();
}

/**
 * Read, check in the app, write: no lock, no condition on the write. Under concurrency two
 * buyers both see a seat free and both get it; the audit (store/audit.ts) must catch that.
 * The write runs in one transaction only so a failed insert leaves no half-written claim.
 */
export function createNaiveStrategy(options: PgStrategyOptions): BookingStrategy {
  const { db } = options;

  return createPgStrategy('naive', options, {
    seats: (claim) =>
      runClaim(db, claim, async (trx, context) => {
        const check = await checkSeatClaim(trx, claim, context, false);
        if (!check.ok) return check;
        return grant(trx, claim, context, claim.indexes, writeSeats);
      }),

    best: (claim) =>
      runClaim(db, claim, async (trx, context) => {
        const choice = chooseBestSeats(claim, context, await readFreeSeats(trx, claim.event.eventId));
        if (!choice.ok) return choice;
        return grant(trx, claim, context, choice.seats, writeSeats);
      }),
  });
}
