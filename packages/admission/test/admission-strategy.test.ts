import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, test } from 'node:test';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import {
  EventLoadingError,
  EventNotLoadedError,
  IdempotencyInFlightError,
  type AdmissionSeatGrid,
  type ClaimGranted,
  type ClaimResult,
  type EventInfo,
} from '@seatgrid/admission';
import { stagingKeys } from '@seatgrid/admission/gate';
import type { WinnerFault } from '@seatgrid/admission/testing';
import {
  admissionGrid,
  connectRedis,
  eventually,
  openKysely,
  privateDatabase,
  randomSeats,
  redisUrl,
  samples,
  seatKey,
  seatStates,
  seeded,
  startPrivateRedis,
  testDatabase,
  uniqueEventId,
  type GridOptions,
  type QueryCounter,
} from './support.ts';

/** The grids a test made: closed when it ends, so the file never holds more than a test's connections. */
const madeInTest: AdmissionSeatGrid[] = [];
afterEach(async () => {
  await Promise.all(madeInTest.splice(0).map((grid) => grid.close()));
});

/**
 * An admission grid on its own Redis client for `url`, with a private registry. With a
 * counter, on a Kysely of the test's own that counts every statement the grid sends.
 */
async function admissionOn(url: string, overrides: GridOptions = {}, counter?: QueryCounter) {
  const registry = new Registry();
  const grid = await admissionGrid({
    redis: connectRedis({ url }),
    metrics: { registry },
    ...(counter === undefined ? {} : { database: { kysely: openKysely<unknown>({ counter, max: 5 }) } }),
    ...overrides,
  });
  madeInTest.push(grid);
  return { grid, registry };
}

async function newEvent(grid: AdmissionSeatGrid, rows: number, cols: number, holdTtlMs = 60_000): Promise<EventInfo> {
  return grid.createEvent({ eventId: uniqueEventId('adm'), name: 'test event', rows, cols, holdTtlMs });
}

/** A fault for the first winner's write only; every later winner is written. */
function firstWinner(fault: 'fail' | 'vanish'): WinnerFault {
  let first = true;
  return () => {
    const chosen = first ? fault : 'write';
    first = false;
    return chosen;
  };
}

function granted(results: readonly ClaimResult[]): ClaimGranted[] {
  return results.filter((r): r is ClaimGranted => r.ok);
}

function assertNoSeatTwice(grants: readonly ClaimGranted[]): Set<string> {
  const seen = new Set<string>();
  for (const grant of grants) {
    for (const seat of grant.seats) {
      assert.equal(seen.has(seatKey(seat)), false, `seat ${seatKey(seat)} granted twice`);
      seen.add(seatKey(seat));
    }
  }
  return seen;
}

test('300 buyers, 299 seats: exactly 299 sold, each once, written in PostgreSQL, Redis agreeing', async () => {
  const { grid } = await admissionOn(redisUrl);
  const event = await newEvent(grid, 13, 23);
  const results = await Promise.all(
    Array.from({ length: 300 }, (_, i) => grid.claimBestAvailable({ eventId: event.eventId, userId: `b${i}`, quantity: 1, mode: 'book' })),
  );
  assert.equal(granted(results).length, 299);
  assertNoSeatTwice(granted(results));
  const audit = await grid.audit(event.eventId);
  assert.equal(audit.oversold, 0);
  assert.equal(audit.seatsSold, 299);
  assert.equal((await grid.seatMap(event.eventId)).states, await seatStates(event));
});

test('2,000 concurrent multi-seat claims on a 10 x 10 event: no seat twice in PostgreSQL, none partial', async () => {
  // The gate's burst, not the fallback's: on a loaded machine the last of 2,000 calls queued at
  // once can pass the default timeout, and 2,000 fallback claims then queue for 10 connections.
  const { grid } = await admissionOn(redisUrl, { breaker: { timeoutMs: 30_000 } });
  const event = await newEvent(grid, 10, 10);
  const random = seeded(7);
  const claims = Array.from({ length: 2_000 }, (_, i) => ({
    eventId: event.eventId,
    userId: `u${i}`,
    seats: randomSeats(random, 10, 10, 4),
    mode: i % 3 === 0 ? ('book' as const) : ('hold' as const),
  }));
  const results = await Promise.all(claims.map((claim) => grid.claimSeats(claim)));
  const taken = assertNoSeatTwice(granted(results));
  const audit = await grid.audit(event.eventId);
  assert.deepEqual([audit.oversold, audit.partial], [0, 0]);
  assert.equal(audit.seatsSold + audit.seatsHeld, taken.size);
  assert.equal((await grid.seatMap(event.eventId)).states, await seatStates(event));
});

