import { sql } from 'kysely';
import type { EventRow } from './database.js';
import { toEventInfo, type EventInfo } from './events.js';
import type { Executor } from './store.js';

/**
 * The events background jobs look after: those with held holds (they will expire), and those
 * whose holds changed within `windowMs` (written, confirmed, released, cancelled, expired), by
 * any process on any machine; the most recently changed first, so a pass that stops at `limit`
 * leaves out the quietest. Found through indexes on held holds and on their last change.
 */
export async function activeEvents({ db, t }: Executor, shard: number, windowMs: number, limit: number): Promise<EventInfo[]> {
  const { rows } = await sql<EventRow>`
    select e.* from ${t.events} e join (
      select event_id, max(updated_at) as last_change from (
        select event_id, updated_at from ${t.holds} where status = 'held'
        union all
        select event_id, updated_at from ${t.holds} where updated_at > now() - ${windowMs} * interval '1 millisecond') h
      group by event_id
      order by last_change desc
      limit ${limit}) a on a.event_id = e.id
    order by a.last_change desc`.execute(db);
  return rows.map((row) => toEventInfo(row, shard));
}
