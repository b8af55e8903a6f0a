import type { Kysely } from 'kysely';
import { EventNotFoundError } from '../errors.js';
import type { Database } from '../store/database.js';
import { findEvent, type EventInfo } from '../store/events.js';

/**
 * An event's grid, limits and hold TTL, read once per process: they never change after the
 * event is created. Remembers up to `maxEvents` events (the oldest read is forgotten first);
 * concurrent first reads of one event share one query. Unknown ids are not remembered: the
 * event may be created a moment later.
 */
export class EventCache {
  readonly #db: Kysely<Database>;
  readonly #maxEvents: number;
  readonly #events = new Map<string, Promise<EventInfo>>();

  constructor(db: Kysely<Database>, maxEvents = 10_000) {
    this.#db = db;
    this.#maxEvents = maxEvents;
  }

  /** The event; rejects with EventNotFoundError when there is none. */
  get(eventId: string): Promise<EventInfo> {
    const known = this.#events.get(eventId);
    if (known !== undefined) return known;
    const loading = findEvent(this.#db, eventId).then((event) => {
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
}
