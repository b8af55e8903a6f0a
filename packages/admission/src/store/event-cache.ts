import { EventNotFoundError } from '../errors.js';
import { findEvent, type EventInfo } from './events.js';
import type { Shards } from './shards.js';

/**
 * An event's grid, limits, hold TTL and shard, read once per process: they never change after
 * the event is created. Remembers up to `maxEvents` events (the oldest read is forgotten first);
 * concurrent first reads of one event share one query. Unknown ids are not remembered: the
 * event may be created a moment later.
 */
export class EventCache {
  readonly #shards: Shards;
  readonly #maxEvents: number;
  readonly #events = new Map<string, Promise<EventInfo>>();

  constructor(shards: Shards, maxEvents = 10_000) {
    this.#shards = shards;
    this.#maxEvents = maxEvents;
  }

  /** The event; rejects with EventNotFoundError when there is none. */
  get(eventId: string): Promise<EventInfo> {
    const known = this.#events.get(eventId);
    if (known !== undefined) return known;
    const loading = this.find(eventId).then((event) => {
      if (event === undefined) throw new EventNotFoundError(eventId);
      return event;
    });
    this.#events.set(eventId, loading);
    loading.catch(() => {
      if (this.#events.get(eventId) === loading) this.#events.delete(eventId);
    });
    if (this.#events.size > this.#maxEvents) {
      const oldest = this.#events.keys().next();
      if (oldest.done !== true) this.#events.delete(oldest.value);
    }
    return loading;
  }

  /** The event read afresh from its shard, or undefined. */
  async find(eventId: string): Promise<EventInfo | undefined> {
    const shard = await this.#shards.locate(eventId);
    return findEvent(this.#shards.at(shard), shard, eventId);
  }
}
