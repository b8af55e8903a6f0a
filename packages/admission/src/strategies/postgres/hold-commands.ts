import { sql } from 'kysely';
import type { ConfirmResult, ExtendResult, HoldRef, HoldRefusal, ReleaseResult } from '../../results.js';
import { seatOfIndex, type Seat } from '../../seats.js';
import type { HoldStatus } from '../../store/database.js';
import type { EventCache } from '../../store/event-cache.js';
import type { EventInfo } from '../../store/events.js';
import { freeSeatsOf, moveHold, seatIsFree } from '../../store/seat-writes.js';
import { closeOffers } from '../../store/waitlist.js';
import type { Shards } from '../../store/shards.js';
import type { StoreTx } from '../../store/store.js';
import { checkId, checkUserId } from '../../validation.js';
import { lockUserOnEvent, userSeats } from './claim-transaction.js';

/**
 * The hold commands (confirm, release, cancel) over PostgreSQL, the same for every PostgreSQL
 * strategy: only claims differ.
 */
export interface HoldCommands {
  confirm(ref: HoldRef): Promise<ConfirmResult>;
  release(ref: HoldRef): Promise<ReleaseResult>;
  cancel(ref: HoldRef): Promise<ReleaseResult>;
  extend(ref: HoldRef): Promise<ExtendResult>;
}

/** A hold lives at most this many times its TTL (the event's hold TTL; an offer's, the offer time). */
export const EXTENSION_CAP = 2;

const notFound: HoldRefusal = Object.freeze({ ok: false, reason: 'hold-not-found' });
const extensionLimit: ExtendResult = Object.freeze({ ok: false, reason: 'extension-limit' });
const expired: HoldRefusal = Object.freeze({ ok: false, reason: 'hold-expired' });

interface OwnHold {
  readonly id: string;
  readonly eventId: string;
  readonly seatIndexes: readonly number[];
  readonly status: HoldStatus;
  /** Held, and past its expiry by the database clock. */
  readonly lapsed: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
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
async function lockOwnHold({ db }: StoreTx, ref: HoldRef, event: EventInfo): Promise<OwnHold | undefined> {
  const row = await db
    .selectFrom('holds')
    .select([
      'id',
      'event_id',
      'user_id',
      'seat_indexes',
      'status',
      'created_at',
      'expires_at',
      sql<boolean>`status = 'held' and expires_at <= now()`.as('lapsed'),
    ])
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
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    seats: row.seat_indexes.map((i) => seatOfIndex(i, event.cols)),
  };
}

/** Expires a held hold found past its expiry (what the sweeper would do), then says so. */
async function expireLapsed(tx: StoreTx, hold: OwnHold): Promise<HoldRefusal> {
  if (await moveHold(tx, hold.id, 'held', 'expired')) {
    await freeSeatsOf(tx, hold.eventId, hold.id, hold.seatIndexes);
    await closeOffers(tx, [hold.id], 'expired');
  }
  return expired;
}

