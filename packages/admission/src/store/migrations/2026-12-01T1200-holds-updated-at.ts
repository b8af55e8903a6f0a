import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The background jobs find the events with recent changes through the holds' last change. */
export function holdsUpdatedAt(schema: string): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create index holds_updated_at on ${sql.table(`${schema}.holds`)} (updated_at)`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop index if exists ${sql.id(schema, 'holds_updated_at')}`.execute(db);
    },
  };
}
