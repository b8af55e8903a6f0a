import { sql, type Kysely, type Transaction } from 'kysely';
import type { ConfirmResult, HoldRef, HoldRefusal, ReleaseResult, SeatMap } from '../results.js';
import { seatOfIndex, type Seat } from '../seats.js';
import type { Database, HoldStatus } from '../store/database.js';
import type { EventInfo } from '../store/events.js';
import { freeSeatsOf, moveHold, seatIsFree } from '../store/seat-writes.js';
import { checkId, checkUserId } from '../validation.js';
import type { EventCache } from './event-cache.js';


/**
 * The hold commands (confirm, release, cancel) and the seat map over PostgreSQL, the same for
 * the naive, pessimistic and optimistic strategies: only claims differ (pg-claims.ts).
 */
export interface HoldCommands {
  confirm(ref: HoldRef): Promise<ConfirmResult>;
  release(ref: HoldRef): Promise<ReleaseResult>;
  cancel(ref: HoldRef): Promise<ReleaseResult>;
  seatMap(eventId: string): Promise<SeatMap>;
}

const notFound: HoldRefusal = Object.freeze({ ok: false, reason: 'hold-not-found' });
const expired: HoldRefusal = Object.freeze({ ok: false, reason: 'hold-expired' });


interface OwnHold {
  readonly id: string;
  readonly eventId: string;
  readonly seatIndexes: readonly number[];
  readonly status: HoldStatus;
  /** Held, and past its expiry by the database clock. */
  readonly lapsed: boolean;
  readonly seats: readonly Seat[];
}

/** Thrown to roll a transaction back with an answer. */
class Rollback {
  readonly result: ConfirmResult;

  constructor(result: ConfirmResult) {
    this.result = result;
  }
}

/**
 * The caller's hold, row-locked for the rest of the transaction so commands on one hold run
 * one at a time; undefined for another user's hold or another event's (a stranger learns
 * nothing), and for released or cancelled ones (gone, as in the engine).
 */
async function lockOwnHold(trx: Transaction<Database>, ref: HoldRef, event: EventInfo): Promise<OwnHold | undefined> {
  const row = await trx
    .selectFrom('holds')
    .select(['id', 'event_id', 'user_id', 'seat_indexes', 'status', sql<boolean>`status = 'held' and expires_at <= now()`.as('lapsed')])
    .where('id', '=', ref.holdId)
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined || row.user_id !== ref.userId || row.event_id !== ref.eventId) return undefined;
  if (row.status === 'released' || row.status === 'cancelled') return undefined;
  return {
    id: row.id,
    eventId: row.event_id,
    seatIndexes: row.seat_indexes,
    status: row.status,
    lapsed: row.lapsed,
    seats: row.seat_indexes.map((i) => seatOfIndex(i, event.cols)),
  };
}

/** Expires a held hold found past its expiry (what the sweeper would do), then says so. */
async function expireLapsed(trx: Transaction<Database>, hold: OwnHold): Promise<HoldRefusal> {
  if (await moveHold(trx, hold.id, 'held', 'expired')) await freeSeatsOf(trx, hold.eventId, hold.id, hold.seatIndexes);
  return expired;
}

/** Sells a held hold's seats; the row count proves every seat was still this hold's (or free, when late). */
async function sellHeldSeats(trx: Transaction<Database>, hold: OwnHold): Promise<boolean> {
  const update = trx
    .updateTable('seats')
    .set({ state: 'sold', hold_id: hold.id, held_until: null, version: sql`version + 1` })
    .where('event_id', '=', hold.eventId)
    .where('seat_index', '=', sql<number>`any(${[...hold.seatIndexes]}::int[])`);
  const result = hold.lapsed
    ? // A late payment wins only where nobody took the seat since: still ours, or free.
      await update.where((eb) => eb.or([eb('hold_id', '=', hold.id), seatIsFree])).executeTakeFirst()
    : await update.where('hold_id', '=', hold.id).where('state', '=', 'held').executeTakeFirst();
  return Number(result.numUpdatedRows) === hold.seatIndexes.length;
}

