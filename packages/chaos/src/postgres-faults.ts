import { sql, type Kysely } from 'kysely';
import type { Database } from '@seatgrid/admission';

/**
 * Terminates the PostgreSQL backends of one application (pg_terminate_backend), as a
 * failover or an operator would: only the connections that carry this application_name,
 * never anyone else's on the shared server. Returns how many it ended.
 */
export async function terminateBackends(db: Kysely<Database>, applicationName: string): Promise<number> {
  const { rows } = await sql<{ ended: boolean }>`
    select pg_terminate_backend(pid) as ended from pg_stat_activity
    where application_name = ${applicationName} and pid <> pg_backend_pid()`.execute(db);
  return rows.filter((row) => row.ended).length;
}

/** The URL with application_name set, so its backends can be found (and ended) by name. */
export function withApplicationName(databaseUrl: string, applicationName: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', applicationName);
  return url.toString();
}
