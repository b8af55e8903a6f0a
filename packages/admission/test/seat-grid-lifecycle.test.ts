import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { ClosedError, createSeatGrid, type AdmissionSeatGrid, type BackgroundTask, type EventDrift } from '@seatgrid/admission';
import {
  closeAtEnd,
  connectRedis,
  databaseUrl,
  eventually,
  openKysely,
  privateDatabase,
  redisUrl,
  samples,
  startPrivateRedis,
  testDatabase,
  uniqueEventId,
  type QueryCounter,
} from './support.ts';

/** An admission grid as an application makes one, on a Redis URL; closed when the file ends. */
function gridOn(redis: string, options: { startTimeoutMs?: number; registry?: Registry } = {}): AdmissionSeatGrid {
  const grid = createSeatGrid({
    strategy: 'admission',
    database: { connectionString: databaseUrl, max: 2 },
    redis,
    metrics: { registry: options.registry ?? new Registry() },
    breaker: { resetTimeoutMs: 60_000 },
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
  });
  closeAtEnd(() => grid.close());
  return grid;
}

/** start() on a Redis that does not answer: bounded, 'down', breaker open, claims served by PostgreSQL. */
async function startsOnTheFallback(grid: AdmissionSeatGrid, registry: Registry, redisAnswered: Promise<unknown>): Promise<void> {
  await grid.migrate();
  const warnings: string[] = [];
  grid.on('warning', (message) => warnings.push(message));
  const started = await Promise.race([grid.start(), redisAnswered.then(() => 'redis answered first' as const)]);
  assert.deepEqual(started, { redis: 'down', evictionPolicy: 'unknown', evictionSafe: true });
  assert.equal(grid.breaker.state, 'open');
  assert.match(warnings.join('\n'), /Redis did not answer within 300 ms: starting on the PostgreSQL fallback/);
  const event = await grid.createEvent({ eventId: uniqueEventId('down'), name: 'redis down', rows: 1, cols: 2, holdTtlMs: 60_000 });
  const claim = await grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 1 }] });
  assert.equal(claim.ok, true);
  const decided = await samples(registry, 'seatgrid_decisions_total');
  assert.deepEqual(
    decided.map((d) => [d.labels.outcome, d.labels.path, d.value]),
    [['granted', 'pg-fallback', 1]],
  );
}

test('start() on a paused Redis gives up after startTimeoutMs: Redis down, breaker open, claims served by PostgreSQL', async () => {
  const server = await startPrivateRedis();
  const admin = connectRedis({ url: server.url });
  await admin.call('CLIENT', 'PAUSE', '30000', 'ALL');
  const registry = new Registry();
  const grid = gridOn(server.url, { startTimeoutMs: 300, registry });
  grid.on('backgroundError', () => {}); // the client's reconnects, once the server is killed below
  await startsOnTheFallback(grid, registry, admin.ping());
  server.stop(); // rather than wait out the pause: the grid's client then quits at once
  await grid.close();
});

test('start() on a dead Redis: the same, and the lost connection is reported', async () => {
  const server = await startPrivateRedis();
  server.stop();
  const registry = new Registry();
  const grid = gridOn(server.url, { startTimeoutMs: 300, registry });
  const failures: BackgroundTask[] = [];
  grid.on('backgroundError', (_error, task) => failures.push(task));
  await startsOnTheFallback(grid, registry, new Promise(() => {}));
  await eventually(() => failures.length > 0);
  assert.ok(
    failures.every((task) => task === 'redis-connection'),
    failures.join(),
  );
  await grid.close();
});

