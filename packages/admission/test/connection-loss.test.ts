import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { connectDatabase } from '@seatgrid/admission';
import { connectTestDatabase, databaseUrl, eventually } from './support.ts';

test('an idle pooled connection terminated by the server neither crashes the process nor breaks the pool', async () => {
  // Only this test's own backend is terminated: found by its application_name.
  const applicationName = `sg-conn-loss-${randomUUID().slice(0, 8)}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', applicationName);
  const errors: Error[] = [];
  const db = connectDatabase({ connectionString: url.toString(), maxConnections: 2, onConnectionError: (error) => errors.push(error) });
  const admin = await connectTestDatabase();
  try {
    await sql`select 1`.execute(db); // one connection, now idle in the pool
    const { rows } = await sql<{ ended: boolean }>`
      select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = ${applicationName}`.execute(admin);
    assert.deepEqual(rows, [{ ended: true }]);
    // Before the fix the pool's 'error' had no listener: Node threw, and this process died.
    await eventually(async () => errors.length > 0);
    assert.match(errors[0]?.message ?? '', /terminating connection/);
    const again = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.deepEqual(again.rows, [{ one: 1 }], 'the next query gets a new connection');
  } finally {
    await db.destroy();
  }
});
