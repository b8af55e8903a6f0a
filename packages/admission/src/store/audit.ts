import { sql } from 'kysely';
import { seatIsFree } from './seat-writes.js';
import type { Executor } from './store.js';

/**
 * What PostgreSQL says about one event, read in one statement (one snapshot, one now()). A
 * hold is live while confirmed, or held and not past its expiry; the seat lists of the holds
 * are checked against the seats table, the two records of who holds what.
 */
export interface EventAudit {
  /** Seats listed by two or more live holds: an oversell. Must be 0. */
  readonly oversold: number;
  /** Seats listed by two or more confirmed holds: sold twice. Must be 0. */
  readonly doubleBooked: number;
  /** Live holds some of whose seats the seats table gives to another hold or none: not all or nothing. Must be 0. */
  readonly partial: number;
  /** Live holds (held and unexpired, or confirmed). */
  readonly activeHolds: number;
  /** Distinct seats the live holds list. */
  readonly activeSeats: number;
  /** Seats the seats table says are sold. */
  readonly seatsSold: number;
  /** Seats the seats table says are held, by a hold not past its expiry. */
  readonly seatsHeld: number;
  /** Seats free, or held past their expiry (they count as free everywhere). */
  readonly seatsFree: number;
  /** Rows of seats whose free-seat bits (kept by a trigger for best-available) disagree with the seats' states. Must be 0. */
  readonly staleRows: number;
}

export async function auditEvent({ db, t }: Executor, eventId: string): Promise<EventAudit> {
  const { rows } = await sql<{
    oversold: number;
    double_booked: number;
    partial: number;
    active_holds: number;
    active_seats: number;
    seats_sold: number;
    seats_held: number;
    seats_free: number;
    stale_rows: number;
  }>`
    with live as (
      select id, status, seat_indexes from ${t.holds}
      where event_id = ${eventId} and (status = 'confirmed' or (status = 'held' and expires_at > now()))
    ),
    claimed as (
      select live.id, live.status, listed.seat_index
      from live cross join lateral unnest(live.seat_indexes) as listed(seat_index)
    ),
    seat_states as (
      select
        count(*) filter (where state = 'sold')::int as sold,
        count(*) filter (where state = 'held' and held_until >= now())::int as held,
        count(*) filter (where ${seatIsFree})::int as free
      from ${t.seats} where event_id = ${eventId}
    ),
    row_bits as (
      select row, string_agg(case when state = 'free' then '1' else '0' end, '' order by col)::varbit as bits
      from ${t.seats} where event_id = ${eventId} group by row
    )
    select
      (select count(*) from (
        select seat_index from claimed group by seat_index having count(distinct id) > 1
      ) as shared)::int as oversold,
      (select count(*) from (
        select seat_index from claimed where status = 'confirmed' group by seat_index having count(distinct id) > 1
      ) as sold_twice)::int as double_booked,
      (select count(distinct claimed.id) from claimed
        left join ${t.seats} as seats on seats.event_id = ${eventId} and seats.seat_index = claimed.seat_index
        where seats.hold_id is distinct from claimed.id)::int as partial,
      (select count(*) from live)::int as active_holds,
      (select count(distinct seat_index) from claimed)::int as active_seats,
      seat_states.sold as seats_sold,
      seat_states.held as seats_held,
      seat_states.free as seats_free,
      (select count(*) from row_bits
        full join (select row, free, longest_free from ${t.seatRows} where event_id = ${eventId}) as kept using (row)
        where kept.free is distinct from row_bits.bits
           or kept.longest_free is distinct from (select coalesce(max(length(run)), 0) from regexp_split_to_table(row_bits.bits::text, '0') as run))::int
        as stale_rows
    from seat_states`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error('the audit query returned no row');
  return {
    oversold: row.oversold,
    doubleBooked: row.double_booked,
    partial: row.partial,
    activeHolds: row.active_holds,
    activeSeats: row.active_seats,
    seatsSold: row.seats_sold,
    seatsHeld: row.seats_held,
    seatsFree: row.seats_free,
    staleRows: row.stale_rows,
  };
}
