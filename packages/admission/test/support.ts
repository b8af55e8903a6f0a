import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  createSeatGrid,
  type AdmissionSeatGrid,
  type Database,
  type EventInfo,
  type PostgresSeatGrid,
  type Seat,
  type SeatGrid,
  type SeatGridOptions,
} from '@seatgrid/admission';
import { createGate, type Gate, type GateSettings } from '@seatgrid/admission/gate';
import { createScratchDatabase, createSeatGridForTesting, type ComparisonOptions } from '@seatgrid/admission/testing';

/** The real Redis the suite runs against (scripts/run.sh exports REDIS_URL). */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The real PostgreSQL the suite runs against (scripts/run.sh exports DATABASE_URL). */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid';

/** The schema SeatGrid uses by default: raw SQL in the tests names its tables there. */
export const SCHEMA = 'seatgrid';

/** Pool size of each test's SeatGrid: the server allows 100 connections for everyone. */
export const POOL_SIZE = 5;

// What a test file opened, closed when it ends, newest first (a grid before the client it was given).
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** Closes `close` when the test file ends, after everything opened later. */
export function closeAtEnd(close: () => Promise<void> | void): void {
  closers.push(async () => {
    await close();
  });
}

/** A pg.Pool on `url`, ended when the test file ends. */
export function openPool(max = 2, url = databaseUrl): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {}); // a test may terminate its backends
  closeAtEnd(() => pool.end());
  return pool;
}

/** Counts what a Kysely sends: every statement (begin and commit included), and the commits. */
export interface QueryCounter {
  queries: number;
  commits: number;
}

/**
 * The test's own Kysely on the database (never a SeatGrid's), destroyed when the file ends.
 * With a counter, it counts every statement it sends: given to a SeatGrid as `{ kysely }`, it
 * sees all of that grid's work.
 */
export function openKysely<DB = Database>(options: { max?: number; url?: string; counter?: QueryCounter } = {}): Kysely<DB> {
  const { counter } = options;
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.url ?? databaseUrl, max: options.max ?? 2 }) }),
    ...(counter === undefined
      ? {}
      : {
          log: (event) => {
            counter.queries++;
            if (event.query.sql === 'commit') counter.commits++;
          },
        }),
  });
  closeAtEnd(() => db.destroy());
  return db;
}

let shared: Kysely<Database> | undefined;

/** One Kysely per test file for raw reads and writes of SeatGrid's tables, bound to its schema. */
export function testDatabase(): Kysely<Database> {
  shared ??= openKysely();
  return shared.withSchema(SCHEMA);
}

/**
 * The event's seats as PostgreSQL has them, one character a seat as the gate's map shows them:
 * '.' free, 'H' held, 'S' sold. A hold counts as held until `heldGraceMs` past its expiry.
 */
export async function seatStates(event: EventInfo, heldGraceMs = 0): Promise<string> {
  const { rows } = await sql<{ seat_index: number; state: string }>`
    select seat_index, state from ${sql.table(`${SCHEMA}.seats`)}
    where event_id = ${event.eventId}
      and (state = 'sold' or (state = 'held' and held_until > now() - ${heldGraceMs} * interval '1 millisecond'))`.execute(testDatabase());
  const states = new Array<string>(event.capacity).fill('.');
  for (const row of rows) states[row.seat_index] = row.state === 'sold' ? 'S' : 'H';
  return states.join('');
}

/** Options of a test grid: everything optional, a small pool of its own and a private registry by default. */
export type GridOptions = Partial<Omit<ComparisonOptions, 'strategy'>>;

function build(options: GridOptions & Pick<ComparisonOptions, 'strategy'>): SeatGrid {
  const complete: ComparisonOptions = {
    ...options,
    database: options.database ?? { connectionString: databaseUrl, max: POOL_SIZE },
    metrics: options.metrics ?? { registry: new Registry() },
  };
  const testingOnly = complete.strategy === 'naive' || complete.winnerFault !== undefined;
  const grid = testingOnly ? createSeatGridForTesting(complete) : createSeatGrid(complete as SeatGridOptions);
  closeAtEnd(() => grid.close());
  return grid;
}

