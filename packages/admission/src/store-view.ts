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
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export function openStoreView(connectionString: string, schema = defaultSettings.schema): StoreView {
  const opened = openDatabase({ connectionString, max: 4 }, () => {});
  const grid = buildSeatGrid({ strategy: 'optimistic', database: { kysely: opened.kysely }, metrics: false, sweeper: false, schema });
  if (grid.strategy === 'admission') throw new Error('unreachable: the view is built on the optimistic strategy');
  return {
    grid,
    db: opened.kysely.withSchema(schema),
    async close() {
      await grid.close();
      await opened.close();
    },
  };
}
