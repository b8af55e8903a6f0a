import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createSeatGrid } from '@seatgrid/admission';
import { closeAtEnd, openKysely, privateDatabase } from './support.ts';

test('migrations go up and down cleanly, and up is idempotent (in a throwaway database)', async () => {
  const url = await privateDatabase('migrate');
  const db = openKysely({ url, max: 1 });
  const grid = createSeatGrid({ strategy: 'optimistic', database: { connectionString: url, max: 1 }, metrics: false });
  closeAtEnd(() => grid.close());
  const tables = async (schema: string) =>
    (await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = ${schema} order by 1`.execute(db)).rows
      .map((row) => row.tablename)
      .filter((table) => !table.startsWith('seatgrid_migrations'));
  const every = [
    'bookings',
    'event_seat_counts',
    'event_shards',
    'events',
    'holds',
    'idempotency_records',
    'seat_rows',
    'seats',
    'waitlist_entries',
  ];
  const up = await grid.migrate();
  const applied = up.results?.length ?? 0;
  assert.ok(applied >= 7, `every migration ran (${applied})`);
  assert.ok(up.results?.every((r) => r.status === 'Success' && r.direction === 'Up'));
  assert.deepEqual(await tables('seatgrid'), every);
  assert.deepEqual((await grid.migrate()).results, [], 'a second run has nothing to do');
  // Down one at a time, each undone cleanly, until no table is left.
  for (let i = 0; i < applied; i++) {
    const down = await grid.migrateDown();
    assert.equal(down.results?.[0]?.status, 'Success', `down step ${i + 1}`);
  }
  assert.deepEqual(await tables('seatgrid'), []);
  await grid.migrate();
  assert.deepEqual(await tables('seatgrid'), every);
  assert.deepEqual(await tables('public'), [], 'nothing in public');
});

test('processes that start together migrate one at a time: each succeeds, the schema is made once', async () => {
  const url = await privateDatabase('migrate_together');
  const grids = Array.from({ length: 6 }, () => {
    const grid = createSeatGrid({ strategy: 'optimistic', database: { connectionString: url, max: 2 }, metrics: false, sweeper: false });
    closeAtEnd(() => grid.close());
    return grid;
  });
  const outcomes = await Promise.all(grids.map((grid) => grid.migrate()));
  const applied = outcomes.map((outcome) => outcome.results?.length ?? 0);
  assert.equal(applied.filter((n) => n > 0).length, 1, `exactly one process ran the migrations (${applied.join(', ')})`);
  const event = await grids[3]?.createEvent({ name: 'after a crowded start', rows: 1, cols: 2, holdTtlMs: 60_000 });
  assert.equal(event?.capacity, 2);
});
