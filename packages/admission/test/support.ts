import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import {
  connectDatabase,
  createAdmission,
  migrateToLatest,
  type Admission,
  type AdmissionSettings,
  type Database,
  type Seat,
} from '@seatgrid/admission';

/** The real Redis the suite runs against (scripts/run.sh exports REDIS_URL). */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The real PostgreSQL the suite runs against (scripts/run.sh exports DATABASE_URL). */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid';

const clients: Redis[] = [];
const databases: Kysely<Database>[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  await Promise.all(databases.map((db) => db.destroy()));
});

/** Counts what a database handle sends: every query, and the commits among them. */
export interface QueryCounter {
  queries: number;
  commits?: number;
}

/**
 * A migrated database handle, destroyed when the test file ends. Tests share the database
 * and keep apart by using their own event ids.
 */
export async function connectTestDatabase(counter?: QueryCounter, maxConnections = 10): Promise<Kysely<Database>> {
  const db = connectDatabase({
    connectionString: databaseUrl,
    maxConnections,
    ...(counter === undefined
      ? {}
      : {
          onQuery: (sql: string) => {
            counter.queries++;
            if (sql === 'commit') counter.commits = (counter.commits ?? 0) + 1;
          },
        }),
  });
  databases.push(db);
  await migrateToLatest(db);
  return db;
}

/** A client closed when the test file ends. */
export function connectRedis(options: { autoPipelining?: boolean } = {}): Redis {
  const client = new Redis(redisUrl, { enableAutoPipelining: options.autoPipelining ?? true, lazyConnect: false });
  clients.push(client);
  return client;
}

/** An engine on its own client. Each test uses its own event ids, so files may share Redis. */
export function newAdmission(settings: Partial<AdmissionSettings> = {}, redis = connectRedis()): Admission {
  return createAdmission({ redis, ...settings });
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
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 5_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
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
