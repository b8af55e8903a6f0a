import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { EventCounters, SeatMap } from '../../results.js';
import type { EventCache } from '../../store/event-cache.js';
import type { EventInfo } from '../../store/events.js';
import { seatCounts, type SeatCounts } from '../../store/seat-counts.js';
import { seatIsFree } from '../../store/seat-writes.js';
import type { Shards } from '../../store/shards.js';

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
 * readers of one version share one build, and a map is rebuilt only after a seat changed or
 * once the next hold in it lapses (a lapsed hold shows as free at once, as everywhere).
 */
export function createStoredReads(shards: Shards, events: EventCache): StoredReads {
  interface Built {
    readonly states: string;
    /** The map holds until then (ms, this process's clock): the next held seat's hold lapses. */
    readonly validUntil: number;
  }
  const maps = new LRUCache<string, { readonly version: number; readonly bytes: number; readonly built: Promise<Built> }>({
    maxSize: MAP_CACHE_BYTES,
    sizeCalculation: (entry) => entry.bytes,
  });

  async function build(event: EventInfo): Promise<Built> {
    const store = shards.at(event.shard);
    // Before the query: PostgreSQL's now() is later, so the map never outlives the lapse it waits for.
    const asked = Date.now();
    const { rows } = await sql<{ states: string | null; valid_for_ms: number | null }>`
      select string_agg(case when ${seatIsFree} then '.' when state = 'sold' then 'S' else 'H' end, '' order by seat_index) as states,
             (select extract(epoch from min(held_until) - now()) * 1000 from ${store.t.seats}
              where event_id = ${event.eventId} and state = 'held' and held_until >= now())::float8 as valid_for_ms
      from ${store.t.seats} where event_id = ${event.eventId}`.execute(store.db);
    const validForMs = rows[0]?.valid_for_ms;
    return { states: rows[0]?.states ?? '', validUntil: validForMs == null ? Infinity : asked + validForMs };
  }

  return {
    async seatMap(eventId) {
      const event = await events.get(eventId);
      const counts = await seatCounts(shards.at(event.shard), event);
      let entry = maps.get(eventId);
      const fresh =
        entry !== undefined &&
        entry.version === counts.version &&
        Date.now() < (await entry.built.catch(() => ({ validUntil: 0 }))).validUntil;
      if (entry === undefined || !fresh) {
        entry = { version: counts.version, bytes: Math.max(1, event.capacity), built: build(event) };
        maps.set(eventId, entry);
        const building = entry;
        building.built.catch(() => {
          if (maps.get(eventId) === building) maps.delete(eventId);
        });
      }
      return { ...countersOf(event, counts), states: (await entry.built).states };
    },

    async counters(eventId) {
      const event = await events.get(eventId);
      return countersOf(event, await seatCounts(shards.at(event.shard), event));
    },
  };
}
