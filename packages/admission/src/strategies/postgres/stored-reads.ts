import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { EventCounters, SeatMap } from '../../results.js';
import type { EventCache } from '../../store/event-cache.js';
import type { EventInfo } from '../../store/events.js';
import { seatCounts, type SeatCounts } from '../../store/seat-counts.js';
import { seatIsFree } from '../../store/seat-writes.js';
import type { Store } from '../../store/store.js';

/** Seat-map bytes kept in memory, at most (a 1,000 × 1,000 map is 1 MB). */
const MAP_CACHE_BYTES = 64 * 1024 * 1024;

export interface StoredReads {
  seatMap(eventId: string): Promise<SeatMap>;
  counters(eventId: string): Promise<EventCounters>;
}

function countersOf(event: EventInfo, counts: SeatCounts): EventCounters {
  // PostgreSQL has no load generations: 0.
  return {
    rows: event.rows,
    cols: event.cols,
    capacity: event.capacity,
    available: counts.available,
    maxSeatsPerUser: event.maxSeatsPerUser,
    generation: 0,
    version: counts.version,
  };
}

/**
 * The reads of the PostgreSQL strategies. Counters come from the counts the writes keep (a few
 * rows). The map is built in SQL as one string and kept per event and version: concurrent
 * readers of one version share one build, and a map is rebuilt only after a seat changed.
 * A hold that lapses shows as free at the next write (the sweeper's, at the latest).
 */
export function createStoredReads(store: Store, events: EventCache): StoredReads {
  const maps = new LRUCache<string, { readonly version: number; readonly bytes: number; readonly states: Promise<string> }>({
    maxSize: MAP_CACHE_BYTES,
    sizeCalculation: (entry) => entry.bytes,
  });

  async function build(event: EventInfo): Promise<string> {
    const { rows } = await sql<{ states: string | null }>`
      select string_agg(case when ${seatIsFree} then '.' when state = 'sold' then 'S' else 'H' end, '' order by seat_index) as states
      from ${store.t.seats} where event_id = ${event.eventId}`.execute(store.db);
    return rows[0]?.states ?? '';
  }

  return {
    async seatMap(eventId) {
      const event = await events.get(eventId);
      const counts = await seatCounts(store, event);
      let entry = maps.get(eventId);
      if (entry === undefined || entry.version !== counts.version) {
        entry = { version: counts.version, bytes: Math.max(1, event.capacity), states: build(event) };
        maps.set(eventId, entry);
        const built = entry;
        built.states.catch(() => {
          if (maps.get(eventId) === built) maps.delete(eventId);
        });
      }
      return { ...countersOf(event, counts), states: await entry.states };
    },

    async counters(eventId) {
      const event = await events.get(eventId);
      return countersOf(event, await seatCounts(store, event));
    },
  };
}
