import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { EventNotLoadedError } from '../../errors.js';
import type { Gate } from '../../gate/gate.js';
import type { DriftKind } from '../../metrics.js';
import { seatStates, type EventInfo } from '../../store/events.js';
import type { Shards } from '../../store/shards.js';
import { withTimeout } from '../../with-timeout.js';
import type { Hydrator } from './hydrator.js';

export interface ReconcilerSettings {
  /** How often active events are compared. Default 5,000 ms. */
  readonly intervalMs: number;
  /**
   * A difference is checked again at least this long after the first reading before it is
   * repaired: a winner whose PostgreSQL write is in flight looks like drift meanwhile. Only
   * seats that differ the same way at both readings count. The second reading also waits for
   * this process's operations on the event under way at the first (at most an interval), and
   * for twice the longest its winner writes under way then took: another process's writes,
   * unseen here, are about as slow on the same database. Default 250 ms.
   */
  readonly confirmAfterMs: number;
  /** The second reading comes this long after the first at the latest, however slow the operations under way: a stuck one must not stall every pass. Default 30,000 ms. */
  readonly maxConfirmMs: number;
}

export const defaultReconcilerSettings: Readonly<ReconcilerSettings> = Object.freeze({
  intervalMs: 5_000,
  confirmAfterMs: 250,
  maxConfirmMs: 30_000,
});

/** Drift found on one event, and repaired (the event was re-hydrated from PostgreSQL). */
export interface EventDrift {
  readonly eventId: string;
  /** Seats whose Redis state differed from PostgreSQL's the same way at both readings. */
  readonly seats: number;
  /** Of those: taken in Redis but free in PostgreSQL (a leak), free in Redis but taken in PostgreSQL (unguarded), held in one and sold in the other. */
  readonly byKind: Readonly<Record<DriftKind, number>>;
}

export interface ReconcilerOptions {
  readonly gate: Gate;
  readonly shards: Shards;
  readonly hydrator: Hydrator;
  readonly settings: Readonly<ReconcilerSettings>;
  /** The events to compare at each pass: those any process wrote to lately or that have live holds. */
  readonly activeEvents: () => Promise<Iterable<EventInfo>>;
  /** Runs the event's pass under its reconcile lease (one pass per event at a time across processes); undefined: another process has it. */
  readonly withLease: <T>(eventId: string, work: () => Promise<T>) => Promise<T | undefined>;
  /** Redis reaps a hold this long after PostgreSQL's expiry: such a hold is still held. */
  readonly heldGraceMs: number;
  /** Resolves once this process's operations on the event under way now have settled. */
  readonly inTransit: (eventId: string) => Promise<void>;
  /** Resolves once this process's winner writes under way now have settled, with the longest one took (ms). */
  readonly slowestWrite: () => Promise<number>;
  /** The seats Redis holds for the waitlist's head (free in PostgreSQL, by design). */
  readonly poolSeats: (eventId: string) => Promise<readonly number[]>;
  /** Entries waiting, in Redis and in PostgreSQL. */
  readonly waitingEntries: (eventId: string) => Promise<{ redis: number; postgres: number }>;
  readonly onDrift: (drift: EventDrift) => void;
  /** After every pass: the drifting seats it found (0: all agreed). */
  readonly onPass: (driftingSeats: number) => void;
}

/** Each seat where Redis's state string differs from PostgreSQL's, as "<index>:<redis><pg>". */
export function seatDifferences(redis: string, postgres: string): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < Math.max(redis.length, postgres.length); i++) {
    if (redis[i] !== postgres[i]) found.add(`${i}:${redis[i] ?? '-'}${postgres[i] ?? '-'}`);
  }
  return found;
}

function kindOf(difference: string): DriftKind {
  if (difference.startsWith('waitlist:')) return 'state';
  const [redis, postgres] = difference.slice(difference.indexOf(':') + 1);
  if (postgres === '.') return 'leak';
  if (redis === '.') return 'unguarded';
  return 'state';
}

/**
 * The differences seen at both readings. On a busy event some seat is always in transit (a
 * write in flight, a cancel between PostgreSQL and Redis, a hold awaiting its reap), so
 * "still some difference" would repair every pass; only the same seat differing the same
 * way twice is drift.
 */
export function lastingDifferences(first: ReadonlySet<string>, second: ReadonlySet<string>): string[] {
  return [...first].filter((difference) => second.has(difference));
}

/**
 * Compares Redis with PostgreSQL for every active event and repairs Redis from PostgreSQL
 * (never the other way round). This is what frees a seat whose winner died between its Redis
 * claim and its PostgreSQL write: within one interval.
 */
export class Reconciler {
  readonly #options: ReconcilerOptions;

  constructor(options: ReconcilerOptions) {
    this.#options = options;
  }

  /** One pass over the active events, one event at a time, each unless another process has its lease. */
  async reconcile(): Promise<readonly EventDrift[]> {
    const drifts: EventDrift[] = [];
    for (const event of await this.#options.activeEvents()) {
      const drift = await this.#options.withLease(event.eventId, () => this.#reconcileEvent(event));
      if (drift !== undefined) drifts.push(drift);
    }
    this.#options.onPass(drifts.reduce((sum, drift) => sum + drift.seats, 0));
    return drifts;
  }

  async #reconcileEvent(event: EventInfo): Promise<EventDrift | undefined> {
    const { settings, inTransit, slowestWrite } = this.#options;
    const first = await this.#differencesOf(event);
    if (first.size === 0) return undefined;
    const firstAt = performance.now();
    // This process's operations on the event under way, waited for at most one interval; its
    // writes under way tell how long another process's, unseen here, may take to land.
    const [, slowest] = await Promise.all([
      withTimeout(inTransit(event.eventId), settings.intervalMs, () => new Error()).catch(() => {}),
      withTimeout(slowestWrite(), settings.maxConfirmMs, () => new Error()).catch(() => settings.maxConfirmMs),
    ]);
    await sleep(
      Math.max(0, Math.min(Math.max(settings.confirmAfterMs, 2 * slowest), settings.maxConfirmMs) - (performance.now() - firstAt)),
    );
    const lasting = lastingDifferences(first, await this.#differencesOf(event));
    if (lasting.length === 0) return undefined;
    const byKind: Record<DriftKind, number> = { leak: 0, unguarded: 0, state: 0 };
    for (const difference of lasting) byKind[kindOf(difference)]++;
    await this.#options.hydrator.hydrate(event, 'drift');
    const drift = { eventId: event.eventId, seats: lasting.length, byKind };
    this.#options.onDrift(drift);
    return drift;
  }

  async #differencesOf(event: EventInfo): Promise<Set<string>> {
    const inPostgres = await seatStates(this.#options.shards.at(event.shard), event, this.#options.heldGraceMs);
    try {
      const map = (await this.#options.gate.seatMap(event.eventId)).states.split('');
      // The seats gathering for the waitlist's head are free in PostgreSQL: by design, no drift.
      for (const seat of await this.#options.poolSeats(event.eventId)) map[seat] = '.';
      const differences = seatDifferences(map.join(''), inPostgres);
      const waiting = await this.#options.waitingEntries(event.eventId);
      if (waiting.redis !== waiting.postgres) differences.add(`waitlist:${waiting.redis}:${waiting.postgres}`);
      return differences;
    } catch (error) {
      if (error instanceof EventNotLoadedError) return new Set(); // the next claim hydrates it
      throw error;
    }
  }
}
