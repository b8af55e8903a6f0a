import { randomUUID } from 'node:crypto';
import { defaultGateSettings, eventKeys, type Gate } from '@seatgrid/admission/gate';
import { Cluster, type Redis } from 'ioredis';
import type { StoreView } from '@seatgrid/admission/testing';

/**
 * The events a run creates, each fresh and uniquely named, and their removal from Redis
 * (deleteEventKeys), so nothing is left behind.
 */
export class BenchEvents {
  readonly #gate: Gate;
  readonly #redis: Redis;
  readonly #runId: string;
  readonly #live = new Set<string>();
  #deleted = 0;

  constructor(gate: Gate, redis: Redis) {
    this.#gate = gate;
    this.#redis = redis;
    this.#runId = `bench-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  }

  async create(label: string, rows: number, cols: number): Promise<string> {
    const eventId = `${this.#runId}-${label}`;
    this.#live.add(eventId);
    await this.#gate.loadEvent({ eventId, rows, cols, holds: [] });
    return eventId;
  }

  /** The six live keys of the event, in script order. */
  keys(eventId: string): readonly string[] {
    return eventKeys(this.#gate.settings.keyPrefix, eventId);
  }

  /** Deletes every key under the event's hash tag; returns how many it deleted. */
  async remove(eventId: string): Promise<number> {
    const deleted = await deleteEventKeys(this.#redis, this.#gate.settings.keyPrefix, eventId);
    this.#live.delete(eventId);
    this.#deleted += deleted;
    return deleted;
  }

  /** Keys deleted so far by remove and removeAll. */
  get keysDeleted(): number {
    return this.#deleted;
  }

  async removeAll(): Promise<number> {
    let deleted = 0;
    for (const eventId of [...this.#live]) deleted += await this.remove(eventId);
    return deleted;
  }
}

/**
 * Deletes every key under the event's hash tag `{ev:<id>}` (live, staging and idempotency
 * keys alike), found with SCAN MATCH; returns how many it deleted. On a Cluster, SCAN runs
 * on each master (the tag puts every key on one of them).
 */
export async function deleteEventKeys(redis: Redis | Cluster, keyPrefix: string, eventId: string): Promise<number> {
  if (redis instanceof Cluster) {
    let deleted = 0;
    for (const node of redis.nodes('master')) deleted += await deleteEventKeys(node, keyPrefix, eventId);
    return deleted;
  }
  const pattern = `${globEscape(tagOf(eventKeys(keyPrefix, eventId)))}*`;
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) deleted += await redis.del(...found);
  } while (cursor !== '0');
  return deleted;
}

/** Removes an event the API created: its rows go with it (foreign keys cascade), then its Redis keys. */
export async function removeEvent({ db }: StoreView, redis: Redis, eventId: string): Promise<void> {
  await db.deleteFrom('events').where('id', '=', eventId).execute();
  await deleteEventKeys(redis, defaultGateSettings.keyPrefix, eventId);
}

/** `<prefix>:{ev:<id>}`: the part every key of the event starts with. */
function tagOf(keys: readonly string[]): string {
  const meta = keys[0];
  const end = meta === undefined ? -1 : meta.indexOf('}');
  if (meta === undefined || end < 0) throw new Error('event keys carry no hash tag');
  return meta.slice(0, end + 1);
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
