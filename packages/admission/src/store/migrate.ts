import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import * as initial from './migrations/2026-11-25T0340-initial.js';
import * as idempotencyPerEvent from './migrations/2026-11-25T0500-idempotency-per-event.js';
import type { Database } from './database.js';

/** Every migration, by timestamped name; the Migrator runs them in name order. */
const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '2026-11-25T0340-initial': initial,
  '2026-11-25T0500-idempotency-per-event': idempotencyPerEvent,
});

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'seatgrid_migrations',
    migrationLockTableName: 'seatgrid_migrations_lock',
  });
}

function orThrow(result: MigrationResultSet): MigrationResultSet {
  if (result.error !== undefined) throw result.error;
  return result;
}

/** Brings the schema up to date (safe to call at every start: concurrent callers wait). */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  return orThrow(await migrator(db).migrateToLatest());
}

/** Undoes the newest migration. */
export async function migrateDown(db: Kysely<Database>): Promise<MigrationResultSet> {
  return orThrow(await migrator(db).migrateDown());
}