export function createHoldCommands(db: Kysely<Database>, events: EventCache): HoldCommands {
  async function checkRef(ref: HoldRef): Promise<EventInfo> {
    const eventId = checkId('eventId', ref.eventId);
    checkUserId(ref.userId);
    checkId('holdId', ref.holdId);
    return events.get(eventId);
  }

  return {
    async confirm(ref: HoldRef): Promise<ConfirmResult> {
      const event = await checkRef(ref);
      try {
        return await db.transaction().execute(async (trx): Promise<ConfirmResult> => {
          const hold = await lockOwnHold(trx, ref, event);
          if (hold === undefined) return notFound;
          if (hold.status === 'confirmed') return { ok: true, seats: hold.seats, alreadyConfirmed: true };
          if (hold.status !== 'held') return expired;
          if (!(await sellHeldSeats(trx, hold))) throw new Rollback(expired);
          // The hold row is locked: an expiry cannot have moved it since we read it.
          if (!(await moveHold(trx, hold.id, 'held', 'confirmed'))) throw new Rollback(expired);
          await trx.insertInto('bookings').values({ id: hold.id, event_id: hold.eventId, user_id: ref.userId }).execute();
          return { ok: true, seats: hold.seats, alreadyConfirmed: false };
        });
      } catch (error) {
        if (error instanceof Rollback) return error.result;
        throw error;
      }
    },

    async release(ref: HoldRef): Promise<ReleaseResult> {
      const event = await checkRef(ref);
      return db.transaction().execute(async (trx): Promise<ReleaseResult> => {
        const hold = await lockOwnHold(trx, ref, event);
        if (hold === undefined) return notFound;
        if (hold.status === 'confirmed') return { ok: false, reason: 'wrong-state', status: 'sold' };
        if (hold.status !== 'held') return expired;
        if (hold.lapsed) return expireLapsed(trx, hold);
        await moveHold(trx, hold.id, 'held', 'released');
        await freeSeatsOf(trx, hold.eventId, hold.id, hold.seatIndexes);
        return { ok: true, seats: hold.seats };
      });
    },

    /** The hold row stays (status cancelled, for the record); its booking row is deleted. */
    async cancel(ref: HoldRef): Promise<ReleaseResult> {
      const event = await checkRef(ref);
      return db.transaction().execute(async (trx): Promise<ReleaseResult> => {
        const hold = await lockOwnHold(trx, ref, event);
        if (hold === undefined) return notFound;
        if (hold.status === 'held') return hold.lapsed ? expireLapsed(trx, hold) : { ok: false, reason: 'wrong-state', status: 'held' };
        if (hold.status !== 'confirmed') return expired;
        await moveHold(trx, hold.id, 'confirmed', 'cancelled');
        await freeSeatsOf(trx, hold.eventId, hold.id, hold.seatIndexes);
        await trx.deleteFrom('bookings').where('id', '=', hold.id).execute();
        return { ok: true, seats: hold.seats };
      });
    },

    async seatMap(eventId: string): Promise<SeatMap> {
      const event = await events.get(checkId('eventId', eventId));
      const rows = await db
        .selectFrom('seats')
        .select(['seat_index', 'state', seatIsFree.as('free')])
        .where('event_id', '=', event.eventId)
        .execute();
      const states = new Array<string>(event.capacity).fill('.');
      let available = event.capacity;
      for (const row of rows) {
        if (row.free) continue;
        states[row.seat_index] = row.state === 'sold' ? 'S' : 'H';
        available--;
      }
      return {
        rows: event.rows,
        cols: event.cols,
        capacity: event.capacity,
        available,
        maxSeatsPerUser: event.maxSeatsPerUser,
        generation: 0,
        states: states.join(''),
      };
    },
  };
}
