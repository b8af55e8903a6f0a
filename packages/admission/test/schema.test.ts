import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createSeatGrid, type SeatGrid } from '@seatgrid/admission';
import { migrateAsBeforeSchemas } from './legacy-schema.ts';
import { closeAtEnd, connectRedis, openKysely, privateDatabase, uniqueEventId } from './support.ts';

// Where SeatGrid's tables live. Each test runs in a database of its own, so `public` is
// exactly what the test put there.

/** Every relation (table, index, sequence...) of each schema but the system ones, as "schema.name (kind)". */
async function relations(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ relation: string }>`
    select n.nspname || '.' || c.relname || ' (' || c.relkind::text || ')' as relation
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') order by 1`.execute(db);
  return rows.map((row) => row.relation);
}

/** The user schemas of the database. */
async function schemas(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ nspname: string }>`
    select nspname from pg_namespace where nspname not like 'pg\_%' and nspname <> 'information_schema' order by 1`.execute(db);
  return rows.map((row) => row.nspname);
}

/** A table's columns and every row, as it stands. */
async function tableContents(db: Kysely<unknown>, table: string): Promise<{ columns: string[]; rows: unknown[] }> {
  const [schema, name] = table.split('.') as [string, string];
  const columns = await sql<{ column: string }>`
    select column_name || ' ' || data_type as column from information_schema.columns
    where table_schema = ${schema} and table_name = ${name} order by ordinal_position`.execute(db);
  const rows = await sql<{ row: unknown }>`select to_jsonb(t) as row from ${sql.table(table)} as t order by 1`.execute(db);
  return { columns: columns.rows.map((c) => c.column), rows: rows.rows.map((r) => r.row) };
}

function gridOn(url: string, options: { schema?: string; redis?: boolean } = {}): SeatGrid {
  const database = { connectionString: url, max: 2 };
  const grid =
    options.redis === true
      ? createSeatGrid({
          strategy: 'admission',
          database,
          redis: connectRedis(),
          metrics: false,
          ...(options.schema ? { schema: options.schema } : {}),
        })
      : createSeatGrid({ strategy: 'optimistic', database, metrics: false, ...(options.schema ? { schema: options.schema } : {}) });
  closeAtEnd(() => grid.close());
  return grid;
}

/** Some use of every table: an event, a hold, a booking, an idempotent claim, a sweep, an audit. */
async function useEveryTable(grid: SeatGrid): Promise<void> {
  const event = await grid.createEvent({ eventId: uniqueEventId('schema'), name: 'schema', rows: 2, cols: 2, holdTtlMs: 60_000 });
  const hold = await grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 1 }], idempotencyKey: 'k' });
  assert.ok(hold.ok);
  assert.equal((await grid.confirm({ eventId: event.eventId, userId: 'u', holdId: hold.holdId })).ok, true);
  assert.equal((await grid.claimBestAvailable({ eventId: event.eventId, userId: 'v', quantity: 2, mode: 'book' })).ok, true);
  await grid.sweepOnce();
  assert.deepEqual((await grid.audit(event.eventId)).seatsSold, 3);
}

