import { sql, type Kysely, type KyselyPlugin, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './database.js';

/** The tables by schema-qualified name, for raw SQL (the query builder qualifies on its own). */
export interface Tables {
  readonly events: RawBuilder<unknown>;
  readonly seats: RawBuilder<unknown>;
  readonly holds: RawBuilder<unknown>;
  readonly bookings: RawBuilder<unknown>;
  readonly idempotencyRecords: RawBuilder<unknown>;
  readonly eventSeatCounts: RawBuilder<unknown>;
  readonly seatRows: RawBuilder<unknown>;
  readonly waitlistEntries: RawBuilder<unknown>;
  readonly eventShards: RawBuilder<unknown>;
}

export function tablesIn(schema: string): Tables {
  const table = (name: string) => sql.table(`${schema}.${name}`);
  return {
    events: table('events'),
    seats: table('seats'),
    holds: table('holds'),
    bookings: table('bookings'),
    idempotencyRecords: table('idempotency_records'),
    eventSeatCounts: table('event_seat_counts'),
    seatRows: table('seat_rows'),
    waitlistEntries: table('waitlist_entries'),
    eventShards: table('event_shards'),
  };
}

/** Where a statement runs: the store itself or one of its transactions, with the table names. */
export interface Executor {
  readonly db: Kysely<Database> | Transaction<Database>;
  readonly t: Tables;
}

/** Inside a transaction. */
export interface StoreTx extends Executor {
  readonly db: Transaction<Database>;
}

/** Counts what the store sends: every statement, and every committed transaction. */
export interface StoreCounters {
  query(): void;
  commit(): void;
}

/** A plugin sees every statement the store executes, builder and raw SQL alike. */
function countingPlugin(counters: StoreCounters): KyselyPlugin {
  return {
    transformQuery: ({ node }) => node,
    transformResult: async ({ result }) => {
      counters.query();
      return result;
    },
  };
}

/**
 * SeatGrid's view of PostgreSQL: a Kysely on the user's connections bound to SeatGrid's own
 * schema, with its statements and transactions counted. Closing it ends the connections only
 * when SeatGrid opened them.
 */
export class Store implements Executor {
  readonly db: Kysely<Database>;
  readonly t: Tables;
  readonly schema: string;
  readonly #close: () => Promise<void>;

  constructor(connection: { kysely: Kysely<Database>; close: () => Promise<void> }, schema: string, counters?: StoreCounters) {
    const scoped = connection.kysely.withSchema(schema);
    this.db = counters === undefined ? scoped : scoped.withPlugin(countingPlugin(counters));
    this.t = tablesIn(schema);
    this.schema = schema;
    this.#close = connection.close;
    this.#counters = counters;
  }

  readonly #counters: StoreCounters | undefined;

  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  async transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute((trx) => work({ db: trx, t: this.t }));
    this.#counters?.commit();
    return result;
  }

  close(): Promise<void> {
    return this.#close();
  }
}
