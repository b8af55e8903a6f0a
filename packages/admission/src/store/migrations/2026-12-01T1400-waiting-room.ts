import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** An event's waiting room, if it has one: its pace and how long an admission lasts. */
export function waitingRoom(schema: string): Migration {
  const events = sql.table(`${schema}.events`);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`alter table ${events}
        add column waiting_room_per_second real check (waiting_room_per_second > 0),
        add column waiting_room_ttl_ms integer check (waiting_room_ttl_ms > 0)`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`alter table ${events} drop column if exists waiting_room_per_second, drop column if exists waiting_room_ttl_ms`.execute(db);
    },
  };
}
