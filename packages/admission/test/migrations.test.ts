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
  const up = await grid.migrate();
  assert.deepEqual(up.results?.map((r) => r.status), ['Success', 'Success', 'Success']);
  assert.deepEqual(await tables('seatgrid'), ['bookings', 'events', 'holds', 'idempotency_records', 'seats']);
  assert.deepEqual((await grid.migrate()).results, [], 'a second run has nothing to do');
  await grid.migrateDown(); // events.version back
  await grid.migrateDown(); // idempotency keys per user again
  assert.equal((await tables('seatgrid')).length, 5);
  await grid.migrateDown();
  assert.deepEqual(await tables('seatgrid'), []);
  await grid.migrate();
  assert.equal((await tables('seatgrid')).length, 5);
  assert.deepEqual(await tables('public'), [], 'nothing in public');
});
