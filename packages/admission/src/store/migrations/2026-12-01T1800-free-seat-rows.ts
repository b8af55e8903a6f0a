import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Each row of seats as a bit string of its free seats (col c is bit c - 1), with its longest
 * free run, kept by a statement-level trigger on seats: best-available reads a bit string a
 * row instead of a seat row a seat, and without a split skips the rows whose longest run is
 * too short. "Free" here is the state: seats whose hold lapsed but is not swept yet are found
 * through seats_held_until. A trigger flips only the bits its statement changed, in an
 * expression PostgreSQL re-evaluates on the newest version of the row when writers meet, so
 * concurrent writers of one row never lose each other's changes.
 */
export function freeSeatRows(schema: string): Migration {
  const seatRows = sql.table(`${schema}.seat_rows`);
  const seats = sql.table(`${schema}.seats`);
  const events = sql.table(`${schema}.events`);
  const longestRun = sql.id(schema, 'longest_run');
  const withBits = sql.id(schema, 'with_bits');
  const track = sql.id(schema, 'track_free_seat_rows');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create function ${longestRun}(bits varbit) returns integer language sql immutable parallel safe as $$
        select coalesce(max(length(run)), 0)::integer from regexp_split_to_table(bits::text, '0') as run $$`.execute(db);
      await sql`create function ${withBits}(bits varbit, ones integer[], zeros integer[]) returns varbit
        language plpgsql immutable parallel safe as $$
        declare col integer;
        begin
          foreach col in array coalesce(ones, '{}') loop bits := set_bit(bits, col - 1, 1); end loop;
          foreach col in array coalesce(zeros, '{}') loop bits := set_bit(bits, col - 1, 0); end loop;
          return bits;
        end $$`.execute(db);
      await sql`create table ${seatRows} (
        event_id text not null references ${events}(id) on delete cascade,
        row integer not null,
        free varbit not null,
        longest_free integer not null,
        primary key (event_id, row))`.execute(db);
      // One UPDATE a row, in row order: writers that meet on several rows queue, never deadlock.
      await sql`create function ${track}() returns trigger language plpgsql as $$
        declare changed record;
        begin
          for changed in
            select n.event_id, n.row as seat_row,
                   array_agg(n.col) filter (where n.state = 'free') as freed,
                   array_agg(n.col) filter (where n.state <> 'free') as taken
            from changed_new n join changed_old o using (event_id, seat_index)
            where (n.state = 'free') <> (o.state = 'free')
            group by n.event_id, n.row
            order by n.event_id, n.row
          loop
            update ${seatRows}
            set free = ${withBits}(free, changed.freed, changed.taken),
                longest_free = ${longestRun}(${withBits}(free, changed.freed, changed.taken))
            where event_id = changed.event_id and row = changed.seat_row;
          end loop;
          return null;
        end $$`.execute(db);
      await sql`create trigger seats_track_free_rows after update on ${seats}
        referencing old table as changed_old new table as changed_new
        for each statement execute function ${track}()`.execute(db);
      await sql`insert into ${seatRows} (event_id, row, free, longest_free)
        select event_id, row, bits, ${longestRun}(bits)
        from (select event_id, row, string_agg(case when state = 'free' then '1' else '0' end, '' order by col)::varbit as bits
              from ${seats} group by event_id, row) as by_row`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop trigger if exists seats_track_free_rows on ${seats}`.execute(db);
      await sql`drop function if exists ${track}()`.execute(db);
      await sql`drop table if exists ${seatRows}`.execute(db);
      await sql`drop function if exists ${withBits}(varbit, integer[], integer[])`.execute(db);
      await sql`drop function if exists ${longestRun}(varbit)`.execute(db);
    },
  };
}
