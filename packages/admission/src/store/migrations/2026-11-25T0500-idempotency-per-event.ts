import { sql, type Kysely } from 'kysely';

/**
 * Idempotency keys are scoped per user and event, as the Redis gate scopes them (its records
 * live under the event's hash tag): the same key on two events names two requests.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table idempotency_records drop constraint idempotency_records_pkey`.execute(db);
  await sql`alter table idempotency_records add constraint idempotency_records_pkey primary key (user_id, event_id, key)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Back to per-user keys: records that now share a user and key across events would collide.
  await sql`delete from idempotency_records a using idempotency_records b
            where a.user_id = b.user_id and a.key = b.key and a.event_id > b.event_id`.execute(db);
  await sql`alter table idempotency_records drop constraint idempotency_records_pkey`.execute(db);
  await sql`alter table idempotency_records add constraint idempotency_records_pkey primary key (user_id, key)`.execute(db);
}
