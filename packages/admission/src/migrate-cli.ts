#!/usr/bin/env node
// seatgrid-migrate [up|down]: brings the schema in DATABASE_URL up to date, or undoes the
// newest migration. The same runs from code: migrateToLatest(db) / migrateDown(db).
import { connectDatabase } from './store/connect.js';
import { migrateDown, migrateToLatest } from './store/migrate.js';

const direction = process.argv[2] ?? 'up';
if (direction !== 'up' && direction !== 'down') {
  console.error('usage: seatgrid-migrate [up|down]   (DATABASE_URL names the database)');
  process.exit(2);
}
const connectionString = process.env.DATABASE_URL;
if (connectionString === undefined) {
  console.error('seatgrid-migrate: set DATABASE_URL (postgres://user@host:port/database)');
  process.exit(2);
}
const db = connectDatabase({ connectionString, maxConnections: 1 });
try {
  const { results } = direction === 'up' ? await migrateToLatest(db) : await migrateDown(db);
  for (const result of results ?? []) console.log(`${result.direction} ${result.migrationName}: ${result.status}`);
  if ((results ?? []).length === 0) console.log('nothing to do');
} finally {
  await db.destroy();
}