test("schema: 'sg_test_…' holds every table, index and the migrations table; public gets nothing", async () => {
  const url = await privateDatabase('schema');
  const db = openKysely<unknown>({ url, max: 1 });
  const schema = `sg_test_${randomUUID().slice(0, 8)}`;
  assert.deepEqual(await relations(db), [], 'a new database: nothing yet');
  const grid = gridOn(url, { schema });
  await grid.migrate();
  await useEveryTable(grid);

  assert.deepEqual(await schemas(db), ['public', schema], 'no other schema made (not even seatgrid)');
  const all = await relations(db);
  assert.deepEqual(
    all.filter((r) => !r.startsWith(`${schema}.`)),
    [],
    'nothing outside the schema',
  );
  const tables = all.filter((r) => r.endsWith('(r)')).map((r) => r.slice(schema.length + 1, -4));
  assert.deepEqual(tables, [
    'bookings',
    'event_seat_counts',
    'event_shards',
    'events',
    'holds',
    'idempotency_records',
    'seat_rows',
    'seatgrid_migrations',
    'seatgrid_migrations_lock',
    'seats',
    'waitlist_entries',
  ]);
  const indexes = all.filter((r) => r.endsWith('(i)')).map((r) => r.slice(schema.length + 1, -4));
  assert.ok(
    ['holds_due', 'holds_event_user', 'seats_pkey', 'idempotency_records_pkey', 'seatgrid_migrations_pkey'].every((i) =>
      indexes.includes(i),
    ),
    indexes.join(),
  );
  // Every foreign key points into the schema too.
  const { rows: references } = await sql<{ target: string }>`
    select distinct confrelid::regclass::text as target from pg_constraint where contype = 'f' order by 1`.execute(db);
  assert.deepEqual(
    references.map((r) => r.target),
    [`${schema}.events`, `${schema}.holds`],
  );
});

test('a database with tables of its own in public (events, seats, holds, bookings): migrate() leaves them as they were', async () => {
  const url = await privateDatabase('public');
  const db = openKysely<unknown>({ url, max: 1 });
  // Someone else's tables, named like SeatGrid's, other columns, with rows.
  await sql`create table public.events (id serial primary key, title text not null, starts_at date)`.execute(db);
  await sql`create table public.seats (venue text, label text, primary key (venue, label))`.execute(db);
  await sql`create table public.holds (ticket uuid primary key, note text)`.execute(db);
  await sql`create table public.bookings (id bigint primary key, event_id int references public.events(id), paid boolean)`.execute(db);
  await sql`insert into public.events (title, starts_at) values ('Gig', '2027-01-01'), ('Play', null)`.execute(db);
  await sql`insert into public.seats values ('hall', 'A1'), ('hall', 'A2')`.execute(db);
  await sql`insert into public.holds values ('7f0c3a4e-2d1b-4c5e-9f8a-1b2c3d4e5f60', 'theirs')`.execute(db);
  await sql`insert into public.bookings values (1, 1, true), (2, 2, false)`.execute(db);
  const theirs = ['public.events', 'public.seats', 'public.holds', 'public.bookings'];
  const before = await Promise.all(theirs.map((table) => tableContents(db, table)));
  const publicBefore = (await relations(db)).filter((r) => r.startsWith('public.'));

  const grid = gridOn(url);
  await grid.migrate();
  await useEveryTable(grid);

  assert.deepEqual(await Promise.all(theirs.map((table) => tableContents(db, table))), before, 'their columns and rows, untouched');
  assert.deepEqual(
    (await relations(db)).filter((r) => r.startsWith('public.')),
    publicBefore,
    'nothing added to public',
  );
  const ours = (await relations(db)).filter((r) => r.startsWith('seatgrid.') && r.endsWith('(r)'));
  assert.equal(ours.length, 11, ours.join());
});