test('a burst across breaker flips: the gate and the fallback both decide, and Redis ends equal to PostgreSQL', async (t) => {
  const { grid, registry } = await admissionOn(redisUrl, { reconciler: false, breaker: { timeoutMs: 30_000 } });
  const event = await newEvent(grid, 20, 20);
  await grid.seatMap(event.eventId); // loaded before the burst
  const random = seeded(13);
  const claims: Promise<ClaimResult>[] = [];
  // Ten phases of 100 claims, started 5 every millisecond: closed, open, closed... Claims of one
  // phase are still being decided (and written) when the next begins.
  for (let i = 0; i < 1_000; i++) {
    if (i % 100 === 0) i % 200 === 0 ? grid.breaker.close() : grid.breaker.open();
    if (i % 5 === 0) await sleep(1);
    const mode = i % 3 === 0 ? ('book' as const) : ('hold' as const);
    claims.push(grid.claimSeats({ eventId: event.eventId, userId: `x${i}`, seats: randomSeats(random, 20, 20, 3), mode }));
  }
  grid.breaker.close();
  const settled = await Promise.allSettled(claims);
  const decided = await samples(registry, 'seatgrid_decisions_total');
  const on = (path: string) => decided.filter((v) => v.labels.path === path).reduce((sum, v) => sum + v.value, 0);
  t.diagnostic(`decided on redis ${on('redis')}, on pg-fallback ${on('pg-fallback')}, sold out from the cache ${on('sold-out-cache')}`);
  assert.ok(on('redis') > 0 && on('pg-fallback') > 0, 'both paths decided');
  for (const outcome of settled) {
    if (outcome.status === 'rejected')
      assert.ok(outcome.reason instanceof EventNotLoadedError || outcome.reason instanceof EventLoadingError, String(outcome.reason));
  }
  const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const taken = assertNoSeatTwice(granted(results));
  const audit = await grid.audit(event.eventId);
  assert.deepEqual([audit.oversold, audit.partial, audit.seatsSold + audit.seatsHeld], [0, 0, taken.size]);
  // Read through the gate: an event the fallback wrote is re-hydrated first, unless a hydration lost that mark.
  assert.equal((await grid.seatMap(event.eventId)).states, await seatStates(event));
});

test('re-hydrations fenced in the middle of a burst wipe no grant: Redis ends equal to PostgreSQL and to the grants', async () => {
  const { grid } = await admissionOn(redisUrl, { reconciler: false });
  const event = await newEvent(grid, 10, 10);
  const random = seeded(11);
  let bursting = true;
  const rehydrations = (async () => {
    let count = 0;
    while (bursting) {
      await grid.hydrate(event.eventId);
      count++;
      await sleep(5);
    }
    return count;
  })();
  const settled = await Promise.allSettled(
    Array.from({ length: 1_000 }, async (_, i) => {
      await sleep(i % 50);
      return grid.claimSeats({ eventId: event.eventId, userId: `f${i}`, seats: randomSeats(random, 10, 10, 2), mode: 'hold' });
    }),
  );
  bursting = false;
  assert.ok((await rehydrations) > 1, 'the event was re-hydrated during the burst');
  // A claim that meets a second fence right after a load hears the event is loading: no seat.
  for (const outcome of settled) {
    if (outcome.status === 'rejected')
      assert.ok(outcome.reason instanceof EventNotLoadedError || outcome.reason instanceof EventLoadingError, String(outcome.reason));
  }
  const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const taken = assertNoSeatTwice(granted(results));
  const audit = await grid.audit(event.eventId);
  assert.deepEqual([audit.oversold, audit.partial, audit.seatsHeld], [0, 0, taken.size]);
  assert.equal((await grid.seatMap(event.eventId)).states, await seatStates(event));
});

