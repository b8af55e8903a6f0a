import { defaultGateSettings } from '@seatgrid/admission/gate';
import type { StoreView } from '@seatgrid/admission/testing';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';

/** Bytes a store keeps, by part: Redis by key part (meta, seats, holds…), PostgreSQL by table (indexes and TOAST included). */
export type BytesByPart = Record<string, number>;

/**
 * MEMORY USAGE (SAMPLES 0: every element counted) of each key under the event's hash tag,
 * summed by the key's last part; `stream` also gets its length in `streamEntries`.
 */
export async function redisFootprint(redis: Redis, eventId: string): Promise<{ bytes: BytesByPart; streamEntries: number }> {
  const tag = `${defaultGateSettings.keyPrefix}:{ev:${eventId}}`;
  const bytes: BytesByPart = {};
  let streamEntries = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${tag.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) {
      const part = key.slice(tag.length + 1).split(':')[0] ?? key;
      const used = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      bytes[part] = (bytes[part] ?? 0) + used;
      if (part === 'stream') streamEntries = await redis.xlen(key);
    }
  } while (cursor !== '0');
  return { bytes, streamEntries };
}

/** pg_total_relation_size of every table in SeatGrid's schema (heap, indexes, TOAST). */
export async function postgresFootprint(db: StoreView['db'], schema = 'seatgrid'): Promise<BytesByPart> {
  const { rows } = await sql<{ name: string; bytes: string }>`
    select c.relname as name, pg_total_relation_size(c.oid)::text as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relkind = 'r'`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
}

/** after - before, part by part (parts only in `after` count from 0). */
export function growth(before: BytesByPart, after: BytesByPart): BytesByPart {
  return Object.fromEntries(Object.entries(after).map(([part, bytes]) => [part, bytes - (before[part] ?? 0)]));
}

export function total(bytes: BytesByPart): number {
  return Object.values(bytes).reduce((sum, b) => sum + b, 0);
}
