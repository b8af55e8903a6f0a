import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Idempotency keys are scoped per user and event, as the Redis gate scopes them (its records
 * live under the event's hash tag): the same key on two events names two requests.
 */
export function idempotencyPerEvent(schema: string): Migration {
  const records = sql.table(`${schema}.idempotency_records`);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`alter table ${records} drop constraint idempotency_records_pkey`.execute(db);
      await sql`alter table ${records} add constraint idempotency_records_pkey primary key (user_id, event_id, key)`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      // Back to per-user keys: records that now share a user and key across events would collide.
      await sql`delete from ${records} a using ${records} b
                where a.user_id = b.user_id and a.key = b.key and a.event_id > b.event_id`.execute(db);
      await sql`alter table ${records} drop constraint idempotency_records_pkey`.execute(db);
      await sql`alter table ${records} add constraint idempotency_records_pkey primary key (user_id, key)`.execute(db);
    },
  };
}
