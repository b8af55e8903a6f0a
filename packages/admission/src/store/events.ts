import { sql } from 'kysely';
import { limits } from '../limits.js';
import { InvalidInputError } from '../errors.js';
import type { EventSnapshot, SnapshotHold, WaitingRoomSettings } from '../results.js';
import { seatOfIndex } from '../seats.js';
import { checkId, checkText, checkWhole } from '../validation.js';
import type { EventRow } from './database.js';
import type { Executor, Store } from './store.js';
import { waitlistSnapshot } from './waitlist.js';

export interface NewEvent {
  /** A random id when absent. */
  readonly eventId?: string;
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** 0 (default): no limit. */
  readonly maxSeatsPerUser?: number;
  /** How long a hold lasts when the claim does not say, 1 s to 24 h. */
  readonly holdTtlMs: number;
  /** How long a waitlist offer is held, 1 s to 24 h. Default 5 min. */
  readonly waitlistOfferMs?: number;
  /** A waiting room in front of the event (admission strategy): claims then need an admission. */
  readonly waitingRoom?: WaitingRoomSettings;
}

export interface EventInfo {
  readonly eventId: string;
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly capacity: number;
  readonly maxSeatsPerUser: number;
  readonly holdTtlMs: number;
  readonly waitlistOfferMs: number;
  readonly waitingRoom: WaitingRoomSettings | undefined;
  /** The PostgreSQL shard the event lives in (0 with one database). */
  readonly shard: number;
}

export function toEventInfo(row: EventRow, shard: number): EventInfo {
  return {
    eventId: row.id,
    name: row.name,
    rows: row.rows,
    cols: row.cols,
    capacity: row.capacity,
    maxSeatsPerUser: row.max_seats_per_user,
    holdTtlMs: row.hold_ttl_ms,
    waitlistOfferMs: row.waitlist_offer_ms,
    shard,
    waitingRoom:
      row.waiting_room_per_second === null || row.waiting_room_ttl_ms === null
        ? undefined
        : { admitPerSecond: row.waiting_room_per_second, admissionTtlMs: row.waiting_room_ttl_ms },
  };
}

export const DEFAULT_WAITLIST_OFFER_MS = 5 * 60_000;

function checkWaitingRoom(room: WaitingRoomSettings): WaitingRoomSettings {
  const admitPerSecond = room.admitPerSecond;
  if (typeof admitPerSecond !== 'number' || !Number.isFinite(admitPerSecond) || admitPerSecond <= 0 || admitPerSecond > 100_000) {
    throw new InvalidInputError('waitingRoom.admitPerSecond', 'must be a number above 0, at most 100000');
  }
  const admissionTtlMs = checkWhole('waitingRoom.admissionTtlMs', room.admissionTtlMs, 1_000, limits.maxHoldTtlMs);
  return { admitPerSecond, admissionTtlMs };
}

