import { createRequire } from 'node:module';
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import type { Database } from './database.js';

/**
 * Connection settings for a pool SeatGrid opens itself (node-postgres `pg.Pool` options).
 * `pg` must be installed. The session timeouts make sure no statement and no forgotten
 * transaction ever holds a connection (and its locks) for long.
 */
export interface PostgresSettings {
  readonly connectionString?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** node-postgres `ssl`: true, or TLS options. Default: none. */
  readonly ssl?: boolean | Readonly<Record<string, unknown>>;
  /** Pool size. Default 10. */
  readonly max?: number;
  /** A connection attempt fails after this long. Default 5,000 ms. */
  readonly connectionTimeoutMillis?: number;
  /** An idle pooled connection closes after this long. Default 10,000 ms. */
  readonly idleTimeoutMillis?: number;
  /** PostgreSQL's statement_timeout for these sessions. Default 30,000 ms. */
  readonly statementTimeoutMs?: number;
  /** PostgreSQL's idle_in_transaction_session_timeout for these sessions. Default 10,000 ms. */
  readonly idleInTransactionTimeoutMs?: number;
  /** Shown in pg_stat_activity. Default 'seatgrid'. */
  readonly applicationName?: string;
}

/** Any Kysely on PostgreSQL, whatever its database type: SeatGrid only borrows its connections. */
export interface KyselyConnection {
  withSchema(schema: string): object;
}

/**
 * How SeatGrid reaches PostgreSQL: a connection string or settings (SeatGrid opens a pool and
 * closes it), your own `pg.Pool` (`{ pool }`), or your own Kysely (`{ kysely }`; then `pg` is
 * not needed). Your pool or Kysely stays yours: SeatGrid never ends it.
 */
export type DatabaseConnection = string | PostgresSettings | { readonly pool: PostgresPool } | { readonly kysely: KyselyConnection };

export interface OpenedDatabase {
  readonly kysely: Kysely<Database>;
  /** Ends what SeatGrid opened; nothing for a pool or Kysely it was given. */
  readonly close: () => Promise<void>;
}

/** Called when a connection of a pool SeatGrid opened dies (the server ended it, the network cut it). */
export type ConnectionErrorListener = (error: Error) => void;

export function openDatabase(connection: DatabaseConnection, onConnectionError: ConnectionErrorListener): OpenedDatabase {
  if (typeof connection === 'object' && 'kysely' in connection) {
    return { kysely: connection.kysely as unknown as Kysely<Database>, close: async () => {} };
  }
  if (typeof connection === 'object' && 'pool' in connection) {
    return { kysely: new Kysely<Database>({ dialect: new PostgresDialect({ pool: connection.pool }) }), close: async () => {} };
  }
  const pool = openPool(typeof connection === 'string' ? { connectionString: connection } : connection, onConnectionError);
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, close: () => kysely.destroy() };
}

/** The Pool class of node-postgres (a CommonJS package, so require works from ESM too). */
interface PgModule {
  readonly Pool: new (
    config: Record<string, unknown>,
  ) => PostgresPool & {
    on(event: 'connect', listener: (client: { on(event: 'error', listener: ConnectionErrorListener): void }) => void): void;
    on(event: 'error', listener: (error: Error) => void): void;
  };
}

function openPool(settings: PostgresSettings, onConnectionError: ConnectionErrorListener): PostgresPool {
  // Loaded only here: a user who brings a Kysely needs no pg.
  const pg = createRequire(import.meta.url)('pg') as PgModule;
  const { statementTimeoutMs, idleInTransactionTimeoutMs, applicationName, ...poolSettings } = settings;
  const pool = new pg.Pool({
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 10_000,
    ...poolSettings,
    statement_timeout: statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: idleInTransactionTimeoutMs ?? 10_000,
    application_name: applicationName ?? 'seatgrid',
  });
  // A connection that dies (idle in the pool, or checked out between two statements) emits
  // 'error' on its client, and an idle one on the pool too. Node turns an 'error' nobody
  // listens to into an uncaught exception: one pg_terminate_backend would take the whole
  // process down. Queries on it fail as usual; the pool drops it on release.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  pool.on('error', () => {}); // the same error, already reported by the client's listener
  return pool;
}
