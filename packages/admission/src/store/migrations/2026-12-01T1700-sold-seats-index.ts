import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * An event's sold seats by index: loading an event into Redis reads its taken seats (sold
 * here, held through seats_held_until), not every seat of a big event.
 */
export function soldSeatsIndex(schema: string): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create index seats_sold on ${sql.table(`${schema}.seats`)} (event_id, seat_index) where state = 'sold'`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop index if exists ${sql.id(schema, 'seats_sold')}`.execute(db);
    },
  };
}
