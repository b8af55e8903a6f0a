import { randomUUID } from 'node:crypto';
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

/** Counts the queries a database handle sends: `counter.queries`. */
export interface QueryCounter {
  queries: number;
}

/**
 * A migrated database handle, destroyed when the test file ends. Tests share the database
 * and keep apart by using their own event ids.
 */
export async function connectTestDatabase(counter?: QueryCounter, maxConnections = 10): Promise<Kysely<Database>> {
  const db = connectDatabase({
    connectionString: databaseUrl,
    maxConnections,
    ...(counter === undefined ? {} : { onQuery: () => void counter.queries++ }),
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
