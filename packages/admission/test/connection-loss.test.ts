import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { BackgroundTask } from '@seatgrid/admission';
import { databaseUrl, eventually, postgresGrid, testDatabase, uniqueEventId } from './support.ts';

async function terminate(applicationName: string): Promise<void> {
  const { rows } = await sql<{ ended: boolean }>`
    select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = ${applicationName}`.execute(testDatabase());
  assert.deepEqual(rows, [{ ended: true }]);
}

test('a pooled connection the server terminates, idle or checked out, neither crashes the process nor breaks the pool', async () => {
  // Only this test's own backend is terminated: found by its application_name.
  const applicationName = `sg-conn-loss-${randomUUID().slice(0, 8)}`;
  const grid = await postgresGrid('pessimistic', { database: { connectionString: databaseUrl, max: 1, applicationName } });
  const errors: { error: Error; task: BackgroundTask }[] = [];
  grid.on('backgroundError', (error, task) => errors.push({ error: error as Error, task }));
  const event = await grid.createEvent({
    eventId: uniqueEventId('conn'),
    name: 'connection loss',
    rows: 1,
    cols: 4,
    maxSeatsPerUser: 4,
    holdTtlMs: 60_000,
  });

  // Idle in the pool. Before the fix nobody listened to the 'error': Node threw, the process died.
  await terminate(applicationName);
  await eventually(async () => errors.length === 1);
  assert.equal(errors[0]?.task, 'postgres-connection');
  assert.match(errors[0]?.error.message ?? '', /terminating connection/);
  assert.equal((await grid.findEvent(event.eventId))?.eventId, event.eventId, 'a new connection');

  // Checked out by a claim's transaction, waiting on a lock this test holds (the user's lock on
  // the event, taken by every claim of a limited event): the claim fails, nothing else.
  let unlock: () => void = () => {};
  let locked: () => void = () => {};
  const lockHeld = new Promise<void>((resolve) => (locked = resolve));
  const holder = testDatabase()
    .transaction()
    .execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${event.eventId}), hashtext('fan'))`.execute(trx);
      locked();
      await new Promise<void>((resolve) => (unlock = resolve));
    });
  await lockHeld;
  const claim = grid.claimSeats({ eventId: event.eventId, userId: 'fan', seats: [{ row: 1, col: 1 }] });
  await eventually(async () => {
    const { rows } = await sql<{ waiting: boolean }>`
      select wait_event_type = 'Lock' as waiting from pg_stat_activity where application_name = ${applicationName}`.execute(testDatabase());
    return rows[0]?.waiting === true;
  });
  await terminate(applicationName);
  await assert.rejects(claim);
  await eventually(async () => errors.length === 2);
  assert.equal(errors[1]?.task, 'postgres-connection');
  unlock();
  await holder;
  const again = await grid.claimSeats({ eventId: event.eventId, userId: 'fan', seats: [{ row: 1, col: 1 }] });
  assert.equal(again.ok, true, 'the pool dropped the dead one');
});