test('losers cost PostgreSQL nothing: zero queries for refused requests', async () => {
  const counter: QueryCounter = { queries: 0, commits: 0 };
  // What a refusal costs when Redis answers: a loaded machine must not open the breaker (its
  // fallback answers in PostgreSQL, rightly; a loaded CI run saw 500 sold-out answers cost 2,000 queries).
  const { grid } = await admissionOn(redisUrl, { breaker: { timeoutMs: 30_000 } }, counter);
  const event = await newEvent(grid, 5, 5);
  const sold = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      grid.claimSeats({
        eventId: event.eventId,
        userId: `early${i}`,
        seats: [{ row: 1 + Math.floor(i / 5), col: 1 + (i % 5) }],
        mode: 'book',
      }),
    ),
  );
  assert.equal(granted(sold).length, 10);
  assert.ok(counter.queries > 0, 'the counter sees what the grid sends');

  counter.queries = 0;
  const takenSeatClaims = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      grid.claimSeats({ eventId: event.eventId, userId: `late${i}`, seats: [{ row: 1 + (i % 2), col: 1 + (i % 5) }] }),
    ),
  );
  assert.ok(takenSeatClaims.every((r) => !r.ok && r.reason === 'seats-taken'));
  assert.equal(counter.queries, 0, 'seats-taken refusals sent no query');

  await Promise.all(
    Array.from({ length: 15 }, (_, i) =>
      grid.claimBestAvailable({ eventId: event.eventId, userId: `fill${i}`, quantity: 1, mode: 'book' }),
    ),
  );
  counter.queries = 0;
  const soldOut = await Promise.all(
    Array.from({ length: 500 }, (_, i) => grid.claimBestAvailable({ eventId: event.eventId, userId: `z${i}`, quantity: 1 })),
  );
  assert.ok(soldOut.every((r) => !r.ok && r.reason === 'sold-out'));
  assert.equal(counter.queries, 0, 'sold-out refusals sent no query');
});

test('Redis unreachable from the start: every booking still correct through the PostgreSQL fallback', async () => {
  const dead = await startPrivateRedis();
  dead.stop();
  // A long reset timeout: the breaker must still be open when the burst is over.
  const { grid } = await admissionOn(dead.url, { breaker: { volumeThreshold: 5, resetTimeoutMs: 60_000 } });
  const event = await newEvent(grid, 13, 23);
  const results = await Promise.all(
    Array.from({ length: 300 }, (_, i) => grid.claimBestAvailable({ eventId: event.eventId, userId: `b${i}`, quantity: 1, mode: 'book' })),
  );
  assert.equal(granted(results).length, 299);
  assertNoSeatTwice(granted(results));
  assert.equal((await grid.audit(event.eventId)).oversold, 0);
  assert.equal(grid.breaker.state, 'open');
});

test('FLUSHALL in the middle of a burst: hydrated again, no oversell, Redis ends equal to PostgreSQL', async () => {
  const privateRedis = await startPrivateRedis();
  const { grid, registry } = await admissionOn(privateRedis.url);
  const event = await newEvent(grid, 20, 10);
  const random = seeded(11);
  const burst = (from: number) =>
    Array.from({ length: 300 }, (_, i) =>
      grid.claimSeats({ eventId: event.eventId, userId: `u${from + i}`, seats: randomSeats(random, 20, 10, 2), mode: 'book' }),
    );
  await grid.seatMap(event.eventId); // the event is live in Redis before the burst
  let answered = 0;
  const first = burst(0).map((claim) => claim.finally(() => answered++));
  await eventually(async () => answered >= 50, 10_000, 1);
  await connectRedis({ url: privateRedis.url }).flushall(); // mid-burst: 50 answered, the rest in flight or still to come
  assert.ok(answered < 300, 'the flush landed before the burst was over');
  const results = [...(await Promise.all(first)), ...(await Promise.all(burst(300)))];
  assertNoSeatTwice(granted(results));
  const audit = await grid.audit(event.eventId);
  assert.deepEqual([audit.oversold, audit.partial], [0, 0]);
  assert.equal(
    audit.seatsSold,
    granted(results).reduce((n, g) => n + g.seats.length, 0),
    'every grant is in PostgreSQL',
  );
  await grid.reconcileOnce();
  assert.equal((await grid.seatMap(event.eventId)).states, await seatStates(event));
  const hydrations = await samples(registry, 'seatgrid_hydrations_total');
  assert.ok(
    hydrations.some((v) => v.labels.reason === 'not-loaded' && v.value > 0),
    'the flushed event was hydrated again',
  );
});

