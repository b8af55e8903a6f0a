import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EventExistsError,
  EventNotLoadedError,
  InvalidInputError,
  LoadConflictError,
  eventKeys,
  stagingKeys,
  type EventDefinition,
  type Seat,
  type SnapshotHold,
} from '@seatgrid/admission/gate';
import { connectRedis, newGate, uniqueEventId } from './support.ts';

const redis = connectRedis();
const gate = newGate({}, redis);

/** A new event, every seat free: a load of an empty snapshot ('create': refused if Redis has it). */
function createEvent(event: EventDefinition): Promise<number> {
  return gate.loadEvent({ ...event, holds: [] });
}

test('an event that Redis does not have answers EventNotLoadedError on every call', async () => {
  const eventId = uniqueEventId('missing');
  const ref = { eventId, userId: 'u', holdId: 'h' };
  await assert.rejects(gate.claimSeats({ eventId, userId: 'u', seats: [{ row: 1, col: 1 }] }), EventNotLoadedError);
  await assert.rejects(gate.claimBestAvailable({ eventId, userId: 'u', quantity: 1 }), EventNotLoadedError);
  await assert.rejects(gate.confirm(ref), EventNotLoadedError);
  await assert.rejects(gate.release(ref), EventNotLoadedError);
  await assert.rejects(gate.seatMap(eventId), EventNotLoadedError);
  await assert.rejects(gate.reapExpired(eventId), EventNotLoadedError);
});

test('creating an event twice is refused; replacing it bumps the generation', async () => {
  const eventId = uniqueEventId('twice');
  assert.equal(await createEvent({ eventId, rows: 2, cols: 2 }), 1);
  await assert.rejects(createEvent({ eventId, rows: 2, cols: 2 }), EventExistsError);
  const generation = await gate.loadEvent(
    { eventId, rows: 2, cols: 2, holds: [{ holdId: 'b1', userId: 'u', status: 'sold', seats: [{ row: 1, col: 1 }] }] },
    'replace',
  );
  assert.equal(generation, 2);
  const { version: _version, ...counters } = await gate.counters(eventId);
  assert.deepEqual(counters, {
    rows: 2,
    cols: 2,
    capacity: 4,
    available: 3,
    maxSeatsPerUser: 0,
    generation: 2,
  });
});

test("'fill' loads an event that is missing, fenced or partial, and leaves one that is loaded whole alone", async () => {
  const eventId = uniqueEventId('fill');
  const sold = (holdId: string, row: number): SnapshotHold => ({ holdId, userId: 'u', status: 'sold', seats: [{ row, col: 1 }] });
  const fill = (holds: SnapshotHold[]) => gate.loadEvent({ eventId, rows: 3, cols: 1, holds }, 'fill');
  await fill([sold('first', 1)]);
  assert.equal((await gate.seatMap(eventId)).states, 'S..');
  // Another process loaded it whole (and may have granted on it): a later fill must not overwrite it.
  await assert.rejects(fill([]), EventExistsError);
  assert.equal((await gate.seatMap(eventId)).states, 'S..');
  await gate.fence(eventId);
  await fill([sold('second', 2)]);
  assert.equal((await gate.seatMap(eventId)).states, '.S.', 'a fenced copy is filled');
  await redis.del(eventKeys('sg', eventId)[2] as string);
  await fill([sold('third', 3)]);
  assert.equal((await gate.seatMap(eventId)).states, '..S', 'a partial copy is filled');
});

test('a 1,000 x 1,000 event with 100,000 sold seats loads in bounded chunks, never half-loaded', async () => {
  const eventId = uniqueEventId('venue');
  await createEvent({ eventId, rows: 1000, cols: 1000 });
  await gate.claimSeats({ eventId, userId: 'old', seats: [{ row: 1000, col: 1000 }], mode: 'book' });

  const holds: SnapshotHold[] = [];
  for (let row = 1; row <= 100; row++) {
    for (let col = 1; col <= 1000; col += 4) {
      const seats: Seat[] = [0, 1, 2, 3].map((i) => ({ row, col: col + i }));
      holds.push({ holdId: `b-${row}-${col}`, userId: `u${row}`, status: 'sold', seats });
    }
  }
  // Watch the live event while the load runs: it must always look like the old one or the new one.
  const seen = new Set<number>();
  let loading = true;
  const watcher = (async () => {
    while (loading) seen.add((await gate.counters(eventId)).available);
  })();
  const generation = await newGate({ loadChunkSeats: 5_000 }, redis).loadEvent({ eventId, rows: 1000, cols: 1000, holds }, 'replace');
  loading = false;
  await watcher;

  assert.equal(generation, 2);
  assert.deepEqual(
    [...seen].filter((n) => n !== 999_999 && n !== 900_000),
    [],
    'no intermediate state was visible',
  );
  const map = await gate.seatMap(eventId);
  assert.equal(map.available, 900_000);
  assert.equal(map.states.length, 1_000_000);
  assert.equal(map.states.slice(0, 100_000), 'S'.repeat(100_000));
  assert.equal(map.states.at(-1), '.', 'the old state is gone');
  const staging = await redis.keys(`sg:{ev:${eventId}}:load:*`);
  assert.deepEqual(staging, []);
});

