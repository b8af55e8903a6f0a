import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The directory of where events live when the store is sharded (used in shard 0: see Shards). */
export function eventShards(schema: string): Migration {
  const table = sql.table(`${schema}.event_shards`);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create table ${table} (
        event_id text primary key,
        shard smallint not null check (shard >= 0),
        created_at timestamptz not null default now())`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop table if exists ${table}`.execute(db);
    },
  };
}
