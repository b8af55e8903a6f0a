import { sql } from 'kysely';
import type { EventRow } from './database.js';
import { toEventInfo, type EventInfo } from './events.js';
import type { Executor } from './store.js';

/**
 * The events background jobs look after: those with held holds (they will expire), and those
 * whose holds changed within `windowMs` (written, confirmed, released, cancelled, expired), by
 * any process on any machine. Found through indexes on held holds and on their last change.
 */
export async function activeEvents({ db, t }: Executor, shard: number, windowMs: number, limit: number): Promise<EventInfo[]> {
  const { rows } = await sql<EventRow>`
    select * from ${t.events} where id in (
      select event_id from ${t.holds} where status = 'held'
      union
      select event_id from ${t.holds} where updated_at > now() - ${windowMs} * interval '1 millisecond')
    limit ${limit}`.execute(db);
  return rows.map((row) => toEventInfo(row, shard));
}
