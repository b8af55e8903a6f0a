import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge, type Registry } from 'prom-client';

/** A waiting room's figures now: tickets waiting, and tickets ever admitted (the queue's seq less those waiting). */
export interface WaitingRoomCounts {
  readonly waiting: number;
  readonly admitted: number;
}

/** Reads an event's waiting-room figures; undefined when it has no room (or Redis lost it). */
export type WaitingRoomProbe = (eventId: string) => Promise<WaitingRoomCounts | undefined>;

/**
 * The probe on the gate's Redis. The library keeps the room in `<prefix>:{ev:<id>}:room` (a hash
 * whose `seq` counts every ticket issued) and `:queue` (a sorted set of the waiting tickets);
 * a ticket leaves the queue only when admitted, so seq less the queue is every admission. The
 * library has no call for these figures: the API's metrics test pins the layout.
 */
export function redisWaitingRoomProbe(redis: Redis | Cluster, keyPrefix: string): WaitingRoomProbe {
  return async (eventId) => {
    const tag = `${keyPrefix}:{ev:${eventId}}`;
    const [seq, waiting] = await Promise.all([redis.hget(`${tag}:room`, 'seq'), redis.zcard(`${tag}:queue`)]);
    if (seq === null) return undefined;
    return { waiting, admitted: Math.max(0, Number(seq) - waiting) };
  };
}

/** Events whose rooms a scrape reads: the most recently served ones. */
const WATCHED_EVENTS = 100;
/** One scrape reads each room once, though both metrics ask. */
const FRESH_MS = 250;
const QUEUE_LENGTH = 'seatgrid_waiting_room_queue_length';
const ADMISSIONS = 'seatgrid_waiting_room_admissions_total';

/**
 * seatgrid_waiting_room_queue_length{event} (tickets waiting) and
 * seatgrid_waiting_room_admissions_total{event} (tickets admitted), read at scrape time from the
 * rooms of the events this process served lately. One app a registry.
 */
export class WaitingRoomMetrics {
  readonly #watched = new LRUCache<string, { admitted: number }>({ max: WATCHED_EVENTS });
  #refreshed: { at: number; done: Promise<void> } | undefined;

  constructor(registry: Registry, probe: WaitingRoomProbe | undefined) {
    if (probe === undefined) return;
    const refresh = () => {
      if (this.#refreshed === undefined || performance.now() - this.#refreshed.at > FRESH_MS) {
        this.#refreshed = { at: performance.now(), done: this.#read(probe, queueLength, admissions) };
      }
      return this.#refreshed.done;
    };
    const admissions = new Counter({
      name: ADMISSIONS,
      help: 'Waiting-room tickets admitted, by event (since Redis opened the room)',
      labelNames: ['event'],
      registers: [registry],
      collect: refresh,
    });
    const queueLength = new Gauge({
      name: QUEUE_LENGTH,
      help: 'Waiting-room tickets waiting to be admitted, by event',
      labelNames: ['event'],
      registers: [registry],
      collect: refresh,
    });
  }

  /** The event's room is read at the next scrapes. */
  watch(eventId: string): void {
    if (!this.#watched.has(eventId)) this.#watched.set(eventId, { admitted: 0 });
  }

  async #read(probe: WaitingRoomProbe, queueLength: Gauge, admissions: Counter): Promise<void> {
    const events = [...this.#watched.entries()];
    const counts = await Promise.all(events.map(([event]) => probe(event).catch(() => undefined)));
    for (const [i, [event, seen]] of events.entries()) {
      const count = counts[i];
      if (count === undefined) continue;
      queueLength.set({ event }, count.waiting);
      // A room Redis lost counts again from 0: so does the increase.
      admissions.inc({ event }, count.admitted >= seen.admitted ? count.admitted - seen.admitted : count.admitted);
      seen.admitted = count.admitted;
    }
  }
}