test('close() lets a claim under way land, stops the jobs, and refuses every call after it (ClosedError)', async () => {
  const counter: QueryCounter = { queries: 0, commits: 0 };
  const grid = createSeatGrid({
    strategy: 'admission',
    database: { kysely: openKysely<unknown>({ counter, max: 2 }) }, // the test's own: it still counts after close()
    redis: connectRedis(),
    metrics: false,
    sweeper: { intervalMs: 20 },
    reconciler: { intervalMs: 20, confirmAfterMs: 1 },
  });
  closeAtEnd(() => grid.close());
  await grid.migrate();
  await grid.start();
  const event = await grid.createEvent({ eventId: uniqueEventId('close'), name: 'close', rows: 1, cols: 2, holdTtlMs: 60_000 });
  await grid.seatMap(event.eventId); // loaded, and watched by the reconciler
  const beforeJobs = counter.queries;
  await eventually(() => counter.queries > beforeJobs + 10, 10_000); // the jobs run

  // The claim's PostgreSQL write waits on a seat row this test has locked.
  let unlock: () => void = () => {};
  let locked: () => void = () => {};
  const lockHeld = new Promise<void>((resolve) => (locked = resolve));
  const holder = testDatabase()
    .transaction()
    .execute(async (trx) => {
      await sql`select 1 from seatgrid.seats where event_id = ${event.eventId} and seat_index = 0 for update`.execute(trx);
      locked();
      await new Promise<void>((resolve) => (unlock = resolve));
    });
  await lockHeld;
  const order: string[] = [];
  const claim = grid.claimSeats({ eventId: event.eventId, userId: 'last', seats: [{ row: 1, col: 1 }] });
  void claim.then(() => order.push('claim answered'));
  await eventually(async () => (await grid.gate.seatMap(event.eventId)).states === 'H.'); // won in Redis, writing
  const closed = grid.close().then(() => order.push('closed'));
  await assert.rejects(grid.claimSeats({ eventId: event.eventId, userId: 'late', seats: [{ row: 1, col: 2 }] }), ClosedError);
  assert.deepEqual(order, [], 'close() waits for the claim, which waits for the lock');
  unlock();
  await holder;
  await closed;
  assert.deepEqual(order, ['claim answered', 'closed']);
  const result = await claim;
  assert.ok(result.ok, JSON.stringify(result));
  const { rows } = await sql<{ id: string }>`select id from seatgrid.holds where id = ${result.holdId}`.execute(testDatabase());
  assert.equal(rows.length, 1, 'the claim landed in PostgreSQL before close() resolved');

  // Every call is refused now, and the jobs send nothing more: a witness with the same
  // intervals, started after this close(), gets several passes in meanwhile.
  const calls: [string, () => Promise<unknown>][] = [
    ['claimSeats', () => grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 2 }] })],
    ['claimBestAvailable', () => grid.claimBestAvailable({ eventId: event.eventId, userId: 'u', quantity: 1 })],
    ['confirm', () => grid.confirm({ eventId: event.eventId, userId: 'last', holdId: result.holdId })],
    ['createEvent', () => grid.createEvent({ name: 'late', rows: 1, cols: 1, holdTtlMs: 60_000 })],
    ['seatMap', () => grid.seatMap(event.eventId)],
    ['sweepOnce', () => grid.sweepOnce()],
    ['reconcileOnce', () => grid.reconcileOnce()],
    ['hydrate', () => grid.hydrate(event.eventId)],
    ['evictionRisk', () => grid.evictionRisk()],
    ['migrate', () => grid.migrate()],
    ['start', () => grid.start()],
  ];
  for (const [name, call] of calls) {
    await assert.rejects(call(), (error: unknown) => error instanceof ClosedError && error.code === 'CLOSED', name);
  }
  const afterClose = counter.queries;
  const witnessCounter: QueryCounter = { queries: 0, commits: 0 };
  const witness = createSeatGrid({
    strategy: 'optimistic',
    database: { kysely: openKysely<unknown>({ counter: witnessCounter, max: 1 }) },
    metrics: false,
    sweeper: { intervalMs: 20 },
  });
  closeAtEnd(() => witness.close());
  await witness.start();
  await eventually(() => witnessCounter.commits >= 5, 10_000);
  assert.equal(counter.queries, afterClose, 'no statement from the closed grid since');
});

