import { sql, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { Database, HoldStatus } from './database.js';
import type { Executor, StoreTx } from './store.js';

export interface SeatTake {
  readonly eventId: string;
  readonly holdId: string;
  readonly userId: string;
  readonly seatIndexes: readonly number[];
  /** null sells at once (a booking); otherwise the hold expires then. */
  readonly expiresAt: Date | null;
}

/**
 * A seat is free when nobody holds it, or its hold is past its expiry: expired holds never
 * block. Every reader and every conditional write asks this one question.
 */
export const seatIsFree = sql<boolean>`(state = 'free' or (state = 'held' and held_until < now()))`;

/** The UPDATE that gives the take's seats to its hold, before any condition on them. */
export function updateTakenSeats({ db }: StoreTx, take: SeatTake): UpdateQueryBuilder<Database, 'seats', 'seats', UpdateResult> {
  return db
    .updateTable('seats')
    .set({
      state: take.expiresAt === null ? 'sold' : 'held',
      hold_id: take.holdId,
      held_until: take.expiresAt,
      version: sql`version + 1`,
    })
    .where('event_id', '=', take.eventId)
    .where('seat_index', '=', sql<number>`any(${[...take.seatIndexes]}::int[])`);
}

/**
 * The conditional write behind every correct path: takes the seats only where each is free,
 * and says whether it got all of them. PostgreSQL evaluates the condition under the row
 * locks, so two takers of one seat cannot both win. On false the caller must roll its
 * transaction back: some seats may have been taken. Rows are locked in index order, so
 * overlapping takes never deadlock.
 */
export async function takeSeatsIfFree(tx: StoreTx, take: SeatTake): Promise<boolean> {
  const result = await updateTakenSeats(tx, take).where(seatIsFree).executeTakeFirst();
  return Number(result.numUpdatedRows) === take.seatIndexes.length;
}

/** Records the holds (and, for sales, their bookings) after their seats were taken: one statement each. */
export async function insertHolds({ db }: Executor, takes: readonly SeatTake[]): Promise<void> {
  if (takes.length === 0) return;
  await db
    .insertInto('holds')
    .values(
      takes.map((take) => ({
        id: take.holdId,
        event_id: take.eventId,
        user_id: take.userId,
        seat_indexes: [...take.seatIndexes],
        status: take.expiresAt === null ? ('confirmed' as const) : ('held' as const),
        expires_at: take.expiresAt,
      })),
    )
    .execute();
  const sales = takes.filter((take) => take.expiresAt === null);
  if (sales.length > 0) {
    await db
      .insertInto('bookings')
      .values(sales.map((take) => ({ id: take.holdId, event_id: take.eventId, user_id: take.userId })))
      .execute();
  }
}

/**
 * Frees whatever of these seats the hold still holds (not those another hold took over
 * since). Seats are found by primary key: there is no index on hold_id, and an event can
 * have a million seats.
 */
export async function freeSeatsOf({ db }: Executor, eventId: string, holdId: string, seatIndexes: readonly number[]): Promise<number> {
  const result = await db
    .updateTable('seats')
    .set({ state: 'free', hold_id: null, held_until: null, version: sql`version + 1` })
    .where('event_id', '=', eventId)
    .where('seat_index', '=', sql<number>`any(${[...seatIndexes]}::int[])`)
    .where('hold_id', '=', holdId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A seat named across events: for writes that span several holds at once. */
export interface SeatKey {
  readonly eventId: string;
  readonly seatIndex: number;
}

/**
 * Locks these seats in index order. A multi-row write whose own plan (a join) would lock
 * them in another order calls this first, so every seat writer locks in one order and
 * two writers never deadlock on each other's seats.
 */
export async function lockSeatsInOrder({ db, t }: StoreTx, seats: readonly SeatKey[]): Promise<void> {
  await sql`
    select 1 from ${t.seats}
    where (event_id, seat_index) in (select * from unnest(${seats.map((s) => s.eventId)}::text[], ${seats.map((s) => s.seatIndex)}::int[]))
    order by event_id, seat_index
    for update`.execute(db);
}

/** Moves a hold from one status to another; false when it was not in `from` (someone else won). */
export async function moveHold({ db }: Executor, holdId: string, from: HoldStatus, to: HoldStatus): Promise<boolean> {
  const result = await db
    .updateTable('holds')
    .set({ status: to, updated_at: sql<Date>`now()` })
    .where('id', '=', holdId)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
