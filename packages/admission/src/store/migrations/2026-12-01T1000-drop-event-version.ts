import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** events.version was never read: nothing decides by it. */
export function dropEventVersion(schema: string): Migration {
  const events = sql.table(`${schema}.events`);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`alter table ${events} drop column if exists version`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`alter table ${events} add column version integer not null default 0`.execute(db);
    },
  };
}
