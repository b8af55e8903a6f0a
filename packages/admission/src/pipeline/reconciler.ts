import type { Kysely } from 'kysely';
import type { Admission } from '../engine/admission.js';
import { EventNotLoadedError } from '../errors.js';
import type { AdmissionMetrics } from '../metrics.js';
import type { Database } from '../store/database.js';
import { seatStates, type EventInfo } from '../store/events.js';
import type { Hydrator } from './hydrator.js';

export interface ReconcileSettings {
  /** How often active events are compared. */
  readonly intervalMs: number;
  /**
   * A difference is checked again after this long before it is repaired: a winner whose
   * PostgreSQL write is in flight looks like drift for a few milliseconds. The second reading
   * also waits for this process's operations under way at the first; only seats that differ
   * the same way at both readings count.
   */
  readonly confirmAfterMs: number;
}

export const defaultReconcileSettings: Readonly<ReconcileSettings> = Object.freeze({
  intervalMs: 5_000,
  confirmAfterMs: 250,
});

export interface EventDrift {
  readonly eventId: string;
  /** Seats whose Redis state differed from PostgreSQL's the same way at both readings. */
  readonly seats: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each seat where Redis's state string differs from PostgreSQL's, as "<index>:<redis><pg>". */
export function seatDifferences(redis: string, postgres: string): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < Math.max(redis.length, postgres.length); i++) {
    if (redis[i] !== postgres[i]) found.add(`${i}:${redis[i] ?? '-'}${postgres[i] ?? '-'}`);
  }
  return found;
}

/**
 * The differences seen at both readings. On a busy event some seat is always in transit (a
 * write in flight, a cancel between PostgreSQL and Redis, a hold awaiting its reap), so
 * "still some difference" would repair every pass; only the same seat differing the same
 * way twice is drift.
 */
export function lastingDifferences(first: ReadonlySet<string>, second: ReadonlySet<string>): number {
  let lasting = 0;
  for (const difference of first) if (second.has(difference)) lasting++;
  return lasting;
}

/**
 * Compares Redis with PostgreSQL for every active event and repairs Redis from PostgreSQL
 * (never the other way round). This is what frees a seat whose winner died between its Redis
 * claim and its PostgreSQL write: within one interval.
 */
export class Reconciler {
  readonly #gate: Admission;
  readonly #db: Kysely<Database>;
  readonly #hydrator: Hydrator;
  readonly #activeEvents: () => Iterable<EventInfo>;
  readonly #heldGraceMs: number;
  readonly #inTransit: (eventId: string) => Promise<void>;
  readonly #metrics: AdmissionMetrics | undefined;
  readonly settings: Readonly<ReconcileSettings>;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<readonly EventDrift[]> | undefined;

  constructor(options: {
    gate: Admission;
    db: Kysely<Database>;
    hydrator: Hydrator;
    activeEvents: () => Iterable<EventInfo>;
    heldGraceMs: number;
    /** Resolves once this process's operations on the event under way now have settled. */
    inTransit?: (eventId: string) => Promise<void>;
    metrics?: AdmissionMetrics;
    settings?: Partial<ReconcileSettings>;
  }) {
    this.#gate = options.gate;
    this.#db = options.db;
    this.#hydrator = options.hydrator;
    this.#activeEvents = options.activeEvents;
    this.#heldGraceMs = options.heldGraceMs;
    this.#inTransit = options.inTransit ?? (() => Promise.resolve());
    this.#metrics = options.metrics;
    this.settings = Object.freeze({ ...defaultReconcileSettings, ...options.settings });
  }

  start(onError: (error: unknown) => void): void {
    this.#timer ??= setInterval(() => void this.reconcileOnce().catch(onError), this.settings.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One pass over the active events (one at a time: passes never overlap). */
  reconcileOnce(): Promise<readonly EventDrift[]> {
    this.#pass ??= this.#reconcileAll().finally(() => (this.#pass = undefined));
    return this.#pass;
  }

  async #reconcileAll(): Promise<readonly EventDrift[]> {
    const drifts: EventDrift[] = [];
    for (const event of this.#activeEvents()) {
      const first = await this.#differencesOf(event);
      if (first.size === 0) continue;
      await Promise.all([sleep(this.settings.confirmAfterMs), this.#settledOrTimedOut(event.eventId)]);
      const seats = lastingDifferences(first, await this.#differencesOf(event));
      if (seats === 0) continue;
      this.#metrics?.reconcileDrift.inc(seats);
      await this.#hydrator.hydrate(event, 'drift');
      drifts.push({ eventId: event.eventId, seats });
    }
    return drifts;
  }

  /** This process's operations under way on the event, waited for at most one interval (a stuck one must not stall every pass). */
  async #settledOrTimedOut(eventId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.intervalMs)));
    await Promise.race([this.#inTransit(eventId), timeout]);
    clearTimeout(timer);
  }

  async #differencesOf(event: EventInfo): Promise<Set<string>> {
    const inPostgres = await seatStates(this.#db, event, this.#heldGraceMs);
    try {
      return seatDifferences((await this.#gate.seatMap(event.eventId)).states, inPostgres);
    } catch (error) {
      if (error instanceof EventNotLoadedError) return new Set(); // the next claim hydrates it
      throw error;
    }
  }
}
