import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

export interface DatabaseOptions {
  /** postgres://… */
  readonly connectionString: string;
  /** Pool size. */
  readonly maxConnections?: number;
  /** Called once per query sent: the hook behind query counting and metrics. */
  readonly onQuery?: (sql: string, durationMs: number) => void;
}

/** A kysely instance on a pg pool. Close it with `db.destroy()`. */
export function connectDatabase(options: DatabaseOptions): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  const onQuery = options.onQuery;
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(onQuery === undefined
      ? {}
      : {
          log: (event) => {
            onQuery(event.query.sql, event.queryDurationMillis);
          },
        }),
  });
}
