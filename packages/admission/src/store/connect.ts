import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { AdmissionMetrics } from '../metrics.js';
import type { Database } from './database.js';

export interface DatabaseOptions {
  /** postgres://… */
  readonly connectionString: string;
  /** Pool size. */
  readonly maxConnections?: number;
  /** Counts every query, and every commit as a transaction (seatgrid_pg_*). */
  readonly metrics?: Pick<AdmissionMetrics, 'pgQueries' | 'pgTransactions'>;
  /** Called once per query sent (begin and commit included): for tests and tracing. */
  readonly onQuery?: (sql: string, durationMs: number) => void;
  /**
   * Called when a pooled connection dies (the server terminated it, a failover, the network
   * cut it). Queries on it fail; the pool drops it and opens a new one. Default: ignored.
   */
  readonly onConnectionError?: (error: Error) => void;
}

/** A kysely instance on a pg pool. Close it with `db.destroy()`. */
export function connectDatabase(options: DatabaseOptions): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  // A connection that dies (idle in the pool, or checked out between two statements) emits
  // 'error' on its client, and an idle one on the pool too. Node turns an 'error' nobody
  // listens to into an uncaught exception: one pg_terminate_backend would take the whole
  // process down. Queries on it fail as usual; the pool drops it on release.
  const report = options.onConnectionError ?? (() => {});
  pool.on('connect', (client) => client.on('error', report));
  pool.on('error', () => {}); // the same error, already reported by the client's listener
  const { metrics, onQuery } = options;
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(metrics === undefined && onQuery === undefined
      ? {}
      : {
          log: (event) => {
            metrics?.pgQueries.inc();
            if (event.level === 'query' && event.query.sql === 'commit') metrics?.pgTransactions.inc();
            onQuery?.(event.query.sql, event.queryDurationMillis);
          },
        }),
  });
}