test('20,000 one-seat holds load with the default chunks (80,000 script arguments a chunk), auto-pipelined', async () => {
  // A re-hydration mid on-sale: before, one chunk's arguments overflowed the call stack as
  // they were spread into the script call, and ioredis's auto-pipeline crashed the process.
  const eventId = uniqueEventId('many-holds');
  const expiresAt = new Date(Date.now() + 600_000);
  const holds: SnapshotHold[] = [];
  for (let row = 1; row <= 20; row++) {
    for (let col = 1; col <= 1_000; col++) {
      holds.push({ holdId: `h-${row}-${col}`, userId: `u${col}`, status: 'held', expiresAt, seats: [{ row, col }] });
    }
  }
  assert.equal(await gate.loadEvent({ eventId, rows: 25, cols: 1_000, holds }, 'replace'), 1);
  const map = await gate.seatMap(eventId);
  assert.equal(map.available, 5_000);
  assert.equal(map.states.slice(0, 20_000), 'H'.repeat(20_000));
  assert.equal(await gate.holdStatus(eventId, 'h-20-1000'), 'held');
  const claim = await gate.claimSeats({ eventId, userId: 'late', seats: [{ row: 20, col: 1_000 }] });
  assert.deepEqual(claim.ok ? 'granted' : claim.reason, 'seats-taken');
});

test('a snapshot that gives one seat to two holds is rejected and the live event is untouched', async () => {
  const eventId = uniqueEventId('conflict');
  await createEvent({ eventId, rows: 1, cols: 3 });
  const before = await redis.dumpBuffer(eventKeys('sg', eventId)[1] as string);
  await assert.rejects(
    gate.loadEvent(
      {
        eventId,
        rows: 1,
        cols: 3,
        holds: [
          { holdId: 'a', userId: 'u', status: 'sold', seats: [{ row: 1, col: 1 }] },
          { holdId: 'b', userId: 'v', status: 'held', seats: [{ row: 1, col: 1 }], expiresAt: new Date(Date.now() + 60_000) },
        ],
      },
      'replace',
    ),
    InvalidInputError,
  );
  assert.deepEqual(await redis.dumpBuffer(eventKeys('sg', eventId)[1] as string), before);
});

test('a load superseded by another load of the same event fails instead of mixing the two', async () => {
  const eventId = uniqueEventId('superseded');
  const holdsOf = (user: string, rows: number[]): SnapshotHold[] =>
    rows.map((row) => ({ holdId: `${user}${row}`, userId: user, status: 'sold', seats: [{ row, col: 1 }] }));
  const chunked = newGate({ loadChunkSeats: 1 }, redis);
  const results = await Promise.allSettled([
    chunked.loadEvent(
      {
        eventId,
        rows: 40,
        cols: 1,
        holds: holdsOf(
          'a',
          Array.from({ length: 20 }, (_, i) => i + 1),
        ),
      },
      'replace',
    ),
    chunked.loadEvent(
      {
        eventId,
        rows: 40,
        cols: 1,
        holds: holdsOf(
          'b',
          Array.from({ length: 20 }, (_, i) => i + 21),
        ),
      },
      'replace',
    ),
  ]);
  const failed = results.filter((r) => r.status === 'rejected');
  assert.ok(failed.length >= 1);
  for (const failure of failed) {
    assert.ok(failure.reason instanceof LoadConflictError);
    assert.equal(failure.reason.reason, 'superseded');
  }
  const states = (await gate.seatMap(eventId)).states;
  assert.ok(states === 'S'.repeat(20) + '.'.repeat(20) || states === '.'.repeat(20) + 'S'.repeat(20), states);
});

test('a load whose staged copy loses a key (an eviction) fails as evicted, clears the staging and leaves the live event alone', async () => {
  const eventId = uniqueEventId('evicted');
  const [rows, cols] = [50, 40];
  await createEvent({ eventId, rows, cols });
  const staged = stagingKeys('sg', eventId);
  // One seat a step: the load takes thousands of round trips, and the key vanishes early in it.
  const load = newGate({ loadChunkSeats: 1 }, redis).loadEvent(
    {
      eventId,
      rows,
      cols,
      holds: Array.from({ length: rows * cols }, (_, i) => ({
        holdId: `h${i}`,
        userId: 'u',
        status: 'sold',
        seats: [{ row: Math.floor(i / cols) + 1, col: (i % cols) + 1 }],
      })),
    },
    'replace',
  );
  while (!(await gate.loadStaged(eventId))) await new Promise((resolve) => setImmediate(resolve));
  await redis.del(staged[1] as string);
  // Read on, the missing seat string would make every seat look taken: an input error for a valid snapshot.
  const failure = await load.then(
    () => assert.fail('the load went on without its seats'),
    (error: unknown) => error,
  );
  assert.ok(failure instanceof LoadConflictError, String(failure));
  assert.equal(failure.reason, 'evicted');
  assert.equal(await redis.exists(...staged), 0, 'the rest of the staging is removed');
  assert.equal((await gate.seatMap(eventId)).states, '.'.repeat(rows * cols), 'the live event is untouched');
});

test('bad event definitions are refused before anything is written', async () => {
  const eventId = uniqueEventId('bad');
  await assert.rejects(createEvent({ eventId, rows: 0, cols: 5 }), InvalidInputError);
  await assert.rejects(createEvent({ eventId, rows: 1001, cols: 5 }), InvalidInputError);
  await assert.rejects(createEvent({ eventId, rows: 2, cols: 2.5 }), InvalidInputError);
  await assert.rejects(createEvent({ eventId: 'has space', rows: 2, cols: 2 }), InvalidInputError);
  await assert.rejects(createEvent({ eventId: 'x}{y', rows: 2, cols: 2 }), InvalidInputError);
  assert.deepEqual(await redis.keys(`sg:{ev:${eventId}}*`), []);
});
