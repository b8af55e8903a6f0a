import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { createSeatGrid, type DatabaseConnection, type SeatGrid } from '@seatgrid/admission';
import { databaseUrl, eventually, openKysely, openPool, samples, testDatabase, uniqueEventId, type QueryCounter } from './support.ts';

// The three ways to reach PostgreSQL: a connection string (or settings), { pool }, { kysely }.
// SeatGrid closes only what it opened itself.

async function backendsOf(applicationName: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity where application_name = ${applicationName}`.execute(testDatabase());
  return rows[0]?.n ?? 0;
}

/** A grid on `database` with a private registry, migrated, with one event and one claim. */
async function exercised(database: DatabaseConnection): Promise<{ grid: SeatGrid; registry: Registry; eventId: string }> {
  const registry = new Registry();
  const grid = createSeatGrid({ strategy: 'pessimistic', database, metrics: { registry } });
  try {
    await grid.migrate();
    const event = await grid.createEvent({ eventId: uniqueEventId('conn'), name: 'connections', rows: 1, cols: 2, holdTtlMs: 60_000 });
    assert.equal((await grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 1 }] })).ok, true);
    return { grid, registry, eventId: event.eventId };
  } catch (error) {
    await grid.close();
    throw error;
  }
}

/** seatgrid_pg_queries_total, now. */
async function queriesCounted(registry: Registry): Promise<number> {
  return (await samples(registry, 'seatgrid_pg_queries_total'))[0]?.value ?? 0;
}

/** One findEvent is one statement: the counter moves by exactly one. */
async function assertCountsOneStatement(grid: SeatGrid, registry: Registry, eventId: string): Promise<void> {
  const before = await queriesCounted(registry);
  assert.ok(before > 0, 'the statements so far were counted');
  assert.equal((await grid.findEvent(eventId))?.eventId, eventId);
  assert.equal(await queriesCounted(registry), before + 1);
}

test('a connection string: SeatGrid opens its own pool, counts its statements, and ends the pool at close()', async () => {
  const applicationName = `sg-own-pool-${randomUUID().slice(0, 8)}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', applicationName); // to find its connections
  const { grid, registry, eventId } = await exercised(url.toString());
  try {
    await assertCountsOneStatement(grid, registry, eventId);
    assert.ok((await backendsOf(applicationName)) > 0, 'its pool holds connections');
  } finally {
    await grid.close();
  }
  await eventually(async () => (await backendsOf(applicationName)) === 0);
});

test('{ pool }: SeatGrid works on your pg.Pool, counts its statements, and leaves it open at close()', async () => {
  const pool = openPool(2);
  const { grid, registry, eventId } = await exercised({ pool });
  try {
    await assertCountsOneStatement(grid, registry, eventId);
  } finally {
    await grid.close();
  }
  assert.deepEqual((await pool.query('select 1 as one')).rows, [{ one: 1 }], 'the pool still answers');
});

test('{ kysely }: SeatGrid works on your Kysely, counts its statements (your log sees them too), and leaves it open at close()', async () => {
  const counter: QueryCounter = { queries: 0, commits: 0 };
  const kysely = openKysely<unknown>({ counter, max: 2 });
  const { grid, registry, eventId } = await exercised({ kysely });
  try {
    const logged = counter.queries;
    assert.ok(logged > 0 && counter.commits > 0, 'the Kysely saw the work, transactions included');
    await assertCountsOneStatement(grid, registry, eventId);
    assert.equal(counter.queries, logged + 1, 'the same one statement, through your Kysely');
  } finally {
    await grid.close();
  }
  assert.deepEqual((await sql<{ one: number }>`select 1 as one`.execute(kysely)).rows, [{ one: 1 }], 'the Kysely still answers');
});
