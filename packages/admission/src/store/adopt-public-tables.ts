import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** SeatGrid's tables as deployments before schemas created them in `public`. */
const LEGACY_TABLES = ['events', 'seats', 'holds', 'bookings', 'idempotency_records', 'seatgrid_migrations', 'seatgrid_migrations_lock'];
const FIRST_MIGRATION = '2026-11-25T0340-initial';

/**
 * Moves an earlier deployment's tables out of `public` into `schema`, with their rows,
 * indexes and constraints, when `public` holds SeatGrid's migration record and `schema` has
 * none yet. Tables of the same names that SeatGrid did not create (no migration record) are
 * never touched. Concurrent starts take turns on an advisory lock.
 */
export async function adoptPublicTables(db: Kysely<Database>, schema: string): Promise<boolean> {
  if (schema === 'public') return false;
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('seatgrid:adopt-public-tables'))`.execute(trx);
    const { rows } = await sql<{ legacy: string | null; current: string | null }>`
      select to_regclass('public.seatgrid_migrations')::text as legacy,
             to_regclass(${`${schema}.seatgrid_migrations`})::text as current`.execute(trx);
    if (rows[0]?.legacy == null || rows[0].current != null) return false;
    const ours = await sql<{ found: boolean }>`
      select exists (select 1 from public.seatgrid_migrations where name = ${FIRST_MIGRATION}) as found`.execute(trx);
    if (ours.rows[0]?.found !== true) return false;
    for (const table of LEGACY_TABLES) {
      await sql`alter table if exists ${sql.table(`public.${table}`)} set schema ${sql.id(schema)}`.execute(trx);
    }
    return true;
  });
}
