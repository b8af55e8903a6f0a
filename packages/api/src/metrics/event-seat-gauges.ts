import { performance } from 'node:perf_hooks';
import { EventNotFoundError, idPattern, InvalidInputError, type SeatGrid } from '@seatgrid/admission';
import { Gauge, type Registry } from 'prom-client';
import { replaceMetric } from './replace-metric.ts';
import { scrapeOnce } from './scrape-once.ts';

export interface EventSeatGaugeSettings {
  /** Events reported at once, at most: the most recently served. */
  readonly maxEvents: number;
  /** An event not served for this long drops out. */
  readonly windowMs: number;
  /** A scrape waits this long for the events' counters, then reports those that answered. */
  readonly timeLimitMs: number;
  /**
   * Events up to this many seats also report held and sold, counted from the seat map (one
   * byte a seat); bigger events report available and capacity only, from the counters.
   */
  readonly splitMaxSeats: number;
}

export const defaultEventSeatGaugeSettings: EventSeatGaugeSettings = Object.freeze({
  maxEvents: 20,
  windowMs: 15 * 60_000,
  timeLimitMs: 1_000,
  splitMaxSeats: 10_000,
});

/**
 * `seatgrid_event_seats{event,state}` (available, held, sold) and
 * `seatgrid_event_capacity_seats{event}`, read when Prometheus scrapes, for the events this
 * process served lately (a bounded few): the request path only notes the event's id.
 */
export class EventSeatGauges {
  readonly #grid: SeatGrid;
  readonly #settings: EventSeatGaugeSettings;
  /** Event id → second (since start) it was last served; insertion order is first-served order. */
  readonly #served = new Map<string, number>();

  constructor(grid: SeatGrid, registry: Registry, settings: Partial<EventSeatGaugeSettings> = {}) {
    this.#grid = grid;
    this.#settings = { ...defaultEventSeatGaugeSettings, ...settings };
    const read = scrapeOnce(() => this.#read());
    replaceMetric(
      registry,
      'seatgrid_event_capacity_seats',
      (name) =>
        new Gauge({
          name,
          help: 'Seats of an event served lately',
          labelNames: ['event'],
          registers: [registry],
          async collect() {
            const counts = (await read()) ?? [];
            this.reset();
            for (const c of counts) this.set({ event: c.eventId }, c.capacity);
          },
        }),
    );
    replaceMetric(
      registry,
      'seatgrid_event_seats',
      (name) =>
        new Gauge({
          name,
          help: 'Seats of an event served lately, by state (available; held and sold for events up to a size)',
          labelNames: ['event', 'state'],
          registers: [registry],
          async collect() {
            const counts = (await read()) ?? [];
            this.reset();
            for (const c of counts) {
              this.set({ event: c.eventId, state: 'available' }, c.available);
              if (c.held !== undefined) this.set({ event: c.eventId, state: 'held' }, c.held);
              if (c.sold !== undefined) this.set({ event: c.eventId, state: 'sold' }, c.sold);
            }
          },
        }),
    );
  }

  /** Notes that the event was served now (a map update: no read happens here). */
  served(eventId: string): void {
    const now = Math.trunc(performance.now() / 1_000);
    if (this.#served.has(eventId) || this.#served.size < this.#settings.maxEvents) {
      this.#served.set(eventId, now);
      return;
    }
    // Full: the least recently served makes room (a scan of a few entries, only for a new event).
    let oldest: string | undefined;
    let oldestAt = Number.POSITIVE_INFINITY;
    for (const [id, at] of this.#served) {
      if (at < oldestAt) {
        oldest = id;
        oldestAt = at;
      }
    }
    if (oldest !== undefined) this.#served.delete(oldest);
    this.#served.set(eventId, now);
  }

  /** The ids reported at the next scrape. */
  get events(): string[] {
    this.#forgetOld();
    return [...this.#served.keys()];
  }

  #forgetOld(): void {
    const cutoff = performance.now() / 1_000 - this.#settings.windowMs / 1_000;
    for (const [id, at] of this.#served) if (at < cutoff) this.#served.delete(id);
  }

  async #read(): Promise<EventSeatCounts[]> {
    const ids = this.events;
    if (ids.length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#settings.timeLimitMs);
    });
    try {
      const reads = ids.map((id) => Promise.race([this.#countsOf(id), deadline]));
      return (await Promise.all(reads)).filter((c): c is EventSeatCounts => c !== undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  async #countsOf(eventId: string): Promise<EventSeatCounts | undefined> {
    if (!idPattern.test(eventId)) {
      this.#served.delete(eventId);
      return undefined;
    }
    try {
      const counters = await this.#grid.counters(eventId);
      const counts: EventSeatCounts = { eventId, capacity: counters.capacity, available: counters.available };
      if (counters.capacity > this.#settings.splitMaxSeats) return counts;
      const map = await this.#grid.seatMap(eventId);
      let held = 0;
      let sold = 0;
      for (let i = 0; i < map.states.length; i++) {
        const state = map.states.charCodeAt(i);
        if (state === HELD) held++;
        else if (state === SOLD) sold++;
      }
      return { eventId, capacity: map.capacity, available: map.available, held, sold };
    } catch (error) {
      // An id that named no event (or none any more) stops being read; other failures wait for the next scrape.
      if (error instanceof EventNotFoundError || error instanceof InvalidInputError) this.#served.delete(eventId);
      return undefined;
    }
  }
}

const HELD = 'H'.charCodeAt(0);
const SOLD = 'S'.charCodeAt(0);

interface EventSeatCounts {
  readonly eventId: string;
  readonly capacity: number;
  readonly available: number;
  readonly held?: number;
  readonly sold?: number;
}
