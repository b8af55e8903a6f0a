import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Counters kept with the writes, so no read has to count a million seat rows: per event,
 * seats taken (held or sold by state) and seat changes (a version of PostgreSQL's map), kept
 * by a statement-level trigger on seats. Each connection adds to its own slot (its backend
 * pid modulo 32), so concurrent writers of one event do not queue on one counter row;
 * readers sum the slots. Also an index on the held seats by expiry, to count those whose
 * hold lapsed but is not swept yet (they count as free).
 */
export function seatCounts(schema: string): Migration {
  const counts = sql.table(`${schema}.event_seat_counts`);
  const seats = sql.table(`${schema}.seats`);
  const events = sql.table(`${schema}.events`);
  const trackFunction = sql.id(schema, 'track_seat_counts');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create table ${counts} (
        event_id text not null references ${events}(id) on delete cascade,
        slot smallint not null,
        taken integer not null default 0,
        changes bigint not null default 0,
        primary key (event_id, slot))`.execute(db);
      await sql`create function ${trackFunction}() returns trigger language plpgsql as $$
        begin
          insert into ${counts} as c (event_id, slot, taken, changes)
          select n.event_id, pg_backend_pid() % 32,
                 sum((n.state <> 'free')::int - (o.state <> 'free')::int), count(*)
          from changed_new n join changed_old o using (event_id, seat_index)
          where n.state is distinct from o.state or n.hold_id is distinct from o.hold_id
          group by n.event_id
          order by n.event_id
          on conflict (event_id, slot) do update set taken = c.taken + excluded.taken, changes = c.changes + excluded.changes;
          return null;
        end $$`.execute(db);
      await sql`create trigger seats_track_counts after update on ${seats}
        referencing old table as changed_old new table as changed_new
        for each statement execute function ${trackFunction}()`.execute(db);
      // Events with seats already taken start from their real count.
      await sql`insert into ${counts} (event_id, slot, taken, changes)
        select event_id, 0, count(*) filter (where state <> 'free'), count(*) filter (where state <> 'free')
        from ${seats} group by event_id having count(*) filter (where state <> 'free') > 0`.execute(db);
      await sql`create index seats_held_until on ${seats} (event_id, held_until) where state = 'held'`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop index if exists ${sql.id(schema, 'seats_held_until')}`.execute(db);
      await sql`drop trigger if exists seats_track_counts on ${seats}`.execute(db);
      await sql`drop function if exists ${trackFunction}()`.execute(db);
      await sql`drop table if exists ${counts}`.execute(db);
    },
  };
}
