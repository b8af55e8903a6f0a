import type { Database } from '@seatgrid/admission';
import { sql, type Kysely } from 'kysely';

/** Server-side counters of this database (pg_stat_database). */
export interface PgDatabaseStats {
  readonly transactions: number;
  readonly tuplesRead: number;
  readonly tuplesWritten: number;
}

/**
 * pg_stat_database: backends flush these lazily (up to seconds later) but always at exit,
 * so the bench reads them before the API starts and after it stopped; the delta covers the
 * API's whole life (set-up included) and is a cross-check of the API's own counters.
 */
export async function readPgDatabaseStats(db: Kysely<Database>): Promise<PgDatabaseStats> {
  await sql`select pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ xacts: string; reads: string; writes: string }>`
    select (xact_commit + xact_rollback)::text as xacts,
           (tup_returned + tup_fetched)::text as reads,
           (tup_inserted + tup_updated + tup_deleted)::text as writes
    from pg_stat_database where datname = current_database()`.execute(db);
  const row = rows[0];
  return { transactions: Number(row?.xacts ?? 0), tuplesRead: Number(row?.reads ?? 0), tuplesWritten: Number(row?.writes ?? 0) };
}

export function pgStatsDelta(before: PgDatabaseStats, after: PgDatabaseStats): PgDatabaseStats {
  return {
    transactions: after.transactions - before.transactions,
    tuplesRead: after.tuplesRead - before.tuplesRead,
    tuplesWritten: after.tuplesWritten - before.tuplesWritten,
  };
}
