import { sql, type Transaction } from 'kysely';
import type { BestAvailableClaim, ClaimResult, SeatClaim } from '../results.js';
import type { Database } from '../store/database.js';
import { insertHold, type SeatTake } from '../store/seat-writes.js';
import { EventCache } from './event-cache.js';
import {
  chooseBestSeats,
  claimSettings,
  createHoldCommands,
  granted,
  prepareBestClaim,
  prepareSeatClaim,
  readFreeSeats,
  readSeats,
  runClaim,
  seatClaimRefusal,
  seatTake,
  type PgStrategyOptions,
} from './pg-holds.js';
import type { BookingStrategy } from './strategy.js';

/**
 * Writes the seats whatever they hold now. This is the naive strategy's flaw, on purpose:
 * between its read and this write another buyer may have taken them, and this overwrites.
 */
async function writeSeats(trx: Transaction<Database>, take: SeatTake): Promise<void> {
  await trx
    .updateTable('seats')
    .set({
      state: take.expiresAt === null ? 'sold' : 'held',
      hold_id: take.holdId,
      held_until: take.expiresAt,
      version: sql`version + 1`,
    })
    .where('event_id', '=', take.eventId)
    .where('seat_index', '=', sql<number>`any(${[...take.seatIndexes]}::int[])`)
    .execute();
}

/**
 * Read, check in the app, write: no lock, no condition on the write. Under concurrency two
 * buyers both see a seat free and both get it; the audit (store/audit.ts) must catch that.
 * The write runs in one transaction only so a failed insert leaves no half-written claim.
 */
export function createNaiveStrategy(options: PgStrategyOptions): BookingStrategy {
  const { db } = options;
  const events = new EventCache(db);
  const settings = claimSettings(options);

  return {
    name: 'naive',
    ...createHoldCommands(db, events),

    async claimSeats(claim: SeatClaim): Promise<ClaimResult> {
      const prepared = await prepareSeatClaim(claim, events, settings);
      return runClaim(db, prepared, async (trx, context) => {
        const seats = await readSeats(trx, prepared.event.eventId, prepared.indexes, false);
        const refusal = await seatClaimRefusal(trx, prepared, context, seats);
        if (refusal !== undefined) return refusal;
        const take = seatTake(prepared, context, prepared.indexes);
        await writeSeats(trx, take);
        await insertHold(trx, take);
        return granted(prepared, take);
      });
    },

    async claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult> {
      const prepared = await prepareBestClaim(claim, events, settings);
      return runClaim(db, prepared, async (trx, context) => {
        const free = await readFreeSeats(trx, prepared.event.eventId);
        const choice = chooseBestSeats(prepared, context, free.map((seat) => seat.seat_index));
        if (!choice.ok) return choice;
        const take = seatTake(prepared, context, choice.seats);
        await writeSeats(trx, take);
        await insertHold(trx, take);
        return granted(prepared, take);
      });
    },
  };
}
