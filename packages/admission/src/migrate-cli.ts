#!/usr/bin/env node
// seatgrid-migrate [up|down]: brings SeatGrid's tables in DATABASE_URL up to date (in the
// schema SEATGRID_SCHEMA, default seatgrid), or undoes the newest migration. The same runs
// from code: grid.migrate() / grid.migrateDown().
import { createSeatGrid } from './create-seat-grid.js';

const direction = process.argv[2] ?? 'up';
if (direction !== 'up' && direction !== 'down') {
  console.error('usage: seatgrid-migrate [up|down]   (DATABASE_URL names the database, SEATGRID_SCHEMA the schema)');
  process.exit(2);
}
const connectionString = process.env.DATABASE_URL;
if (connectionString === undefined) {
  console.error('seatgrid-migrate: set DATABASE_URL (postgres://user@host:port/database)');
  process.exit(2);
}
const grid = createSeatGrid({
  strategy: 'optimistic',
  database: { connectionString, max: 1 },
  metrics: false,
  ...(process.env.SEATGRID_SCHEMA === undefined ? {} : { schema: process.env.SEATGRID_SCHEMA }),
});
try {
  const { results } = direction === 'up' ? await grid.migrate() : await grid.migrateDown();
  for (const result of results ?? []) console.log(`${result.direction} ${result.migrationName}: ${result.status}`);
  if ((results ?? []).length === 0) console.log('nothing to do');
} finally {
  await grid.close();
}
