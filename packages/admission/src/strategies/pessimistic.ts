import type { Transaction } from 'kysely';
import type { BestAvailableClaim, ClaimResult, SeatClaim } from '../results.js';
import type { Database } from '../store/database.js';
import { insertHold, takeSeatsIfFree } from '../store/seat-writes.js';
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
  seatsTaken,
  seatTake,
  type PgStrategyOptions,
} from './pg-holds.js';
import type { BookingStrategy } from './strategy.js';

/** Best-available picks that found a chosen seat gone (taken by a specific-seats claim), at most. */
const MAX_PICKS = 32;

/** Thrown to roll a pick back when a seat it chose was taken between its read and its write. */
class SeatsMoved {
  readonly seats: readonly number[];

  constructor(seats: readonly number[]) {
    this.seats = seats;
  }
}

/**
 * Serializes the event's best-available pickers. FOR NO KEY UPDATE rather than FOR UPDATE:
 * inserting a hold takes a KEY SHARE lock on the event row (its foreign key), which FOR UPDATE
 * would block. A specific-seats claim holding seat locks would then wait on a picker that
 * waits on those seats: a deadlock.
 */
async function lockEvent(trx: Transaction<Database>, eventId: string): Promise<void> {
  await trx.selectFrom('events').select('id').where('id', '=', eventId).forNoKeyUpdate().execute();
}

/**
 * SELECT … FOR UPDATE in one transaction: the claim locks its seats (in index order, so
 * overlapping claims queue instead of deadlocking), checks them under the locks, and takes
 * them with the conditional write, which cannot fail while the locks are held. Correct; under
 * a burst every buyer of a seat queues on its row lock.
 */
export function createPessimisticStrategy(options: PgStrategyOptions): BookingStrategy {
  const { db } = options;
  const events = new EventCache(db);
  const settings = claimSettings(options);

  return {
    name: 'pessimistic',
    ...createHoldCommands(db, events),

    async claimSeats(claim: SeatClaim): Promise<ClaimResult> {
      const prepared = await prepareSeatClaim(claim, events, settings);
      return runClaim(db, prepared, async (trx, context) => {
        const seats = await readSeats(trx, prepared.event.eventId, prepared.indexes, true);
        const refusal = await seatClaimRefusal(trx, prepared, context, seats);
        if (refusal !== undefined) return refusal;
        const take = seatTake(prepared, context, prepared.indexes);
        if (!(await takeSeatsIfFree(trx, take))) throw new Error('pessimistic claim: a locked free seat could not be taken');
        await insertHold(trx, take);
        return granted(prepared, take);
      });
    },

    /**
     * Pickers of one event run one at a time (the event row lock), so none of them can take
     * the seats another just chose. A specific-seats claim can still take one of them between
     * the read and the write: the conditional write then fails, and the pick starts over.
     */
    async claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult> {
      const prepared = await prepareBestClaim(claim, events, settings);
      const eventId = prepared.event.eventId;
      for (let pick = 1; ; pick++) {
        try {
          return await runClaim(db, prepared, async (trx, context) => {
            await lockEvent(trx, eventId);
            const free = await readFreeSeats(trx, eventId);
            const choice = chooseBestSeats(prepared, context, free.map((seat) => seat.seat_index));
            if (!choice.ok) return choice;
            const take = seatTake(prepared, context, choice.seats);
            if (!(await takeSeatsIfFree(trx, take))) throw new SeatsMoved(choice.seats);
            await insertHold(trx, take);
            return granted(prepared, take);
          });
        } catch (error) {
          if (!(error instanceof SeatsMoved)) throw error;
          if (pick >= MAX_PICKS) return seatsTaken(prepared, error.seats);
        }
      }
    },
  };
}
