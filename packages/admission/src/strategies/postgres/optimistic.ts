import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { ClaimResult } from '../../results.js';
import { seatIsFree, updateTakenSeats, type SeatTake } from '../../store/seat-writes.js';
import type { StoreTx } from '../../store/store.js';
import type { BookingStrategy } from '../strategy.js';
import { runClaim, type ClaimContext } from './claim-transaction.js';
import { claimListedSeats, grant } from './grant.js';
import type { PgClaim } from './pg-claim.js';
import { createPgStrategy, defaultPostgresStrategySettings, type PgStrategyOptions } from './postgres-strategy.js';
import { pickBestSeats, seatsTaken } from './seat-reads.js';
/** A retrying picker's spread (see the best-available path below): x8 a retry, at most 64 places. */
const SPREAD_GROWTH = 8;
const MAX_SPREAD = 64;

/** Thrown to roll an attempt back when a seat changed between its read and its write. */
class WriteConflict {
  /** The seats whose version moved: what this attempt lost. */
  readonly seats: readonly number[];

  constructor(seats: readonly number[]) {
    this.seats = seats;
  }
}

/** Deadlock and serialization failures: PostgreSQL rolled the attempt back; trying again is safe. */
function isTransientFailure(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === '40P01' || code === '40001';
}

/**
 * Takes the seats only where each still has the version this attempt read (and is still
 * free): one UPDATE whose row count tells. Every write to a seat bumps its version, so an
 * unchanged version means nobody touched the seat since the read. Per-seat versions: buyers of
 * different seats never conflict. `= any(...)` makes the scan lock rows in index order, like
 * every other seat write, so overlapping attempts queue rather than deadlock. Without
 * `versions` (a best-available pick, read from the rows' bits, which carry none) each seat
 * need only be free still: the pick stands for any seats free.
 * Throws a WriteConflict naming the seats it could not take.
 */
async function takeIfUnchanged(tx: StoreTx, take: SeatTake, versions?: ReadonlyMap<number, number>): Promise<void> {
  const indexes = [...take.seatIndexes];
  let write = updateTakenSeats(tx, take).where(seatIsFree);
  if (versions !== undefined) {
    const expected = indexes.map((index) => versions.get(index) ?? -1);
    write = write.where('version', '=', sql<number>`(${expected}::int[])[array_position(${indexes}::int[], seat_index)]`);
  }
  const rows = await write.returning('seat_index').execute();
  const taken = new Set(rows.map((row) => row.seat_index));
  const lost = indexes.filter((index) => !taken.has(index));
  if (lost.length > 0) throw new WriteConflict(lost);
}

/**
 * A version per seat, no locks while reading, bounded retries with jittered exponential
 * backoff. Each attempt reads the seats and their versions, decides, and writes on the
 * condition that no version moved (a best-available pick reads the rows' free bits and writes
 * on the condition that its seats are still free); on a conflict it rolls back, waits
 * retryBaseDelayMs * 2^attempt * random() and reads again (a seat now really taken is a
 * plain refusal). After maxRetries conflicts it gives up with 'seats-taken', naming the seats
 * of its last conflict, even though it may have seen them free (onConflict counts conflicts).
 */
export function createOptimisticStrategy(options: PgStrategyOptions): BookingStrategy {
  const { shards } = options;
  const { maxRetries, retryBaseDelayMs } = { ...defaultPostgresStrategySettings, ...options.settings };

  async function withRetries(
    claim: PgClaim,
    everything: readonly number[],
    attempt: (retry: number) => Promise<ClaimResult>,
  ): Promise<ClaimResult> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt(retry);
      } catch (error) {
        if (!(error instanceof WriteConflict) && !isTransientFailure(error)) throw error;
        options.onConflict?.();
        if (retry >= maxRetries) return seatsTaken(claim, error instanceof WriteConflict ? error.seats : everything);
        await sleep(retryBaseDelayMs * 2 ** retry * Math.random());
      }
    }
  }

  return createPgStrategy('optimistic', options, {
    seats: (claim) =>
      withRetries(claim, claim.indexes, () => claimListedSeats(shards.at(claim.event.shard), claim, false, takeIfUnchanged)),

    /**
     * Every picker of a burst reads the same free set and so aims at the same best seats:
     * only one of them can win, the rest conflict, and with bounded retries a burst would
     * sell a fraction of the seats to hundreds of buyers (measured: 233-244 of 299 to 300).
     * So a retrying picker also backs off in space: retry n aims, at random, at the seats a
     * claim 0 to min(8^n, 64, claims the free seats can serve) - 1 places down the queue would
     * get, as if the buyers it collides with were served first. The first attempt always
     * aims at the very best seats; correctness rests on the version check alone.
     */
    best: (claim) =>
      withRetries(claim, [], (retry) =>
        runClaim(shards.at(claim.event.shard), claim, async (tx, context: ClaimContext) => {
          const ahead = (available: number) =>
            retry === 0 ? 0 : randomInt(Math.max(1, Math.min(SPREAD_GROWTH ** retry, MAX_SPREAD, Math.floor(available / claim.quantity))));
          const choice = await pickBestSeats(tx, claim, context, ahead);
          if (!choice.ok) return choice;
          return grant(tx, claim, context, choice.seats, takeIfUnchanged);
        }),
      ),
  });
}