test('a grid on a Redis URL and a connection string closes both: the process exits by itself', async () => {
  const script = `
    import { createSeatGrid } from '@seatgrid/admission';
    const grid = createSeatGrid({ strategy: 'admission', database: process.env.DATABASE_URL, redis: process.env.REDIS_URL, metrics: false });
    await grid.migrate();
    const started = await grid.start();
    const event = await grid.createEvent({ eventId: process.env.EVENT_ID, name: 'child', rows: 1, cols: 2, holdTtlMs: 60000 });
    const claim = await grid.claimSeats({ eventId: event.eventId, userId: 'child', seats: [{ row: 1, col: 1 }] });
    await grid.close();
    console.log(JSON.stringify({ redis: started.redis, granted: claim.ok }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..'), // the package itself: '@seatgrid/admission' resolves to its build
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, EVENT_ID: uniqueEventId('child') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    const code = await exited;
    assert.equal(code, 0, `the child did not exit by itself (killed at the deadline), or failed:\n${output}`);
  } finally {
    clearTimeout(deadline);
  }
  assert.deepEqual(JSON.parse(output.trim()), { redis: 'up', granted: true });
});

test('the sweeper and the reconciler run by default; with sweeper: false no hold is swept', async () => {
  // A database of this test's own: no other process's sweeper can expire these holds.
  const url = await privateDatabase('jobs');
  const grid = createSeatGrid({ strategy: 'admission', database: { connectionString: url, max: 3 }, redis: redisUrl, metrics: false });
  closeAtEnd(() => grid.close());
  const quiet = createSeatGrid({
    strategy: 'optimistic',
    database: { connectionString: url, max: 2 },
    schema: 'sg_quiet',
    sweeper: false,
    metrics: false,
  });
  closeAtEnd(() => quiet.close());
  const db = openKysely<unknown>({ url, max: 1 });
  const statusOf = async (schema: string, holdId: string) =>
    (await sql<{ status: string }>`select status from ${sql.table(`${schema}.holds`)} where id = ${holdId}`.execute(db)).rows[0]?.status;
  const lapsedPastGrace = async (schema: string, holdId: string) =>
    (
      await sql<{ due: boolean }>`select expires_at < now() - interval '600 milliseconds' as due from ${sql.table(`${schema}.holds`)}
      where id = ${holdId}`.execute(db)
    ).rows[0]?.due === true;
  for (const g of [grid, quiet]) {
    await g.migrate();
    await g.start();
  }

  // Not swept: a hold of the instance without a sweeper, due first.
  const quietEvent = await quiet.createEvent({ name: 'quiet', rows: 1, cols: 1, holdTtlMs: 1_000 });
  const unswept = await quiet.claimSeats({ eventId: quietEvent.eventId, userId: 'u', seats: [{ row: 1, col: 1 }] });
  assert.ok(unswept.ok);
  await eventually(() => lapsedPastGrace('sg_quiet', unswept.holdId), 10_000);

  // Swept by default: a hold due after it, with no sweepOnce() call.
  const event = await grid.createEvent({ eventId: uniqueEventId('jobs'), name: 'jobs', rows: 1, cols: 3, holdTtlMs: 1_000 });
  const swept = await grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 1 }] });
  assert.ok(swept.ok);
  await eventually(async () => (await statusOf('seatgrid', swept.holdId)) === 'expired', 15_000);
  // The default sweeper interval has passed at least once since the quiet hold was due.
  assert.equal(await statusOf('sg_quiet', unswept.holdId), 'held', 'sweeper: false sweeps nothing');

  // Repaired by default: a win that reached Redis only, with no reconcileOnce() call.
  const drifts: EventDrift[] = [];
  grid.on('drift', (drift) => drifts.push(drift));
  assert.equal((await grid.gate.claimSeats({ eventId: event.eventId, userId: 'ghost', seats: [{ row: 1, col: 3 }] })).ok, true);
  await eventually(() => drifts.some((drift) => drift.byKind.leak > 0), 15_000);
  assert.deepEqual(
    drifts.find((drift) => drift.byKind.leak > 0),
    { eventId: event.eventId, seats: 1, byKind: { leak: 1, unguarded: 0, state: 0 } },
  );
  assert.equal((await grid.gate.seatMap(event.eventId)).states[2], '.', 'the seat is free again in Redis');
});
