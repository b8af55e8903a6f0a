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
   * PostgreSQL write is in flight looks like drift for a few milliseconds.
   */
  readonly confirmAfterMs: number;
}

export const defaultReconcileSettings: Readonly<ReconcileSettings> = Object.freeze({
  intervalMs: 5_000,
  confirmAfterMs: 250,
});

export interface EventDrift {
  readonly eventId: string;
  /** Seats whose Redis state differed from PostgreSQL's, when the repair started. */
  readonly seats: number;
}

function differingSeats(a: string, b: string): number {
  let differ = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) differ++;
  return differ;
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
    metrics?: AdmissionMetrics;
    settings?: Partial<ReconcileSettings>;
  }) {
    this.#gate = options.gate;
    this.#db = options.db;
    this.#hydrator = options.hydrator;
    this.#activeEvents = options.activeEvents;
    this.#heldGraceMs = options.heldGraceMs;
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
      const seats = await this.#driftOf(event);
      if (seats === 0) continue;
      await new Promise((resolve) => setTimeout(resolve, this.settings.confirmAfterMs));
      if ((await this.#driftOf(event)) === 0) continue;
      this.#metrics?.reconcileDrift.inc(seats);
      await this.#hydrator.hydrate(event, 'drift');
      drifts.push({ eventId: event.eventId, seats });
    }
    return drifts;
  }

  async #driftOf(event: EventInfo): Promise<number> {
    const inPostgres = await seatStates(this.#db, event, this.#heldGraceMs);
    try {
      return differingSeats((await this.#gate.seatMap(event.eventId)).states, inPostgres);
    } catch (error) {
      if (error instanceof EventNotLoadedError) return 0; // the next claim hydrates it
      throw error;
    }
  }
}