test('a PostgreSQL write that fails after a Redis win releases the seat before answering', async () => {
  const { grid } = await admissionOn(redisUrl, { winnerFault: firstWinner('fail') });
  const event = await newEvent(grid, 1, 3);
  const seat = { row: 1, col: 2 };
  await assert.rejects(grid.claimSeats({ eventId: event.eventId, userId: 'unlucky', seats: [seat], idempotencyKey: 'k1' }));
  assert.equal((await grid.gate.seatMap(event.eventId)).states, '...', 'nothing leaked in Redis');
  assert.equal(await seatStates(event), '...', 'nothing written in PostgreSQL');
  const retry = await grid.claimSeats({ eventId: event.eventId, userId: 'unlucky', seats: [seat], idempotencyKey: 'k1' });
  assert.equal(retry.ok && !retry.replayed, true, 'a retry with the same key claims afresh');
});

test('a winner that dies between Redis and PostgreSQL is freed by the reconciler within one pass', async () => {
  // A Redis and a database of its own: a pass covers every recent event, and other tests' drifts are not this one's.
  const privateRedis = await startPrivateRedis();
  const database = await privateDatabase('reconcile');
  const { grid, registry } = await admissionOn(privateRedis.url, { winnerFault: firstWinner('vanish'), database });
  const event = await newEvent(grid, 1, 3);
  const lost = await grid.claimSeats({ eventId: event.eventId, userId: 'ghost', seats: [{ row: 1, col: 1 }] });
  assert.equal(lost.ok, true);
  assert.equal((await grid.gate.seatMap(event.eventId)).states, 'H..');
  assert.equal(await grid.storedSeatStates(event.eventId), '...');

  const drifts = await grid.reconcileOnce();
  assert.deepEqual(drifts, [{ eventId: event.eventId, seats: 1, byKind: { leak: 1, unguarded: 0, state: 0 } }]);
  assert.equal((await grid.gate.seatMap(event.eventId)).states, '...');
  assert.deepEqual(await samples(registry, 'seatgrid_reconcile_drift_seats_total'), [{ labels: { kind: 'leak' }, value: 1 }]);
});

test('a keyed grant whose process died before its write: "in flight" while its hold lives, a fresh claim once the reconciler removed it', async () => {
  const { grid } = await admissionOn(redisUrl, { winnerFault: firstWinner('vanish') });
  const event = await newEvent(grid, 1, 3);
  const claim = { eventId: event.eventId, userId: 'retrier', seats: [{ row: 1, col: 1 }], idempotencyKey: 'order-1' };
  const lost = await grid.claimSeats(claim);
  assert.equal(lost.ok, true, 'the dying process answered nobody; here the call returns as if it did');
  await assert.rejects(grid.claimSeats(claim), IdempotencyInFlightError, 'its hold is live in Redis: maybe another process is writing it');

  await grid.reconcileOnce();
  assert.equal((await grid.gate.seatMap(event.eventId)).states, '...', 'the reconciler removed the unwritten hold');
  const retry = await grid.claimSeats(claim);
  assert.ok(retry.ok && !retry.replayed, 'the retry is decided afresh');
  assert.equal(await seatStates(event), 'H..', 'and this time written');
  const again = await grid.claimSeats(claim);
  assert.ok(again.ok && again.replayed && again.holdId === retry.holdId, 'a further retry replays the new, durable grant');
});

test('two instances on one Redis and PostgreSQL, one with its breaker forced open: no seat twice', async () => {
  const a = await admissionOn(redisUrl);
  const b = await admissionOn(redisUrl);
  b.grid.breaker.open();
  const event = await newEvent(a.grid, 10, 10);
  const random = seeded(23);
  const results = await Promise.all(
    Array.from({ length: 600 }, (_, i) =>
      (i % 2 === 0 ? a : b).grid.claimSeats({
        eventId: event.eventId,
        userId: `u${i}`,
        seats: randomSeats(random, 10, 10, 3),
        mode: 'book',
      }),
    ),
  );
  assertNoSeatTwice(granted(results));
  const audit = await a.grid.audit(event.eventId);
  assert.deepEqual([audit.oversold, audit.partial], [0, 0]);
  assert.equal(
    audit.seatsSold,
    granted(results).reduce((n, g) => n + g.seats.length, 0),
  );
});

