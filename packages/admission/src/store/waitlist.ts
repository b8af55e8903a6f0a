import { sql } from 'kysely';
import type { SnapshotEntry } from '../results.js';
import type { WaitlistStatus } from './database.js';
import type { Executor, Store, StoreTx } from './store.js';

/** A waitlist entry as the store of record has it. */
export interface WaitlistEntryRecord {
  readonly entryId: string;
  readonly eventId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly status: WaitlistStatus;
  /** The current (or last) offer's hold, and when it expires. */
  readonly holdId: string | null;
  readonly offerExpiresAt: Date | null;
}

/** The unique index that keeps one active entry per user and event. */
const ONE_ACTIVE = 'waitlist_one_active';

/**
 * Records a new entry, waiting, before the gate numbers it: a second active entry of the same
 * user and event is refused here (returns the active one's id), whatever Redis knows.
 */
export async function insertEntry(
  store: Store,
  entry: { entryId: string; eventId: string; userId: string; quantity: number },
): Promise<{ inserted: true } | { inserted: false; activeEntryId: string }> {
  try {
    await store.db
      .insertInto('waitlist_entries')
      .values({ id: entry.entryId, event_id: entry.eventId, user_id: entry.userId, quantity: entry.quantity, status: 'waiting' })
      .execute();
    return { inserted: true };
  } catch (error) {
    const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
    if (code !== '23505' || constraint !== ONE_ACTIVE) throw error;
    const active = await store.db
      .selectFrom('waitlist_entries')
      .select('id')
      .where('event_id', '=', entry.eventId)
      .where('user_id', '=', entry.userId)
      .where('status', 'in', ['waiting', 'offered'])
      .executeTakeFirst();
    return { inserted: false, activeEntryId: active?.id ?? '' };
  }
}

/** The arrival number the gate gave the entry. */
export async function numberEntry({ db }: Executor, entryId: string, seq: number): Promise<void> {
  await db
    .updateTable('waitlist_entries')
    .set({ seq: String(seq) })
    .where('id', '=', entryId)
    .execute();
}

/** Removes an entry the gate refused (it never joined). */
export async function deleteEntry({ db }: Executor, entryId: string): Promise<void> {
  await db.deleteFrom('waitlist_entries').where('id', '=', entryId).execute();
}

/** Ends an active entry (no-op when it ended already). */
export async function closeEntry({ db }: Executor, entryId: string, status: 'fulfilled' | 'expired' | 'left'): Promise<void> {
  await db
    .updateTable('waitlist_entries')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('id', '=', entryId)
    .where('status', 'in', ['waiting', 'offered'])
    .execute();
}

/** Ends the entries whose offers these holds are (confirmed, expired, released). */
export async function closeOffers({ db }: StoreTx, holdIds: readonly string[], status: 'fulfilled' | 'expired' | 'left'): Promise<void> {
  if (holdIds.length === 0) return;
  await db
    .updateTable('waitlist_entries')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('hold_id', 'in', [...holdIds])
    .where('status', '=', 'offered')
    .execute();
}

/** Marks an entry offered, with the offer's hold. */
export async function recordOffer({ db }: StoreTx, entryId: string, holdId: string, expiresAt: Date): Promise<void> {
  await db
    .updateTable('waitlist_entries')
    .set({ status: 'offered', hold_id: holdId, offer_expires_at: expiresAt, offers: sql`offers + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', entryId)
    .execute();
}

/** How many times the entry, at the head, was passed over for a later one (the gate counts; a reload reads it back). */
export async function recordSkips({ db }: Executor, entryId: string, skips: number): Promise<void> {
  await db.updateTable('waitlist_entries').set({ skips }).where('id', '=', entryId).execute();
}

export async function findEntry({ db }: Executor, entryId: string): Promise<WaitlistEntryRecord | undefined> {
  const row = await db.selectFrom('waitlist_entries').selectAll().where('id', '=', entryId).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    entryId: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    quantity: row.quantity,
    status: row.status,
    holdId: row.hold_id,
    offerExpiresAt: row.offer_expires_at,
  };
}

/** Entries waiting now. */
export async function waitingCount({ db }: Executor, eventId: string): Promise<number> {
  const row = await db
    .selectFrom('waitlist_entries')
    .select(sql<number>`count(*)::int`.as('waiting'))
    .where('event_id', '=', eventId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return row?.waiting ?? 0;
}

/**
 * The event's waitlist as the gate's snapshot: waiting entries, and offered ones whose offer
 * is still live (an offer past its expiry is the sweeper's to close), in arrival order.
 */
export async function waitlistSnapshot({ db, t }: Executor, eventId: string): Promise<SnapshotEntry[]> {
  const { rows } = await sql<{
    id: string;
    user_id: string;
    quantity: number;
    seq: string;
    status: 'waiting' | 'offered';
    offers: number;
    skips: number;
    hold_id: string | null;
    offer_expires_at: Date | null;
  }>`
    select e.id, e.user_id, e.quantity, e.seq, e.status, e.offers, e.skips, e.hold_id, e.offer_expires_at
    from ${t.waitlistEntries} e
    left join ${t.holds} h on h.id = e.hold_id
    where e.event_id = ${eventId} and e.seq is not null
      and (e.status = 'waiting' or (e.status = 'offered' and h.status = 'held' and h.expires_at > now()))
    order by e.seq`.execute(db);
  return rows.map((row) => ({
    entryId: row.id,
    userId: row.user_id,
    quantity: row.quantity,
    seq: Number(row.seq),
    status: row.status,
    offers: row.offers,
    skips: row.skips,
    ...(row.status === 'offered' && row.hold_id !== null && row.offer_expires_at !== null
      ? { holdId: row.hold_id, offerExpiresAt: row.offer_expires_at }
      : {}),
  }));
}
