import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { connectDatabase } from '@seatgrid/admission';
import { connectTestDatabase, databaseUrl, eventually } from './support.ts';

async function terminate(admin: Awaited<ReturnType<typeof connectTestDatabase>>, applicationName: string): Promise<void> {
  const { rows } = await sql<{ ended: boolean }>`
    select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = ${applicationName}`.execute(admin);
  assert.deepEqual(rows, [{ ended: true }]);
}

test('a pooled connection the server terminates, idle or checked out, neither crashes the process nor breaks the pool', async () => {
  // Only this test's own backend is terminated: found by its application_name.
  const applicationName = `sg-conn-loss-${randomUUID().slice(0, 8)}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', applicationName);
  const errors: Error[] = [];
  const db = connectDatabase({ connectionString: url.toString(), maxConnections: 1, onConnectionError: (error) => errors.push(error) });
  const admin = await connectTestDatabase();
  try {
    // Idle in the pool. Before the fix nobody listened to the 'error': Node threw, the process died.
    await sql`select 1`.execute(db);
    await terminate(admin, applicationName);
    await eventually(async () => errors.length === 1);
    assert.match(errors[0]?.message ?? '', /terminating connection/);
    assert.deepEqual((await sql<{ one: number }>`select 1 as one`.execute(db)).rows, [{ one: 1 }], 'a new connection');

    // Checked out by a transaction, between two statements: the transaction fails, nothing else.
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await terminate(admin, applicationName);
        await eventually(async () => errors.length === 2);
        await sql`select 1`.execute(trx);
      }),
    );
    assert.deepEqual((await sql<{ one: number }>`select 1 as one`.execute(db)).rows, [{ one: 1 }], 'the pool dropped the dead one');
  } finally {
    await db.destroy();
  }
});
