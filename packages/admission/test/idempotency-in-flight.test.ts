import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createEvent, createOptimisticStrategy, createPessimisticStrategy, IdempotencyInFlightError } from '@seatgrid/admission';
import { connectTestDatabase, uniqueEventId } from './support.ts';

test('PostgreSQL strategies: a duplicate whose first request is still uncommitted elsewhere hears "in flight", then replays', async () => {
  const db = await connectTestDatabase();
  for (const strategy of [createOptimisticStrategy({ db }), createPessimisticStrategy({ db })]) {
    const event = await createEvent(db, { eventId: uniqueEventId('flight'), name: 'flight', rows: 1, cols: 2, holdTtlMs: 60_000 });
    const claim = { eventId: event.eventId, userId: 'retrier', seats: [{ row: 1, col: 1 }], idempotencyKey: 'order-1' };

    // Another process is mid-claim with this key: its record row is inserted, not committed.
    let release: () => void = () => {};
    let inserted: () => void = () => {};
    const rowInserted = new Promise<void>((resolve) => (inserted = resolve));
    const otherProcess = db.transaction().execute(async (trx) => {
      await sql`insert into idempotency_records (user_id, event_id, key, fingerprint, response)
                values ('retrier', ${event.eventId}, 'order-1', 'theirs', '{}'::jsonb)`.execute(trx);
      inserted();
      await new Promise<void>((resolve) => (release = resolve));
      throw new Error('the other process dies: its transaction rolls back');
    });
    await rowInserted;
    await assert.rejects(strategy.claimSeats(claim), IdempotencyInFlightError);

    release();
    await assert.rejects(otherProcess);
    const retried = await strategy.claimSeats(claim);
    assert.equal(retried.ok && !retried.replayed, true, 'after the first died, the retry claims for real');
    assert.deepEqual(await strategy.claimSeats(claim), { ...retried, replayed: true });
  }
});