test('a database migrated before schemas (tables in public) is moved into seatgrid, rows intact, and works on', async () => {
  const url = await privateDatabase('legacy');
  const db = openKysely<unknown>({ url, max: 1 });
  await migrateAsBeforeSchemas(db);
  // An event as that code made it, with a live hold, a booking and a stored idempotent answer.
  const eventId = uniqueEventId('legacy');
  const later = uniqueEventId('legacy');
  for (const id of [eventId, later]) {
    await sql`insert into public.events (id, name, rows, cols, capacity, max_seats_per_user, hold_ttl_ms)
              values (${id}, 'before schemas', 1, 4, 4, 0, 60000)`.execute(db);
    await sql`insert into public.seats (event_id, seat_index, row, col) select ${id}, i, 1, i + 1 from generate_series(0, 3) as i`.execute(
      db,
    );
  }
  await sql`insert into public.holds (id, event_id, user_id, seat_indexes, status, expires_at)
            values (${`${eventId}-h`}, ${eventId}, 'holder', '{0}', 'held', now() + interval '10 minutes'),
                   (${`${eventId}-b`}, ${eventId}, 'buyer', '{1}', 'confirmed', null)`.execute(db);
  await sql`update public.seats set state = 'held', hold_id = ${`${eventId}-h`}, held_until = now() + interval '10 minutes'
            where event_id = ${eventId} and seat_index = 0`.execute(db);
  await sql`update public.seats set state = 'sold', hold_id = ${`${eventId}-b`} where event_id = ${eventId} and seat_index = 1`.execute(db);
  await sql`insert into public.bookings (id, event_id, user_id) values (${`${eventId}-b`}, ${eventId}, 'buyer')`.execute(db);
  await sql`insert into public.idempotency_records (user_id, key, event_id, fingerprint, response)
            values ('buyer', 'k', ${eventId}, 'fp', '{"ok": false, "reason": "sold-out", "replayed": false, "cached": false}')`.execute(db);
  const tables = ['events', 'seats', 'holds', 'bookings', 'idempotency_records'];
  const before = await Promise.all(tables.map((table) => tableContents(db, `public.${table}`)));

  const grid = gridOn(url, { redis: true });
  const migrated = await grid.migrate();
  // The two migrations the old code ran were moved along; only the later ones run.
  const ran = migrated.results?.map((r) => `${r.migrationName}: ${r.status}`) ?? [];
  assert.ok(ran.length > 0 && ran.every((r) => r.endsWith(': Success')), ran.join());
  assert.ok(!ran.some((r) => r.startsWith('2026-11-25')), `the moved migrations do not run again: ${ran.join()}`);
  assert.deepEqual(
    (await relations(db)).filter((r) => r.startsWith('public.')),
    [],
    'public is empty: everything moved',
  );
  const after = await Promise.all(tables.map((table) => tableContents(db, `seatgrid.${table}`)));
  // Later migrations drop the unused events.version and add the waitlist's and waiting room's
  // columns (with their defaults): every column the old rows had keeps its value.
  const added = ['waitlist_offer_ms', 'waiting_room_per_second', 'waiting_room_ttl_ms'];
  const asBefore = (contents: { columns: string[]; rows: unknown[] }) => ({
    columns: contents.columns.filter((c) => !c.startsWith('version ') && !added.includes(c.split(' ')[0] as string)),
    rows: contents.rows.map((row) => {
      const {
        version: _version,
        waitlist_offer_ms: _offer,
        waiting_room_per_second: _rate,
        waiting_room_ttl_ms: _ttl,
        ...kept
      } = row as Record<string, unknown>;
      return kept;
    }),
  });
  assert.deepEqual(after.slice(1), before.slice(1), 'seats, holds, bookings and answers: as they were');
  assert.deepEqual(asBefore(after[0] as never), asBefore(before[0] as never), 'events: as they were, less the unused version');

  // It works on: the old hold still holds its seat, the booking its own, the other two are for sale.
  const taken = await grid.claimSeats({ eventId, userId: 'newcomer', seats: [{ row: 1, col: 1 }] });
  assert.equal(!taken.ok && taken.reason, 'seats-taken');
  const claim = await grid.claimSeats({
    eventId,
    userId: 'newcomer',
    seats: [
      { row: 1, col: 3 },
      { row: 1, col: 4 },
    ],
  });
  assert.equal(claim.ok, true, JSON.stringify(claim));
  assert.equal((await grid.confirm({ eventId, userId: 'holder', holdId: `${eventId}-h` })).ok, true, 'the old hold is confirmed');
  assert.equal((await grid.claimBestAvailable({ eventId: later, userId: 'x', quantity: 4, mode: 'book' })).ok, true);
  const audit = await grid.audit(eventId);
  assert.deepEqual([audit.oversold, audit.partial, audit.seatsSold, audit.seatsHeld], [0, 0, 2, 2]);
});
