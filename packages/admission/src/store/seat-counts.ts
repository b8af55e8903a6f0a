import { sql } from 'kysely';
import type { EventInfo } from './events.js';
import type { Executor } from './store.js';

export interface SeatCounts {
  /** Seats free now: never taken, or held by a hold past its expiry. */
  readonly available: number;
  /** Seat changes so far: two reads at the same version saw the same map (but for holds lapsing meanwhile). */
  readonly version: number;
}

/**
 * The event's counters from the counts the writes keep (see the seat-counts migration): a
 * few rows, whatever the event's size. Seats whose hold lapsed but is not swept yet count as
 * free, found through the index of held seats by expiry.
 */
export async function seatCounts({ db, t }: Executor, event: EventInfo): Promise<SeatCounts> {
  const { rows } = await sql<{ taken: number; changes: string; lapsed: number }>`
    select coalesce(sum(taken), 0)::int as taken, coalesce(sum(changes), 0)::text as changes,
           (select count(*)::int from ${t.seats}
            where event_id = ${event.eventId} and state = 'held' and held_until < now()) as lapsed
    from ${t.eventSeatCounts} where event_id = ${event.eventId}`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error('the seat counts query returned no row');
  return { available: event.capacity - row.taken + row.lapsed, version: Number(row.changes) };
}
