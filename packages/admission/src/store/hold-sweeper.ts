import { sql } from 'kysely';
import { lockSeatsInOrder } from './seat-writes.js';
import { closeOffers } from './waitlist.js';
import type { Store } from './store.js';

export interface SweeperSettings {
  /** How often due holds are expired. Default 1,000 ms. */
  readonly intervalMs: number;
  /** Holds expired per transaction, at most. Default 500. */
  readonly batch: number;
}

export const defaultSweeperSettings: Readonly<SweeperSettings> = Object.freeze({
  intervalMs: 1_000,
  batch: 500,
});

export interface ExpiredHoldRow {
  readonly holdId: string;
  readonly eventId: string;
}

/**
 * Brings PostgreSQL up to date with expiry: holds due for `graceMs` become 'expired' and free
 * the seats they still hold. Expired holds never block a claim anyway (a held seat past
 * held_until counts as free); this keeps the records true. Locks are taken as confirm takes
 * them, the hold first, then its seats, and holds another transaction has locked (a confirm
 * under way) are skipped, so the sweeper never waits on a confirm. Both move a hold only from
 * 'held' under its row lock: exactly one of confirm and expiry wins, and a hold expires at
 * most once.
 */
export async function sweepExpiredHolds(store: Store, batch: number, graceMs: number): Promise<readonly ExpiredHoldRow[]> {
  return store.transaction(async (tx) => {
    const { db, t } = tx;
    // One sweep at a time across every process and machine: the others skip this pass.
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(hashtext(${store.schema} || ':sweep')) as locked`.execute(db);
    if (rows[0]?.locked !== true) return [];
    const due = await db
      .selectFrom('holds')
      .select(['id', 'event_id', 'seat_indexes'])
      .where('status', '=', 'held')
      .where('expires_at', '<', sql<Date>`now() - ${graceMs} * interval '1 millisecond'`)
      .orderBy('expires_at')
      .limit(batch)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    const ids = due.map((row) => row.id);
    // By primary key (hold_id has no index), locked in index order like every seat writer.
    const seats = due.flatMap((hold) => hold.seat_indexes.map((seatIndex) => ({ eventId: hold.event_id, seatIndex, holdId: hold.id })));
    await lockSeatsInOrder(tx, seats);
    await sql`
      update ${t.seats} as s set state = 'free', hold_id = null, held_until = null, version = s.version + 1
      from unnest(${seats.map((s) => s.eventId)}::text[], ${seats.map((s) => s.seatIndex)}::int[], ${seats.map((s) => s.holdId)}::text[])
           as v(event_id, seat_index, hold_id)
      where s.event_id = v.event_id and s.seat_index = v.seat_index and s.hold_id = v.hold_id and s.state = 'held'`.execute(db);
    await db.updateTable('holds').set({ status: 'expired', updated_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
    await closeOffers(tx, ids, 'expired');
    return due.map((row) => ({ holdId: row.id, eventId: row.event_id }));
  });
}
