import { takeSeatsIfFree, type SeatTake } from '../../store/seat-writes.js';
import type { StoreTx } from '../../store/store.js';
import type { BookingStrategy } from '../strategy.js';
import { runClaim } from './claim-transaction.js';
import { claimListedSeats, grant } from './grant.js';
import { createPgStrategy, type PgStrategyOptions } from './postgres-strategy.js';
import { pickBestSeats, seatsTaken } from './seat-reads.js';

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
async function lockEvent({ db }: StoreTx, eventId: string): Promise<void> {
  await db.selectFrom('events').select('id').where('id', '=', eventId).forNoKeyUpdate().execute();
}

/** Takes seats this claim holds the row locks of: the conditional write cannot fail. */
async function takeLockedSeats(tx: StoreTx, take: SeatTake): Promise<void> {
  if (!(await takeSeatsIfFree(tx, take))) throw new Error('pessimistic claim: a locked free seat could not be taken');
}

/** Takes a pick's seats, or rolls the pick back when one of them was taken since the read. */
async function takePickedSeats(tx: StoreTx, take: SeatTake): Promise<void> {
  if (!(await takeSeatsIfFree(tx, take))) throw new SeatsMoved(take.seatIndexes);
}

/**
 * SELECT … FOR UPDATE in one transaction: the claim locks its seats (in index order, so
 * overlapping claims queue instead of deadlocking), checks them under the locks, and takes
 * them with the conditional write, which cannot fail while the locks are held. Correct; under
 * a burst every buyer of a seat queues on its row lock.
 */
export function createPessimisticStrategy(options: PgStrategyOptions): BookingStrategy {
  const { shards } = options;

  return createPgStrategy('pessimistic', options, {
    seats: (claim) => claimListedSeats(shards.at(claim.event.shard), claim, true, takeLockedSeats),

    /**
     * Pickers of one event run one at a time (the event row lock), so none of them can take
     * the seats another just chose. A specific-seats claim can still take one of them between
     * the read and the write: the conditional write then fails, and the pick starts over.
     */
    async best(claim) {
      const eventId = claim.event.eventId;
      for (let pick = 1; ; pick++) {
        try {
          return await runClaim(shards.at(claim.event.shard), claim, async (tx, context) => {
            await lockEvent(tx, eventId);
            const choice = await pickBestSeats(tx, claim, context);
            if (!choice.ok) return choice;
            return grant(tx, claim, context, choice.seats, takePickedSeats);
          });
        } catch (error) {
          if (!(error instanceof SeatsMoved)) throw error;
          if (pick >= MAX_PICKS) return seatsTaken(claim, error.seats);
        }
      }
    },
  });
}
