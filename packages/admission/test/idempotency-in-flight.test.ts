import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { IdempotencyInFlightError } from '@seatgrid/admission';
import { postgresGrid, testDatabase, uniqueEventId } from './support.ts';

test('PostgreSQL strategies: a duplicate whose first request is still uncommitted elsewhere hears "in flight", then replays', async () => {
  const db = testDatabase();
  for (const grid of [await postgresGrid('optimistic'), await postgresGrid('pessimistic')]) {
    const event = await grid.createEvent({ eventId: uniqueEventId('flight'), name: 'flight', rows: 1, cols: 2, holdTtlMs: 60_000 });
    const claim = { eventId: event.eventId, userId: 'retrier', seats: [{ row: 1, col: 1 }], idempotencyKey: 'order-1' };

    // Another process is mid-claim with this key: its record row is inserted, not committed.
    let release: () => void = () => {};
    let inserted: () => void = () => {};
    const rowInserted = new Promise<void>((resolve) => (inserted = resolve));
    const otherProcess = db.transaction().execute(async (trx) => {
      await sql`insert into seatgrid.idempotency_records (user_id, event_id, key, fingerprint, response)
                values ('retrier', ${event.eventId}, 'order-1', 'theirs', '{}'::jsonb)`.execute(trx);
      inserted();
      await new Promise<void>((resolve) => (release = resolve));
      throw new Error('the other process dies: its transaction rolls back');
    });
    await rowInserted;
    await assert.rejects(grid.claimSeats(claim), IdempotencyInFlightError);

    release();
    await assert.rejects(otherProcess);
    const retried = await grid.claimSeats(claim);
    assert.equal(retried.ok && !retried.replayed, true, 'after the first died, the retry claims for real');
    assert.deepEqual(await grid.claimSeats(claim), { ...retried, replayed: true });
  }
});
