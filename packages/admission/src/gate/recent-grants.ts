import { LRUCache } from 'lru-cache';
import { recentGrantsKey } from './keys.js';
import type { RedisClient } from './script-runner.js';

/** How often this process notes an event's grants, at most. */
const NOTE_EVERY_MS = 1_000;
/** Events whose last note this process remembers. */
const NOTED_EVENTS = 10_000;

/**
 * Which events had grants lately, by time, in one sorted set (recentGrantsKey): a winner whose
 * process dies before its PostgreSQL write leaves a trace only here, and the reconciler looks.
 */
export class RecentGrants {
  readonly #redis: RedisClient;
  readonly #key: string;
  /** When this process last noted each event. */
  readonly #noted = new LRUCache<string, number>({ max: NOTED_EVENTS });

  constructor(redis: RedisClient, keyPrefix: string) {
    this.#redis = redis;
    this.#key = recentGrantsKey(keyPrefix);
  }

  /**
   * Notes that the event had a grant now; events older than `windowMs` drop out. At most once
   * a second an event from this process: a window of minutes needs no more, and every winner
   * would otherwise pay two more commands on one hot key.
   */
  async note(eventId: string, windowMs: number): Promise<void> {
    const now = Date.now();
    if (now - (this.#noted.get(eventId) ?? Number.NEGATIVE_INFINITY) < NOTE_EVERY_MS) return;
    this.#noted.set(eventId, now);
    try {
      await Promise.all([this.#redis.zadd(this.#key, now, eventId), this.#redis.zremrangebyscore(this.#key, '-inf', now - windowMs)]);
    } catch (error) {
      this.#noted.delete(eventId); // not noted: the next grant tries again
      throw error;
    }
  }

  /** The events with grants within `windowMs`, most recent first, at most `limit`. */
  recent(windowMs: number, limit: number): Promise<string[]> {
    return this.#redis.zrevrangebyscore(this.#key, '+inf', Date.now() - windowMs, 'LIMIT', 0, limit);
  }
}