/** Creates the event and one free row a seat, in one transaction, in shard `shard`'s store. */
export async function createEvent(store: Store, shard: number, event: NewEvent & { readonly eventId: string }): Promise<EventInfo> {
  const eventId = checkId('eventId', event.eventId);
  const name = checkText('name', event.name, limits.maxEventNameLength);
  const rows = checkWhole('rows', event.rows, 1, limits.maxRows);
  const cols = checkWhole('cols', event.cols, 1, limits.maxCols);
  const maxSeatsPerUser = checkWhole('maxSeatsPerUser', event.maxSeatsPerUser ?? 0, 0, rows * cols);
  const holdTtlMs = checkWhole('holdTtlMs', event.holdTtlMs, limits.minHoldTtlMs, limits.maxHoldTtlMs);
  const room = event.waitingRoom === undefined ? undefined : checkWaitingRoom(event.waitingRoom);
  const waitlistOfferMs = checkWhole(
    'waitlistOfferMs',
    event.waitlistOfferMs ?? DEFAULT_WAITLIST_OFFER_MS,
    limits.minHoldTtlMs,
    limits.maxHoldTtlMs,
  );
  return store.transaction(async ({ db, t }) => {
    const row = await db
      .insertInto('events')
      .values({
        id: eventId,
        name,
        rows,
        cols,
        capacity: rows * cols,
        max_seats_per_user: maxSeatsPerUser,
        hold_ttl_ms: holdTtlMs,
        waitlist_offer_ms: waitlistOfferMs,
        waiting_room_per_second: room?.admitPerSecond ?? null,
        waiting_room_ttl_ms: room?.admissionTtlMs ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await sql`insert into ${t.seats} (event_id, seat_index, row, col)
      select ${eventId}, i, i / ${cols} + 1, i % ${cols} + 1 from generate_series(0, ${rows * cols - 1}) as i`.execute(db);
    await sql`insert into ${t.seatRows} (event_id, row, free, longest_free)
      select ${eventId}, r, repeat('1', ${cols})::varbit, ${cols} from generate_series(1, ${rows}) as r`.execute(db);
    return toEventInfo(row, shard);
  });
}

/** A page of events, by id; `after`: the last id of the previous page (none for the first). */
/** A page of one shard's events, by id; `after`: the last id of the previous page (none for the first). */
export async function listEvents({ db }: Executor, shard: number, limit: number, after?: string): Promise<EventInfo[]> {
  let query = db.selectFrom('events').selectAll().orderBy('id').limit(limit);
  if (after !== undefined) query = query.where('id', '>', after);
  return (await query.execute()).map((row) => toEventInfo(row, shard));
}

export async function findEvent({ db }: Executor, shard: number, eventId: string): Promise<EventInfo | undefined> {
  const row = await db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
  return row === undefined ? undefined : toEventInfo(row, shard);
}

/**
 * The event's live state as the gate's snapshot: confirmed holds and unexpired held ones,
 * read from the seats themselves (the truth of who holds what), and its waitlist.
 */
export async function eventSnapshot(store: Executor, event: EventInfo): Promise<EventSnapshot> {
  // Two index-driven reads (seats_sold, seats_held_until): the taken seats, never every seat.
  const taken = () =>
    store.db
      .selectFrom('seats')
      .innerJoin('holds', 'holds.id', 'seats.hold_id')
      .select(['seats.seat_index', 'holds.id', 'holds.user_id', 'seats.state', 'seats.held_until'])
      .where('seats.event_id', '=', event.eventId);
  const rows = await taken()
    .where('seats.state', '=', 'sold')
    .unionAll(taken().where('seats.state', '=', 'held').where('seats.held_until', '>', sql<Date>`now()`))
    .orderBy('seat_index')
    .execute();
  const holds = new Map<string, { userId: string; status: 'held' | 'sold'; expiresAt?: Date; seats: number[] }>();
  for (const row of rows) {
    let hold = holds.get(row.id);
    if (hold === undefined) {
      hold = { userId: row.user_id, status: row.state === 'sold' ? 'sold' : 'held', seats: [] };
      if (row.held_until !== null) hold.expiresAt = row.held_until;
      holds.set(row.id, hold);
    }
    hold.seats.push(row.seat_index);
  }
  return {
    eventId: event.eventId,
    rows: event.rows,
    cols: event.cols,
    maxSeatsPerUser: event.maxSeatsPerUser,
    waitlistOfferMs: event.waitlistOfferMs,
    waitlist: await waitlistSnapshot(store, event.eventId),
    ...(event.waitingRoom === undefined ? {} : { waitingRoom: event.waitingRoom }),
    holds: [...holds.entries()].map(
      ([holdId, hold]): SnapshotHold => ({
        holdId,
        userId: hold.userId,
        status: hold.status,
        seats: hold.seats.map((index) => seatOfIndex(index, event.cols)),
        ...(hold.expiresAt === undefined ? {} : { expiresAt: hold.expiresAt }),
      }),
    ),
  };
}

/**
 * One character a seat, as the gate's map has it: '.' free, 'H' held, 'S' sold. A hold
 * counts as held until `heldGraceMs` past its expiry (Redis reaps that late, by design).
 * Built in SQL as one string: PostgreSQL sends one value, not a row a seat.
 */
export async function seatStates({ db, t }: Executor, event: EventInfo, heldGraceMs = 0): Promise<string> {
  const { rows } = await sql<{ states: string | null }>`
    select string_agg(
      case when state = 'sold' then 'S'
           when state = 'held' and held_until > now() - ${heldGraceMs} * interval '1 millisecond' then 'H'
           else '.' end, '' order by seat_index) as states
    from ${t.seats} where event_id = ${event.eventId}`.execute(db);
  return rows[0]?.states ?? '';
}