/** Sells a held hold's seats; the row count proves every seat was still this hold's (or free, when late). */
async function sellHeldSeats({ db }: StoreTx, hold: OwnHold): Promise<boolean> {
  const update = db
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

/**
 * A late payment must not lift the user past the event's limit: while the hold lapsed, the user
 * may have taken other seats. Counted under the same lock as claims.
 */
async function lateConfirmWithinLimit(tx: StoreTx, hold: OwnHold, event: EventInfo, userId: string): Promise<boolean> {
  if (!hold.lapsed || event.maxSeatsPerUser <= 0) return true;
  await lockUserOnEvent(tx, event.eventId, userId);
  const { rows } = await sql<{ seats: number }>`select ${userSeats(tx, event.eventId, userId, hold.id)} as seats`.execute(tx.db);
  return (rows[0]?.seats ?? 0) + hold.seatIndexes.length <= event.maxSeatsPerUser;
}

export function createHoldCommands(shards: Shards, events: EventCache): HoldCommands {
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
        return await shards.at(event.shard).transaction(async (tx): Promise<ConfirmResult> => {
          const hold = await lockOwnHold(tx, ref, event);
          if (hold === undefined) return notFound;
          if (hold.status === 'confirmed') return { ok: true, seats: hold.seats, alreadyConfirmed: true };
          if (hold.status !== 'held') return expired;
          if (!(await lateConfirmWithinLimit(tx, hold, event, ref.userId))) return expireLapsed(tx, hold);
          if (!(await sellHeldSeats(tx, hold))) throw new Rollback(expired);
          // The hold row is locked: an expiry cannot have moved it since we read it.
          if (!(await moveHold(tx, hold.id, 'held', 'confirmed'))) throw new Rollback(expired);
          await tx.db.insertInto('bookings').values({ id: hold.id, event_id: hold.eventId, user_id: ref.userId }).execute();
          await closeOffers(tx, [hold.id], 'fulfilled');
          return { ok: true, seats: hold.seats, alreadyConfirmed: false };
        });
      } catch (error) {
        if (error instanceof Rollback) return error.result;
        throw error;
      }
    },

    async release(ref: HoldRef): Promise<ReleaseResult> {
      const event = await checkRef(ref);
      return shards.at(event.shard).transaction(async (tx): Promise<ReleaseResult> => {
        const hold = await lockOwnHold(tx, ref, event);
        if (hold === undefined) return notFound;
        if (hold.status === 'confirmed') return { ok: false, reason: 'wrong-state', status: 'sold' };
        if (hold.status !== 'held') return expired;
        if (hold.lapsed) return expireLapsed(tx, hold);
        await moveHold(tx, hold.id, 'held', 'released');
        await freeSeatsOf(tx, hold.eventId, hold.id, hold.seatIndexes);
        // A released waitlist offer is a declined one.
        await closeOffers(tx, [hold.id], 'left');
        return { ok: true, seats: hold.seats };
      });
    },

    /** The hold row stays (status cancelled, for the record); its booking row is deleted. */
    async cancel(ref: HoldRef): Promise<ReleaseResult> {
      const event = await checkRef(ref);
      return shards.at(event.shard).transaction(async (tx): Promise<ReleaseResult> => {
        const hold = await lockOwnHold(tx, ref, event);
        if (hold === undefined) return notFound;
        if (hold.status === 'held') return hold.lapsed ? expireLapsed(tx, hold) : { ok: false, reason: 'wrong-state', status: 'held' };
        if (hold.status !== 'confirmed') return expired;
        await moveHold(tx, hold.id, 'confirmed', 'cancelled');
        await freeSeatsOf(tx, hold.eventId, hold.id, hold.seatIndexes);
        await tx.db.deleteFrom('bookings').where('id', '=', hold.id).execute();
        return { ok: true, seats: hold.seats };
      });
    },

    /**
     * Moves an unexpired hold's expiry one TTL on from now, never past EXTENSION_CAP times its
     * TTL after it was made: for a hold the event's hold TTL, for a waitlist offer the offer time.
     */
    async extend(ref: HoldRef): Promise<ExtendResult> {
      const event = await checkRef(ref);
      return shards.at(event.shard).transaction(async (tx): Promise<ExtendResult> => {
        const hold = await lockOwnHold(tx, ref, event);
        if (hold === undefined) return notFound;
        if (hold.status === 'confirmed') return { ok: false, reason: 'wrong-state', status: 'sold' };
        if (hold.status !== 'held') return expired;
        if (hold.lapsed) return expireLapsed(tx, hold);
        const offer = await tx.db.selectFrom('waitlist_entries').select('id').where('hold_id', '=', hold.id).executeTakeFirst();
        const ttlMs = offer === undefined ? event.holdTtlMs : event.waitlistOfferMs;
        const { rows } = await sql<{ until: Date }>`
          select least(now() + ${ttlMs} * interval '1 millisecond', ${hold.createdAt}::timestamptz + ${EXTENSION_CAP * ttlMs} * interval '1 millisecond') as until`.execute(
          tx.db,
        );
        const until = rows[0]?.until;
        if (until === undefined || hold.expiresAt === null || until <= hold.expiresAt) return extensionLimit;
        await tx.db.updateTable('holds').set({ expires_at: until, updated_at: sql<Date>`now()` }).where('id', '=', hold.id).execute();
        await tx.db
          .updateTable('seats')
          .set({ held_until: until, version: sql`version + 1` })
          .where('event_id', '=', hold.eventId)
          .where('seat_index', '=', sql<number>`any(${[...hold.seatIndexes]}::int[])`)
          .where('hold_id', '=', hold.id)
          .execute();
        if (offer !== undefined)
          await tx.db.updateTable('waitlist_entries').set({ offer_expires_at: until }).where('id', '=', offer.id).execute();
        return { ok: true, expiresAt: until };
      });
    },
  };
}
