import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import type { Database } from './database.js';
import { adoptPublicTables } from './adopt-public-tables.js';
import { initial } from './migrations/2026-11-25T0340-initial.js';
import { idempotencyPerEvent } from './migrations/2026-11-25T0500-idempotency-per-event.js';
import { dropEventVersion } from './migrations/2026-12-01T1000-drop-event-version.js';
import { seatCounts } from './migrations/2026-12-01T1100-seat-counts.js';
import { holdsUpdatedAt } from './migrations/2026-12-01T1200-holds-updated-at.js';
import { waitlist } from './migrations/2026-12-01T1300-waitlist.js';
import { waitingRoom } from './migrations/2026-12-01T1400-waiting-room.js';
import { idempotencyByEvent } from './migrations/2026-12-01T1500-idempotency-by-event.js';
import { eventShards } from './migrations/2026-12-01T1600-event-shards.js';
import { soldSeatsIndex } from './migrations/2026-12-01T1700-sold-seats-index.js';
import { freeSeatRows } from './migrations/2026-12-01T1800-free-seat-rows.js';

export const MIGRATION_TABLE = 'seatgrid_migrations';
export const MIGRATION_LOCK_TABLE = 'seatgrid_migrations_lock';

/** Every migration, by timestamped name; the Migrator runs them in name order. */
function migrationsFor(schema: string): Record<string, Migration> {
  return {
    '2026-11-25T0340-initial': initial(),
    '2026-11-25T0500-idempotency-per-event': idempotencyPerEvent(schema),
    '2026-12-01T1000-drop-event-version': dropEventVersion(schema),
    '2026-12-01T1100-seat-counts': seatCounts(schema),
    '2026-12-01T1200-holds-updated-at': holdsUpdatedAt(schema),
    '2026-12-01T1300-waitlist': waitlist(schema),
    '2026-12-01T1400-waiting-room': waitingRoom(schema),
    '2026-12-01T1500-idempotency-by-event': idempotencyByEvent(schema),
    '2026-12-01T1600-event-shards': eventShards(schema),
    '2026-12-01T1700-sold-seats-index': soldSeatsIndex(schema),
    '2026-12-01T1800-free-seat-rows': freeSeatRows(schema),
  };
}

function migrator(db: Kysely<Database>, schema: string): Migrator {
  const migrations = migrationsFor(schema);
  return new Migrator({
    db: db.withSchema(schema),
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

function orThrow(result: MigrationResultSet): MigrationResultSet {
  if (result.error !== undefined) throw result.error;
  return result;
}

/**
 * Brings SeatGrid's tables in `schema` up to date (safe at every start). A deployment from
 * before schemas, with its tables in `public`, is moved over first. Processes that start
 * together take turns under one advisory lock: `create schema if not exists` and the
 * migrator's own bookkeeping tables race otherwise.
 */
export async function migrateToLatest(db: Kysely<Database>, schema: string): Promise<MigrationResultSet> {
  return underMigrationLock(db, schema, async (session) => {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(session);
    await adoptPublicTables(session, schema);
    return orThrow(await migrator(session, schema).migrateToLatest());
  });
}

/** Undoes the newest migration. */
export async function migrateDown(db: Kysely<Database>, schema: string): Promise<MigrationResultSet> {
  return underMigrationLock(db, schema, async (session) => orThrow(await migrator(session, schema).migrateDown()));
}

/** Runs `work` on one session holding the schema's migration lock; a dropped session frees it. */
function underMigrationLock<T>(db: Kysely<Database>, schema: string, work: (session: Kysely<Database>) => Promise<T>): Promise<T> {
  const lock = `seatgrid:migrate:${schema}`;
  return db.connection().execute(async (session) => {
    await sql`select pg_advisory_lock(hashtext(${lock}))`.execute(session);
    try {
      return await work(session);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${lock}))`.execute(session);
    }
  });
}
