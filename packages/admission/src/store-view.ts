import type { Kysely } from 'kysely';
import type { PostgresSeatGrid } from './postgres-seat-grid.js';
import { buildSeatGrid } from './create-seat-grid.js';
import { defaultSettings } from './settings.js';
import { openDatabase } from './store/connect.js';
import type { Database } from './store/database.js';

/**
 * A view of a SeatGrid database for tests, benchmarks and audits: a SeatGrid for what the
 * library answers (audit, storedSeatStates, events) and a Kysely bound to SeatGrid's schema
 * for what only a harness does (removing its events, reading rows), on one small pool. It
 * runs no background jobs and records no metrics.
 */
export interface StoreView {
  readonly grid: PostgresSeatGrid;
  /** Shard 0's tables (the only shard, with one database). */
  readonly db: Kysely<Database>;
  /** Every shard's tables, in shard order. */
  readonly shards: readonly Kysely<Database>[];
  close(): Promise<void>;
}

/** `connectionStrings`: one database, or the shards in the order the API was given them. */
export function openStoreView(connectionStrings: string | readonly string[], schema = defaultSettings.schema): StoreView {
  const urls = typeof connectionStrings === 'string' ? [connectionStrings] : connectionStrings;
  const opened = urls.map((connectionString) => openDatabase({ connectionString, max: 4 }, () => {}));
  const database = opened.map((o) => ({ kysely: o.kysely }));
  const grid = buildSeatGrid({ strategy: 'optimistic', database, metrics: false, sweeper: false, schema });
  if (grid.strategy === 'admission') throw new Error('unreachable: the view is built on the optimistic strategy');
  const shards = opened.map((o) => o.kysely.withSchema(schema));
  return {
    grid,
    db: shards[0] as Kysely<Database>,
    shards,
    async close() {
      await grid.close();
      for (const o of opened) await o.close();
    },
  };
}
