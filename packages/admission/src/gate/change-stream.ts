import { checkId } from '../validation.js';
import { changeBatch, parseChange, type ChangeBatch, type SeatChange } from './changes.js';
import { eventKeys } from './keys.js';
import type { RedisClient } from './script-runner.js';

/** Where an event's change records are in its keys (lua/includes/event-keys.lua). */
const STREAM = 7;

/**
 * Reads of an event's change stream: the records every seat-changing script appends, in the
 * same call, so the stream never disagrees with the map (lua/includes/change-log.lua).
 */
export class ChangeStream {
  readonly #redis: RedisClient;
  readonly #keyPrefix: string;

  constructor(redis: RedisClient, keyPrefix: string) {
    this.#redis = redis;
    this.#keyPrefix = keyPrefix;
  }

  /**
   * The change records after `afterVersion`, oldest first, at most `count`, and whether they
   * follow on from it without a gap (false: the stream was trimmed past it, or it is from
   * before a reload: start again from a snapshot).
   */
  async read(eventId: string, afterVersion: number, count: number): Promise<ChangeBatch> {
    const stream = this.#streamOf(eventId);
    const [entries, last] = await Promise.all([
      this.#redis.xrange(stream, `(${afterVersion}-0`, '+', 'COUNT', count),
      this.#redis.xrevrange(stream, '+', '-', 'COUNT', 1),
    ]);
    return changeBatch(afterVersion, entries, last[0]);
  }

  /**
   * Waits up to `blockMs` for change records after `afterVersion` on a connection of the
   * caller's own (a blocking read holds its connection), and returns them (none on timeout).
   */
  async waitFor(connection: RedisClient, eventId: string, afterVersion: number, blockMs: number, count: number): Promise<SeatChange[]> {
    const reply = await connection.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.#streamOf(eventId), `${afterVersion}-0`);
    return reply === null ? [] : (reply[0]?.[1] ?? []).map(parseChange);
  }

  #streamOf(eventId: string): string {
    return eventKeys(this.#keyPrefix, checkId('eventId', eventId))[STREAM] as string;
  }
}
