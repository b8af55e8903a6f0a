import { sql } from 'kysely';
import type { ClaimRefusal } from '../../results.js';
import { seatOfIndex } from '../../seats.js';
import { FreeSeatRows } from '../../store/free-seat-rows.js';
import { seatCounts } from '../../store/seat-counts.js';
import { seatIsFree } from '../../store/seat-writes.js';
import type { StoreTx } from '../../store/store.js';
import { findBestSeats, queuedBestSeats, type BestSeats } from './best-seats.js';
import type { ClaimContext } from './claim-transaction.js';
import type { PgBestClaim, PgClaim, PgSeatClaim } from './pg-claim.js';

/** A listed seat as read: its version and whether it is free. */
export interface SeatRead {
  readonly seat_index: number;
  readonly version: number;
  readonly free: boolean;
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

/** Rows read per step of a best-available pick: the front rows first, then four times more each step. */
const FIRST_ROWS_READ = 16;

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
export async function checkSeatClaim(
  tx: StoreTx,
  claim: PgSeatClaim,
  context: ClaimContext,
  lock: boolean,
): Promise<ClaimRefusal | SeatsFree> {
  const seats = await readSeats(tx, claim.event.eventId, claim.indexes, lock);
  const free = new Set(seats.filter((seat) => seat.free).map((seat) => seat.seat_index));
  const taken = claim.indexes.filter((index) => !free.has(index));
  if (taken.length > 0) return (await seatCounts(tx, claim.event)).available > 0 ? seatsTaken(claim, taken) : soldOut;
  return userLimit(claim, context, claim.indexes.length) ?? { ok: true, seats };
}

/** The seats a best-available claim decided to take. */
export interface BestChoice {
  readonly ok: true;
  readonly seats: readonly number[];
}

/**
 * The best-available decision: a refusal (sold out and not enough seats from the counters the
 * writes keep, the per-user limit, no adjacent block), or the seats to take. It reads the
 * rows' free seats as bit strings (FreeSeatRows), the front rows first and more rows only
 * while the rule is undecided: an adjacent block that strands no seat is final as soon as it
 * is found. No seat row is read (but those whose hold lapsed), and without a split the rows
 * too full for the block are skipped: a few rows' work, whatever the event's size and however
 * its seats are spread. `ahead` > 0 aims past that many identical claims (see queuedBestSeats);
 * `ahead(available)` gets the seats free now.
 */
export async function pickBestSeats(
  tx: StoreTx,
  claim: PgBestClaim,
  context: ClaimContext,
  ahead: (available: number) => number = () => 0,
): Promise<ClaimRefusal | BestChoice> {
  const { event } = claim;
  const { available } = await seatCounts(tx, event);
  const short = shortOfSeats(claim, available);
  if (short !== undefined) return short;
  const overLimit = userLimit(claim, context, claim.quantity);
  if (overLimit !== undefined) return overLimit;
  const aim = ahead(available);
  const rows = new FreeSeatRows(tx, event);
  const minRun = claim.allowSplit ? 0 : claim.quantity;
  let best: BestSeats | undefined;
  for (let read = 0, upTo = Math.min(FIRST_ROWS_READ, event.rows); read < event.rows; read = upTo, upTo = Math.min(upTo * 4, event.rows)) {
    await rows.read(read, upTo, minRun);
    const mask = rows.mask(upTo);
    best =
      aim > 0
        ? queuedBestSeats(mask, upTo, event.cols, claim.quantity, claim.allowSplit, aim)
        : findBestSeats(mask, upTo, event.cols, claim.quantity, claim.allowSplit);
    if (best?.kind === 'tidy') break;
  }
  if (best === undefined) {
    // Seats taken since the counters were read may leave too few to choose from.
    return shortOfSeats(claim, (await seatCounts(tx, event)).available) ?? { ok: false, reason: 'no-adjacent-block', replayed: false };
  }
  return { ok: true, seats: best.seats };
}

/** Sold out, or fewer seats free than asked for. */
function shortOfSeats(claim: PgBestClaim, available: number): ClaimRefusal | undefined {
  if (available === 0) return soldOut;
  if (available < claim.quantity) return { ok: false, reason: 'not-enough-seats', available, replayed: false };
  return undefined;
}
