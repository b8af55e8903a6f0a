import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

/**
 * SeatGrid's PostgreSQL layout as deployments made it before schemas: every table in
 * `public`, and the migrations table public.seatgrid_migrations. These are the first two
 * migrations of that code, run the way it ran them (a Kysely Migrator with no schema), so a
 * test can start from such a database.
 */
const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('rows', 'integer', (c) => c.notNull().check(sql`rows between 1 and 1000`))
      .addColumn('cols', 'integer', (c) => c.notNull().check(sql`cols between 1 and 1000`))
      .addColumn('capacity', 'integer', (c) => c.notNull())
      .addColumn('max_seats_per_user', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('hold_ttl_ms', 'integer', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('seats')
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('seat_index', 'integer', (c) => c.notNull())
      .addColumn('row', 'integer', (c) => c.notNull())
      .addColumn('col', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('free').check(sql`state in ('free', 'held', 'sold')`))
      .addColumn('hold_id', 'text')
      .addColumn('held_until', 'timestamptz')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('seats_pkey', ['event_id', 'seat_index'])
      .addCheckConstraint('seats_holder_matches_state', sql`(state = 'free') = (hold_id is null)`)
      .execute();
    await db.schema
      .createTable('holds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('seat_indexes', sql`integer[]`, (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('held', 'confirmed', 'released', 'expired', 'cancelled')`))
      .addColumn('expires_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('holds_event_user').on('holds').columns(['event_id', 'user_id']).execute();
    await db.schema.createIndex('holds_due').on('holds').column('expires_at').where(sql.ref('status'), '=', 'held').execute();
    await db.schema
      .createTable('bookings')
      .addColumn('id', 'text', (c) => c.primaryKey().references('holds.id').onDelete('cascade'))
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('idempotency_records')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('response', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('idempotency_records_pkey', ['user_id', 'key'])
      .execute();
  },
};

const idempotencyPerEvent: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`alter table idempotency_records drop constraint idempotency_records_pkey`.execute(db);
    await sql`alter table idempotency_records add constraint idempotency_records_pkey primary key (user_id, event_id, key)`.execute(db);
  },
};

/** Migrates `db` (an empty database) as the code before schemas did. */
export async function migrateAsBeforeSchemas(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () => ({ '2026-11-25T0340-initial': initial, '2026-11-25T0500-idempotency-per-event': idempotencyPerEvent }),
    },
    migrationTableName: 'seatgrid_migrations',
    migrationLockTableName: 'seatgrid_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