test('hydrating a 100,000-seat event rebuilds Redis exactly (time reported, not asserted)', async (t) => {
  const { grid } = await admissionOn(redisUrl);
  const event = await newEvent(grid, 100, 1000);
  // Half the seats sold in 12,500 bookings of 4, written straight into PostgreSQL.
  await sql`
    with bookings as (
      insert into seatgrid.holds (id, event_id, user_id, seat_indexes, status)
      select ${event.eventId} || '-b' || b, ${event.eventId}, 'fan' || (b % 977),
             array[b * 8, b * 8 + 1, b * 8 + 2, b * 8 + 3], 'confirmed'
      from generate_series(0, 12499) as b
      returning id, seat_indexes
    )
    update seatgrid.seats as seats set state = 'sold', hold_id = bookings.id
    from bookings where seats.event_id = ${event.eventId} and seats.seat_index = any(bookings.seat_indexes)`.execute(testDatabase());
  const started = performance.now();
  await grid.hydrate(event.eventId);
  const elapsedMs = performance.now() - started;
  t.diagnostic(`hydrated 100,000 seats (50,000 sold in 12,500 bookings) in ${elapsedMs.toFixed(0)} ms`);
  await assertRedisEqualsPostgres(grid, event, 50_000);
});

/**
 * A 20 x 20 event with 300 one-seat bookings written straight into PostgreSQL, and a
 * hydration of it under way: its first step done, a staged copy in Redis (`staged`: its keys).
 * One seat a load step, so the load has hundreds of steps still to go.
 */
async function hydrationStaged(gate: GridOptions['gate']) {
  const { grid, registry } = await admissionOn(redisUrl, { gate: { ...gate, loadChunkSeats: 1 } });
  const event = await newEvent(grid, 20, 20);
  await sql`
    with bookings as (
      insert into seatgrid.holds (id, event_id, user_id, seat_indexes, status)
      select ${event.eventId} || '-b' || b, ${event.eventId}, 'fan' || b, array[b], 'confirmed'
      from generate_series(0, 299) as b
      returning id, seat_indexes
    )
    update seatgrid.seats as seats set state = 'sold', hold_id = bookings.id
    from bookings where seats.event_id = ${event.eventId} and seats.seat_index = any(bookings.seat_indexes)`.execute(testDatabase());
  const redis = connectRedis();
  const staged = stagingKeys('sg', event.eventId);
  const hydration = grid.hydrate(event.eventId);
  while (!(await grid.gate.loadStaged(event.eventId))) await new Promise((resolve) => setImmediate(resolve));
  return { grid, registry, event, redis, staged, hydration };
}

async function assertRedisEqualsPostgres(grid: AdmissionSeatGrid, event: EventInfo, available: number): Promise<void> {
  const map = await grid.gate.seatMap(event.eventId);
  assert.equal(map.available, available);
  assert.equal(map.states, await seatStates(event));
}

test('a hydration whose staged copy Redis evicts in part loads again at once and ends equal to PostgreSQL', async () => {
  const { grid, registry, event, redis, staged, hydration } = await hydrationStaged({});
  await redis.del(staged[1] as string);
  await hydration;
  await assertRedisEqualsPostgres(grid, event, 100);
  const hydrations = await samples(registry, 'seatgrid_hydrations_total');
  assert.deepEqual(
    hydrations.filter((v) => v.labels.reason === 'stale').map((v) => v.value),
    [1],
    'one hydration, its load run twice',
  );
});

