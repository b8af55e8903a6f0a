import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSeatGrid, type EventInfo, type SeatGrid } from '@seatgrid/admission';
import { sql } from 'kysely';
import { closeAtEnd, openKysely, privateDatabase, redisUrl } from './support.ts';

/** A grid on these databases (the shards, in this order), closed when the file ends. */
function gridOn(urls: readonly string[], strategy: 'admission' | 'optimistic'): SeatGrid {
  const grid =
    strategy === 'admission'
      ? createSeatGrid({
          strategy,
          database: urls.map((url) => ({ connectionString: url, max: 3 })),
          redis: redisUrl,
          metrics: false,
          sweeper: false,
        })
      : createSeatGrid({ strategy, database: urls.map((url) => ({ connectionString: url, max: 3 })), metrics: false, sweeper: false });
  closeAtEnd(() => grid.close());
  return grid;
}

async function eventIdsIn(url: string): Promise<string[]> {
  const db = openKysely({ url, max: 1 });
  try {
    const { rows } = await sql<{ id: string }>`select id from seatgrid.events order by id`.execute(db);
    return rows.map((row) => row.id);
  } finally {
    await db.destroy();
  }
}

for (const strategy of ['admission', 'optimistic'] as const) {
  test(`${strategy}: each event lives wholly in one shard, every operation finds it there, and audits hold per shard`, async () => {
    const urls = [await privateDatabase('shard0'), await privateDatabase('shard1')];
    const grid = gridOn(urls, strategy);
    await grid.migrate();
    // Placement is a hash of the id: eight events all land on one shard once in 128 runs, so
    // more are made until each shard has some.
    const events: EventInfo[] = [];
    while (events.length < 8 || (new Set(events.map((event) => event.shard)).size < 2 && events.length < 40)) {
      events.push(await grid.createEvent({ name: `sharded ${events.length}`, rows: 2, cols: 5, holdTtlMs: 60_000 }));
    }
    const [inFirst, inSecond] = await Promise.all(urls.map(eventIdsIn));
    assert.equal((inFirst?.length ?? 0) + (inSecond?.length ?? 0), events.length, 'every event in exactly one shard');
    assert.ok((inFirst?.length ?? 0) > 0 && (inSecond?.length ?? 0) > 0, 'both shards hold events');
    for (const event of events) {
      const shard = inFirst?.includes(event.eventId) ? 0 : 1;
      assert.equal(event.shard, shard);
      // A claim, a confirm and a booking, each written to the event's own shard.
      const held = await grid.claimSeats({
        eventId: event.eventId,
        userId: 'u1',
        seats: [
          { row: 1, col: 1 },
          { row: 1, col: 2 },
        ],
      });
      assert.ok(held.ok);
      assert.ok((await grid.confirm({ eventId: event.eventId, userId: 'u1', holdId: held.holdId })).ok);
      const booked = await grid.claimBestAvailable({ eventId: event.eventId, userId: 'u2', quantity: 3, mode: 'book' });
      assert.ok(booked.ok);
      assert.equal((await grid.findHold(held.holdId))?.eventId, event.eventId);
      const audit = await grid.audit(event.eventId);
      assert.deepEqual([audit.oversold, audit.partial, audit.seatsSold], [0, 0, 5]);
      assert.equal((await grid.counters(event.eventId)).available, 5);
      assert.equal(await grid.storedSeatStates(event.eventId), 'SSSSS.....');
    }
    const listed = await grid.listEvents({ limit: 100 });
    assert.deepEqual(
      listed.events.map((event) => event.eventId),
      events.map((event) => event.eventId).sort(),
    );
  });
}

test('adding a shard moves no event: events made before are found where they were, new ones spread over all', async () => {
  const urls = [await privateDatabase('grow0'), await privateDatabase('grow1')];
  const one = gridOn(urls.slice(0, 1), 'optimistic');
  await one.migrate();
  const before = await Promise.all(
    Array.from({ length: 4 }, (_, i) => one.createEvent({ name: `early ${i}`, rows: 1, cols: 4, holdTtlMs: 60_000 })),
  );
  await one.close();

  const two = gridOn(urls, 'optimistic');
  await two.migrate();
  for (const event of before) {
    const found = await two.findEvent(event.eventId);
    assert.equal(found?.shard, 0, 'an event from before the second shard stays in the first');
    assert.ok((await two.claimSeats({ eventId: event.eventId, userId: 'later', seats: [{ row: 1, col: 1 }] })).ok);
  }
  assert.deepEqual((await eventIdsIn(urls[0] as string)).filter((id) => before.some((e) => e.eventId === id)).length, 4);
  // Hashed placement: keep making events until one lands on the new shard (each has an even chance).
  const after: EventInfo[] = [];
  while (!after.some((event) => event.shard === 1) && after.length < 40) {
    after.push(await two.createEvent({ name: `late ${after.length}`, rows: 1, cols: 4, holdTtlMs: 60_000 }));
  }
  assert.ok(
    after.some((event) => event.shard === 1),
    'new events reach the new shard',
  );
  assert.ok(after.every((event) => event.shard === 0 || event.shard === 1));
});
