import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The waitlist, PostgreSQL being its truth like for holds: entries in arrival order (seq, as
 * the gate numbered them), one active entry per user and event; and each event's offer time.
 */
export function waitlist(schema: string): Migration {
  const events = sql.table(`${schema}.events`);
  const entries = sql.table(`${schema}.waitlist_entries`);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`alter table ${events} add column waitlist_offer_ms integer not null default 300000`.execute(db);
      await sql`create table ${entries} (
        id text primary key,
        event_id text not null references ${events}(id) on delete cascade,
        user_id text not null,
        quantity integer not null check (quantity > 0),
        seq bigint,
        status text not null check (status in ('waiting', 'offered', 'fulfilled', 'expired', 'left')),
        offers integer not null default 0,
        skips integer not null default 0,
        hold_id text,
        offer_expires_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now())`.execute(db);
      await sql`create unique index waitlist_one_active on ${entries} (event_id, user_id) where status in ('waiting', 'offered')`.execute(
        db,
      );
      await sql`create unique index waitlist_order on ${entries} (event_id, seq)`.execute(db);
      await sql`create index waitlist_by_hold on ${entries} (hold_id) where hold_id is not null`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop table if exists ${entries}`.execute(db);
      await sql`alter table ${events} drop column if exists waitlist_offer_ms`.execute(db);
    },
  };
}