/** A migrated admission grid on its own Redis client (unless given one), closed when the file ends. */
export async function admissionGrid(options: GridOptions = {}): Promise<AdmissionSeatGrid> {
  const grid = build({ ...options, strategy: 'admission', redis: options.redis ?? connectRedis() });
  if (grid.strategy !== 'admission') throw new Error('not an admission grid');
  await grid.migrate();
  return grid;
}

/** A migrated PostgreSQL-only grid, closed when the file ends. */
export async function postgresGrid(strategy: 'optimistic' | 'pessimistic' | 'naive', options: GridOptions = {}): Promise<PostgresSeatGrid> {
  const grid = build({ strategy, ...options });
  if (grid.strategy === 'admission') throw new Error('not a PostgreSQL grid');
  await grid.migrate();
  return grid;
}

/** A metric's samples on a registry, as { labels, value }. */
export async function samples(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  return (await metric.get()).values.map((v) => ({ labels: { ...v.labels } as Record<string, string | number>, value: v.value }));
}

/** A client closed when the test file ends. */
export function connectRedis(options: { autoPipelining?: boolean; url?: string } = {}): Redis {
  const client = new Redis(options.url ?? redisUrl, { enableAutoPipelining: options.autoPipelining ?? true, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // a dead or paused Redis is part of some scenarios
  closeAtEnd(() =>
    client.quit().then(
      () => undefined,
      () => client.disconnect(),
    ),
  );
  return client;
}

/** A gate on its own client (unless given one). Each test uses its own event ids, so files may share Redis. */
export function newGate(settings: Partial<GateSettings> = {}, redis = connectRedis()): Gate {
  return createGate({ redis, ...settings });
}

export function uniqueEventId(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export function seatKey(seat: Seat): string {
  return `${seat.row}:${seat.col}`;
}

/** Every seat of a rows × cols grid, row by row. */
export function allSeats(rows: number, cols: number): Seat[] {
  return Array.from({ length: rows * cols }, (_, i) => ({ row: Math.floor(i / cols) + 1, col: (i % cols) + 1 }));
}

/** Polls `probe` until it returns true, or fails after `timeoutMs`. */
export async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 5_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/**
 * A database of the test's own (`sg_<label>_<random>`), dropped when the file ends: for what
 * must see no other process (a sweeper serves its whole schema) or an empty `public`.
 */
export async function privateDatabase(label: string): Promise<string> {
  const database = await createScratchDatabase(databaseUrl, label);
  closeAtEnd(() => database.drop());
  return database.url;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A loopback port that is free, and (for Redis Cluster) whose port + 10000 is free too. */
export async function sparePort(taken: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (!taken.includes(port) && (await portIsFree(port)) && (await portIsFree(port + 10_000))) return port;
  }
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  stop(): void;
}

const privateServers: ChildProcess[] = [];
after(() => {
  for (const server of privateServers) server.kill('SIGKILL');
});

/**
 * A redis-server of this test file's own, on a spare loopback port, with no persistence:
 * free to be flushed, paused or killed. Killed when the file ends.
 */
export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const port = await sparePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: 'ignore',
  });
  privateServers.push(server);
  const probe = new Redis(port, '127.0.0.1', { retryStrategy: () => 50, lazyConnect: false });
  probe.on('error', () => {}); // refused until the server is up: polled below
  try {
    await eventually(async () => (await probe.ping().catch(() => '')) === 'PONG', 10_000);
  } finally {
    probe.disconnect();
  }
  return { port, url: `redis://127.0.0.1:${port}`, process: server, stop: () => server.kill('SIGKILL') };
}

/** A fixed-seed generator of whole numbers below n: the same burst every run. */
export function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 8) % n;
  };
}

/** 1 to `max` distinct random seats of a rows × cols grid. */
export function randomSeats(random: (n: number) => number, rows: number, cols: number, max: number): Seat[] {
  const wanted = new Map<string, Seat>();
  const count = 1 + random(max);
  while (wanted.size < count) {
    const seat = { row: 1 + random(rows), col: 1 + random(cols) };
    wanted.set(seatKey(seat), seat);
  }
  return [...wanted.values()];
}
