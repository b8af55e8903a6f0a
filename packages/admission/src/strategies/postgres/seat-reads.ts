import { sql } from 'kysely';
import type { ClaimRefusal } from '../../results.js';
import { seatOfIndex } from '../../seats.js';
import { seatIsFree } from '../../store/seat-writes.js';
import type { StoreTx } from '../../store/store.js';
import { findBestSeats, freeMask, queuedBestSeats } from './best-seats.js';
import type { ClaimContext } from './claim-transaction.js';
import type { PgBestClaim, PgClaim, PgSeatClaim } from './pg-claim.js';

/** A listed seat as read: its version and whether it is free. */
export interface SeatRead {
  readonly seat_index: number;
  readonly version: number;
  readonly free: boolean;
}

/** A free seat, with the version it had when read. */
export interface FreeSeat {
  readonly seat_index: number;
  readonly version: number;
}

/** The listed seats' states, in index order; `lock` takes their row locks in that order. */
async function readSeats({ db }: StoreTx, eventId: string, indexes: readonly number[], lock: boolean): Promise<SeatRead[]> {
  const query = db
    .selectFrom('seats')
    .select(['seat_index', 'version', seatIsFree.as('free')])
    .where('event_id', '=', eventId)
    .where('seat_index', '=', sql<number>`any(${[...indexes]}::int[])`)
    .orderBy('seat_index');
  return lock ? query.forUpdate().execute() : query.execute();
}

/** Every free seat of the event, with its version, in index order (no locks). */
export async function readFreeSeats({ db }: StoreTx, eventId: string): Promise<FreeSeat[]> {
  return db.selectFrom('seats').select(['seat_index', 'version']).where('event_id', '=', eventId).where(seatIsFree).orderBy('seat_index').execute();
}

async function anySeatFree({ db }: StoreTx, eventId: string): Promise<boolean> {
  const row = await db.selectFrom('seats').select('seat_index').where('event_id', '=', eventId).where(seatIsFree).limit(1).executeTakeFirst();
  return row !== undefined;
}

const soldOut: ClaimRefusal = Object.freeze({ ok: false, reason: 'sold-out', replayed: false, cached: false });

export function seatsTaken(claim: PgClaim, indexes: readonly number[]): ClaimRefusal {
  return { ok: false, reason: 'seats-taken', takenSeats: indexes.map((i) => seatOfIndex(i, claim.event.cols)), replayed: false };
}

/** The per-user limit, counted from the holds table under the user's lock (see runClaim). */
function userLimit(claim: PgClaim, context: ClaimContext, wanted: number): ClaimRefusal | undefined {
  const limit = claim.event.maxSeatsPerUser;
  if (limit <= 0 || context.userSeats + wanted <= limit) return undefined;
  return { ok: false, reason: 'user-limit', limit, current: context.userSeats, replayed: false };
}

/** A specific-seats claim that may go ahead: its seats as read, all free. */
export interface SeatsFree {
  readonly ok: true;
  readonly seats: readonly SeatRead[];
}

/**
 * Reads the listed seats (`lock`: row-locked, in index order) and decides a specific-seats
 * claim: the refusal in the gate's order (sold out: no seat of the event free; seats taken,
 * listed in the claim's order; the per-user limit), or the seats read.
 */
export async function checkSeatClaim(tx: StoreTx, claim: PgSeatClaim, context: ClaimContext, lock: boolean): Promise<ClaimRefusal | SeatsFree> {
  const seats = await readSeats(tx, claim.event.eventId, claim.indexes, lock);
  const free = new Set(seats.filter((seat) => seat.free).map((seat) => seat.seat_index));
  const taken = claim.indexes.filter((index) => !free.has(index));
  if (taken.length > 0) return (await anySeatFree(tx, claim.event.eventId)) ? seatsTaken(claim, taken) : soldOut;
  return userLimit(claim, context, claim.indexes.length) ?? { ok: true, seats };
}

/** The seats a best-available claim decided to take. */
export interface BestChoice {
  readonly ok: true;
  readonly seats: readonly number[];
}

/**
 * The best-available decision on the free seats read: a refusal (sold out, not enough seats,
 * the per-user limit, no adjacent block), or the seats to take. `ahead` > 0 aims past that
 * many identical claims (see queuedBestSeats).
 */
export function chooseBestSeats(claim: PgBestClaim, context: ClaimContext, freeSeats: readonly FreeSeat[], ahead = 0): ClaimRefusal | BestChoice {
  const available = freeSeats.length;
  if (available === 0) return soldOut;
  if (available < claim.quantity) return { ok: false, reason: 'not-enough-seats', available, replayed: false };
  const overLimit = userLimit(claim, context, claim.quantity);
  if (overLimit !== undefined) return overLimit;
  const { rows, cols, capacity } = claim.event;
  const free = freeMask(capacity, freeSeats.map((seat) => seat.seat_index));
  const best =
    ahead > 0
      ? queuedBestSeats(free, rows, cols, claim.quantity, claim.allowSplit, ahead)
      : findBestSeats(free, rows, cols, claim.quantity, claim.allowSplit);
  if (best === undefined) return { ok: false, reason: 'no-adjacent-block', replayed: false };
  return { ok: true, seats: best.seats };
}
