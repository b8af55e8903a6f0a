import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** A re-hydration reads an event's recent stored answers: by event and age, not a table scan. */
export function idempotencyByEvent(schema: string): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create index idempotency_records_by_event on ${sql.table(`${schema}.idempotency_records`)} (event_id, created_at)`.execute(
        db,
      );
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop index if exists ${sql.id(schema, 'idempotency_records_by_event')}`.execute(db);
    },
  };
}