test("a hydration whose staged copy vanishes whole loads again at once, not after the staging's TTL", async () => {
  // A TTL no test waits out: a hydration that waited for another loader's swap would hang.
  const { grid, event, redis, staged, hydration } = await hydrationStaged({ stagingTtlMs: 600_000 });
  // Gone whole between two steps, as expiry or an eviction of every staged key leaves it: no loader is coming.
  await redis.del(...staged);
  const outcome = await Promise.race([hydration.then(() => 'loaded' as const), sleep(30_000, 'waited' as const, { ref: false })]);
  assert.equal(outcome, 'loaded', 'the hydration waited for a swap that never comes');
  await assertRedisEqualsPostgres(grid, event, 100);
});

test('events in the recent grants that the database lacks are skipped for a while, and never crowd out a lost grant', async (t) => {
  // A Redis and a database of its own: the recent grants and the events are this test's alone.
  const privateRedis = await startPrivateRedis();
  const database = await privateDatabase('missing');
  const quiet = { sweeper: false, reconciler: false } as const;
  // One process wins a seat and dies before its write; another, which never served the event, runs the passes.
  const { grid: dying } = await admissionOn(privateRedis.url, { ...quiet, winnerFault: firstWinner('vanish'), database });
  const counter: QueryCounter = { queries: 0, commits: 0 };
  const kysely = openKysely<unknown>({ url: database, counter, max: 5 });
  const { grid } = await admissionOn(privateRedis.url, { ...quiet, database: { kysely } });
  const event = await newEvent(dying, 1, 3);
  assert.equal((await dying.claimSeats({ eventId: event.eventId, userId: 'ghost', seats: [{ row: 1, col: 1 }] })).ok, true);
  await eventually(async () => (await grid.gate.grants.recent(60_000, 10)).includes(event.eventId));
  await sleep(5);
  // A pass's worth of events the database lacks, all granted after the lost one.
  const missing = Array.from({ length: 200 }, () => uniqueEventId('gone'));
  for (const eventId of missing) await grid.gate.grants.note(eventId, 60_000);
  const pass = async () => {
    const before = counter.queries;
    const drifts = await grid.reconcileOnce();
    return { repaired: drifts.map((drift) => drift.eventId), statements: counter.queries - before };
  };
  const first = await pass();
  assert.deepEqual(first.repaired, [], 'the first pass looks the missing events up, and finds none');
  const second = await pass();
  assert.deepEqual(second.repaired, [event.eventId], 'the next skips them and reaches the lost grant');
  const third = await pass();
  t.diagnostic(`statements a pass: ${first.statements}, then ${second.statements} (the repair), then ${third.statements}`);
  assert.deepEqual(third.repaired, []);
  assert.ok(first.statements >= missing.length && third.statements < 10, `${first.statements}, then ${third.statements}`);
  assert.equal((await grid.gate.grants.recent(60_000, 1_000)).length, missing.length + 1, 'the shared record of grants is left alone');
});

/** A grid whose statements and commits are counted, with an event loaded into Redis before counting starts. */
async function countedGridWithEvent(overrides: GridOptions, rows: number, cols: number) {
  const counter: QueryCounter = { queries: 0, commits: 0 };
  const { grid } = await admissionOn(redisUrl, overrides, counter);
  const event = await newEvent(grid, rows, cols);
  await grid.seatMap(event.eventId);
  counter.commits = 0;
  return { grid, event, counter };
}

test('group commit: concurrent winners share transactions; switched off, each has its own', async () => {
  for (const enabled of [true, false]) {
    const { grid, event, counter } = await countedGridWithEvent({ groupCommit: { enabled } }, 4, 50);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        grid.claimSeats({
          eventId: event.eventId,
          userId: `w${i}`,
          seats: [{ row: 1 + Math.floor(i / 50), col: 1 + (i % 50) }],
          mode: 'book',
        }),
      ),
    );
    const transactions = counter.commits;
    assert.equal(granted(results).length, 200);
    assert.equal((await grid.audit(event.eventId)).seatsSold, 200);
    if (enabled) assert.ok(transactions < 200, `200 winners took ${transactions} transactions`);
    else assert.equal(transactions, 200);
  }
});

