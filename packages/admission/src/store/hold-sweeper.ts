import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { lockSeatsInOrder } from './seat-writes.js';

export interface SweepSettings {
  /** How often due holds are expired. */
  readonly intervalMs: number;
  /** Holds expired per transaction, at most. */
  readonly batch: number;
  /** Expire this long after a hold's expiry (match the gate's expiryGraceMs). */
  readonly graceMs: number;
}

export const defaultSweepSettings: Readonly<SweepSettings> = Object.freeze({
  intervalMs: 1_000,
  batch: 500,
  graceMs: 0,
});

export interface ExpiredHoldRow {
  readonly holdId: string;
  readonly eventId: string;
}

/**
 * Brings PostgreSQL up to date with expiry: due holds become 'expired' and free the seats
 * they still hold. Expired holds never block a claim anyway (a held seat past held_until
 * counts as free); this keeps the records true. Locks are taken as confirm takes them, the
 * hold first, then its seats, and holds another transaction has locked (a confirm under
 * way) are skipped, so the sweeper never waits on a confirm. Both move a hold only from
 * 'held' under its row lock: exactly one of confirm and expiry wins, and a hold expires
 * at most once.
 */
export async function sweepExpiredHolds(db: Kysely<Database>, settings: Partial<SweepSettings> = {}): Promise<readonly ExpiredHoldRow[]> {
  const { batch, graceMs } = { ...defaultSweepSettings, ...settings };
  return db.transaction().execute(async (trx) => {
    const due = await trx
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
    await lockSeatsInOrder(trx, seats);
    await sql`
      update seats as s set state = 'free', hold_id = null, held_until = null, version = s.version + 1
      from unnest(${seats.map((s) => s.eventId)}::text[], ${seats.map((s) => s.seatIndex)}::int[], ${seats.map((s) => s.holdId)}::text[])
           as v(event_id, seat_index, hold_id)
      where s.event_id = v.event_id and s.seat_index = v.seat_index and s.hold_id = v.hold_id and s.state = 'held'`.execute(trx);
    await trx.updateTable('holds').set({ status: 'expired', updated_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
    return due.map((row) => ({ holdId: row.id, eventId: row.event_id }));
  });
}

/** Runs sweepExpiredHolds on an interval (the API server starts one). */
export class HoldSweeper {
  readonly #db: Kysely<Database>;
  readonly settings: Readonly<SweepSettings>;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Kysely<Database>, settings: Partial<SweepSettings> = {}) {
    this.#db = db;
    this.settings = Object.freeze({ ...defaultSweepSettings, ...settings });
  }

  start(onError: (error: unknown) => void): void {
    this.#timer ??= setInterval(() => void this.sweepOnce().catch(onError), this.settings.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  sweepOnce(): Promise<readonly ExpiredHoldRow[]> {
    return sweepExpiredHolds(this.#db, this.settings);
  }
}
