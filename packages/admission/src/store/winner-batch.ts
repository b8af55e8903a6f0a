import { sql } from 'kysely';
import type { ClaimResult } from '../results.js';
import type { IdempotencyRef } from './idempotency-records.js';
import { seatIsFree, type SeatTake } from './seat-writes.js';
import type { StoreTx } from './store.js';

/** An idempotency answer stored with its winner. */
export interface WinnerAnswer {
  readonly ref: IdempotencyRef;
  readonly fingerprint: string;
  readonly result: ClaimResult;
}

/** What the batch's statement did; the caller rolls back unless every take got every seat and every answer was stored. */
export interface BatchWritten {
  /** Seats taken, by hold id. */
  readonly seatsTaken: ReadonlyMap<string, number>;
  /** Answers stored; fewer than sent when a key had an answer already. */
  readonly answersStored: number;
}

/**
 * A batch of winners in one statement: their seats taken where each is free (locked first, in
 * index order, so this writer and every other lock seats in one order), their holds, the
 * bookings of those sold at once, and the idempotency answers. One round trip for the whole
 * batch instead of one a table: the transaction is BEGIN, this, COMMIT.
 */
export async function writeWinnerBatch(
  { db, t }: StoreTx,
  takes: readonly SeatTake[],
  answers: readonly WinnerAnswer[],
): Promise<BatchWritten> {
  const seats = takes.flatMap((take) => take.seatIndexes.map((index, position) => ({ take, index, position })));
  const { rows } = await sql<{ taken: Record<string, number> | null; stored: number }>`
    with v as (
      select * from unnest(${seats.map((s) => s.take.eventId)}::text[], ${seats.map((s) => s.index)}::int[],
                           ${seats.map((s) => s.take.holdId)}::text[], ${seats.map((s) => s.take.expiresAt)}::timestamptz[],
                           ${seats.map((s) => s.position)}::int[])
             as v(event_id, seat_index, hold_id, until, position)
    ),
    locked as materialized (
      select s.event_id, s.seat_index from ${t.seats} as s
      where (s.event_id, s.seat_index) in (select event_id, seat_index from v)
      order by s.event_id, s.seat_index
      for update
    ),
    taken as (
      update ${t.seats} as s
      set state = case when v.until is null then 'sold' else 'held' end,
          hold_id = v.hold_id, held_until = v.until, version = s.version + 1
      from v join locked as l on l.event_id = v.event_id and l.seat_index = v.seat_index
      where s.event_id = v.event_id and s.seat_index = v.seat_index and ${seatIsFree}
      returning v.hold_id
    ),
    h as (
      select * from unnest(${takes.map((take) => take.holdId)}::text[], ${takes.map((take) => take.eventId)}::text[],
                           ${takes.map((take) => take.userId)}::text[], ${takes.map((take) => take.expiresAt)}::timestamptz[])
             as h(id, event_id, user_id, expires_at)
    ),
    seat_lists as (
      select hold_id, array_agg(seat_index order by position) as seat_indexes from v group by hold_id
    ),
    holds as (
      insert into ${t.holds} (id, event_id, user_id, seat_indexes, status, expires_at)
      select h.id, h.event_id, h.user_id, l.seat_indexes,
             case when h.expires_at is null then 'confirmed' else 'held' end, h.expires_at
      from h join seat_lists as l on l.hold_id = h.id
    ),
    bookings as (
      insert into ${t.bookings} (id, event_id, user_id)
      select id, event_id, user_id from h where expires_at is null
    ),
    stored as (
      insert into ${t.idempotencyRecords} (user_id, event_id, key, fingerprint, response)
      select * from unnest(${answers.map((a) => a.ref.userId)}::text[], ${answers.map((a) => a.ref.eventId)}::text[],
                           ${answers.map((a) => a.ref.key)}::text[], ${answers.map((a) => a.fingerprint)}::text[],
                           ${answers.map((a) => JSON.stringify(a.result))}::jsonb[])
      on conflict (user_id, event_id, key) do nothing
      returning 1
    )
    select (select json_object_agg(hold_id, n) from (select hold_id, count(*) as n from taken group by hold_id) as c) as taken,
           (select count(*)::int from stored) as stored`.execute(db);
  const row = rows[0];
  return { seatsTaken: new Map(Object.entries(row?.taken ?? {})), answersStored: row?.stored ?? 0 };
}