test('a group commit writes each winner whole: holds with their seats in order, bookings for sales, answers under their keys', async () => {
  const { grid, event, counter } = await countedGridWithEvent({}, 2, 40);
  // Two seats a winner, the higher column first: the hold keeps the order of the grant's seats.
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      grid.claimSeats({
        eventId: event.eventId,
        userId: `u${i}`,
        seats: [
          { row: 1 + (i % 2), col: 2 + 2 * Math.floor(i / 2) },
          { row: 1 + (i % 2), col: 1 + 2 * Math.floor(i / 2) },
        ],
        mode: i % 3 === 0 ? 'book' : 'hold',
        ...(i % 4 === 0 ? { idempotencyKey: `k${i}` } : {}),
      }),
    ),
  );
  const grants = granted(results);
  assert.equal(grants.length, 40);
  assert.ok(counter.commits < 40, `40 winners took ${counter.commits} transactions`);
  const db = testDatabase();
  const holds = await db.selectFrom('holds').selectAll().where('event_id', '=', event.eventId).execute();
  const bookings = await db.selectFrom('bookings').select('id').where('event_id', '=', event.eventId).execute();
  const answers = await db.selectFrom('idempotency_records').selectAll().where('event_id', '=', event.eventId).execute();
  for (const [i, grant] of grants.entries()) {
    const hold = holds.find((h) => h.id === grant.holdId);
    const sold = i % 3 === 0;
    assert.deepEqual(
      hold?.seat_indexes,
      grant.seats.map((s) => (s.row - 1) * 40 + s.col - 1),
    );
    assert.equal(new Set(hold?.seat_indexes).size, 2);
    assert.equal(hold?.user_id, `u${i}`);
    assert.equal(hold?.status, sold ? 'confirmed' : 'held');
    assert.equal(hold?.expires_at === null, sold);
    assert.equal(
      bookings.some((b) => b.id === grant.holdId),
      sold,
    );
    const answer = answers.find((a) => a.user_id === `u${i}`);
    assert.equal(answer?.key, i % 4 === 0 ? `k${i}` : undefined);
  }
  assert.equal(answers.length, 10);
  const audit = await grid.audit(event.eventId);
  assert.equal(audit.seatsSold + audit.seatsHeld, 80);
  assert.equal(audit.staleRows, 0);
});

test('start-up can tell whether Redis may evict admission keys', async () => {
  const evicting = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
  const risky = await admissionOn(evicting.url);
  assert.deepEqual(await risky.grid.evictionRisk(), { policy: 'allkeys-lru', safe: false, answered: true });
  const careful = await startPrivateRedis(['--maxmemory-policy', 'noeviction']);
  const safe = await admissionOn(careful.url);
  assert.deepEqual(await safe.grid.evictionRisk(), { policy: 'noeviction', safe: true, answered: true });
});

test('start-up warns loudly when Redis may evict admission keys', async () => {
  const evicting = await startPrivateRedis(['--maxmemory-policy', 'allkeys-random']);
  const warnings: string[] = [];
  const { grid } = await admissionOn(evicting.url, { sweeper: false, reconciler: false });
  grid.on('warning', (message) => warnings.push(message));
  assert.deepEqual(await grid.start(), { redis: 'up', evictionPolicy: 'allkeys-random', evictionSafe: false });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /maxmemory-policy is allkeys-random/);
});

test('events written through the fallback are re-hydrated before the gate admits for them again', async () => {
  const { grid, registry } = await admissionOn(redisUrl);
  const event = await newEvent(grid, 1, 4);
  await grid.seatMap(event.eventId); // live in Redis
  grid.breaker.open();
  const viaPostgres = await grid.claimSeats({ eventId: event.eventId, userId: 'early', seats: [{ row: 1, col: 1 }], mode: 'book' });
  assert.equal(viaPostgres.ok, true);
  assert.equal((await grid.gate.seatMap(event.eventId)).states, '....', 'Redis has not seen the fallback sale');

  grid.breaker.close();
  const late = await grid.claimSeats({ eventId: event.eventId, userId: 'late', seats: [{ row: 1, col: 1 }] });
  assert.equal(!late.ok && late.reason, 'seats-taken');
  const hydrations = await samples(registry, 'seatgrid_hydrations_total');
  assert.ok(hydrations.some((v) => v.labels.reason === 'after-fallback' && v.value === 1));
  assert.deepEqual(await samples(registry, 'seatgrid_compensations_total'), [], 'the gate refused it, not PostgreSQL');
  assert.equal((await grid.gate.seatMap(event.eventId)).states, 'S...');
});
