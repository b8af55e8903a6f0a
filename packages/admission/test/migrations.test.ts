import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { connectDatabase, migrateDown, migrateToLatest } from '@seatgrid/admission';
import { databaseUrl } from './support.ts';

test('migrations go up and down cleanly, and up is idempotent (in a throwaway database)', async () => {
  const admin = connectDatabase({ connectionString: databaseUrl, maxConnections: 1 });
  const name = `sg_migrate_${randomUUID().slice(0, 8)}`;
  await sql`create database ${sql.id(name)}`.execute(admin);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const db = connectDatabase({ connectionString: url.toString(), maxConnections: 1 });
  const tables = async () =>
    (await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public' order by 1`.execute(db)).rows
      .map((row) => row.tablename)
      .filter((table) => !table.startsWith('seatgrid_migrations'));
  try {
    const up = await migrateToLatest(db);
    assert.deepEqual(up.results?.map((r) => r.status), ['Success', 'Success']);
    assert.deepEqual(await tables(), ['bookings', 'events', 'holds', 'idempotency_records', 'seats']);
    assert.deepEqual((await migrateToLatest(db)).results, [], 'a second run has nothing to do');
    await migrateDown(db); // idempotency keys per user again
    assert.equal((await tables()).length, 5);
    await migrateDown(db);
    assert.deepEqual(await tables(), []);
    await migrateToLatest(db);
    assert.equal((await tables()).length, 5);
  } finally {
    await db.destroy();
    await sql`drop database if exists ${sql.id(name)}`.execute(admin);
    await admin.destroy();
  }
});
