import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import {
  createSeatGrid,
  type BackgroundTask,
  type BreakerState,
  type Compensation,
  type EventDrift,
  type Hydration,
} from '@seatgrid/admission';
import { admissionGrid, closeAtEnd, databaseUrl, eventually, samples, seatStates, uniqueEventId } from './support.ts';

// What a SeatGrid reports as it runs, each event from a real cause.

test("'breaker' reports open, then half-open after the reset timeout, then closed after a good trial call", async () => {
  const registry = new Registry();
  const grid = await admissionGrid({ breaker: { resetTimeoutMs: 200 }, metrics: { registry } });
  const event = await grid.createEvent({ eventId: uniqueEventId('breaker'), name: 'breaker', rows: 1, cols: 2, holdTtlMs: 60_000 });
  await grid.seatMap(event.eventId); // loaded
  const states: BreakerState[] = [];
  grid.on('breaker', (state) => states.push(state));
  grid.breaker.open();
  assert.deepEqual(states, ['open']);
  await eventually(() => states.length === 2);
  assert.deepEqual(states, ['open', 'half-open']);
  assert.equal(grid.breaker.state, 'half-open');
  const trial = await grid.claimSeats({ eventId: event.eventId, userId: 'trial', seats: [{ row: 1, col: 1 }] });
  assert.equal(trial.ok, true);
  assert.deepEqual(states, ['open', 'half-open', 'closed']);
  assert.equal(grid.breaker.state, 'closed');
  const transitions = await samples(registry, 'seatgrid_breaker_transitions_total');
  assert.deepEqual(transitions.map((t) => [t.labels.to, t.value]).sort(), [
    ['closed', 1],
    ['half-open', 1],
    ['open', 1],
  ]);
});

test("'hydrate' reports each load of an event into Redis, with its reason", async () => {
  const grid = await admissionGrid();
  const hydrations: Hydration[] = [];
  grid.on('hydrate', (hydration) => hydrations.push(hydration));
  const event = await grid.createEvent({ eventId: uniqueEventId('hydrate'), name: 'hydrate', rows: 1, cols: 2, holdTtlMs: 60_000 });
  assert.equal((await grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 1 }] })).ok, true);
  await grid.hydrate(event.eventId);
  assert.deepEqual(
    hydrations.map(({ eventId, reason }) => ({ eventId, reason })),
    [
      { eventId: event.eventId, reason: 'not-loaded' },
      { eventId: event.eventId, reason: 'stale' },
    ],
  );
  assert.ok(hydrations.every((h) => typeof h.durationMs === 'number' && h.durationMs >= 0));
});

test("'compensation' reports a Redis win given back because its PostgreSQL write failed", async () => {
  const grid = await admissionGrid({ winnerFault: () => 'fail' });
  const compensations: Compensation[] = [];
  grid.on('compensation', (compensation) => compensations.push(compensation));
  const event = await grid.createEvent({ eventId: uniqueEventId('comp'), name: 'compensation', rows: 1, cols: 2, holdTtlMs: 60_000 });
  await assert.rejects(grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 1 }], holdId: 'h-unlucky' }));
  assert.deepEqual(compensations, [{ eventId: event.eventId, holdId: 'h-unlucky', reason: 'pg-error' }]);
  assert.equal((await grid.gate.seatMap(event.eventId)).states, '..', 'given back in Redis');
});

test("'drift' reports what the reconciler repaired: a win that reached Redis and never PostgreSQL", async () => {
  const grid = await admissionGrid();
  const drifts: EventDrift[] = [];
  grid.on('drift', (drift) => drifts.push(drift));
  const event = await grid.createEvent({ eventId: uniqueEventId('drift'), name: 'drift', rows: 1, cols: 3, holdTtlMs: 60_000 });
  await grid.seatMap(event.eventId); // loaded, and served by this instance: its reconciler watches it
  // A claim through the gate alone: Redis takes the seat, PostgreSQL never hears of it.
  assert.equal((await grid.gate.claimSeats({ eventId: event.eventId, userId: 'ghost', seats: [{ row: 1, col: 2 }] })).ok, true);
  assert.deepEqual(await grid.reconcileOnce(), drifts);
  // The reconciler looks at every active event of the database: this test's is the one it made.
  assert.deepEqual(
    drifts.filter((drift) => drift.eventId === event.eventId),
    [{ eventId: event.eventId, seats: 1, byKind: { leak: 1, unguarded: 0, state: 0 } }],
  );
  assert.equal((await grid.gate.seatMap(event.eventId)).states, await seatStates(event));
});

/** A grid whose schema has no tables: its sweeper fails at every pass. */
function gridWithFailingSweeper() {
  const grid = createSeatGrid({
    strategy: 'optimistic',
    database: { connectionString: databaseUrl, max: 1 },
    schema: `sg_missing_${randomUUID().slice(0, 8)}`,
    sweeper: { intervalMs: 20 },
    metrics: false,
  });
  closeAtEnd(() => grid.close());
  return grid;
}

test("'backgroundError' reports a failed background task, which goes on", async () => {
  const grid = gridWithFailingSweeper();
  const failures: { error: unknown; task: BackgroundTask }[] = [];
  grid.on('backgroundError', (error, task) => failures.push({ error, task }));
  await grid.start();
  await eventually(() => failures.length >= 2);
  assert.ok(failures.every(({ task }) => task === 'sweeper'));
  assert.equal((failures[0]?.error as { code?: unknown } | undefined)?.code, '42P01', 'no such table: the schema was never migrated');
  await grid.close();
});

test('with no backgroundError listener, a failed background task becomes a process warning', async () => {
  const grid = gridWithFailingSweeper();
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    await grid.start();
    await eventually(() => warnings.some((w) => w.name === 'SeatGridWarning'));
    const warning = warnings.find((w) => w.name === 'SeatGridWarning');
    assert.match(warning?.message ?? '', /^SeatGrid sweeper failed: .*does not exist/);
  } finally {
    await grid.close();
    process.off('warning', onWarning);
  }
});
