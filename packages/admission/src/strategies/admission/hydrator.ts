import { performance } from 'node:perf_hooks';
import { LoadConflictError } from '../../errors.js';
import type { Gate } from '../../gate/gate.js';
import { eventSnapshot, type EventInfo } from '../../store/events.js';
import { storedAnswers } from '../../store/idempotency-records.js';
import type { Shards } from '../../store/shards.js';

export type HydrationReason = 'not-loaded' | 'stale' | 'after-fallback' | 'drift';

/** A finished hydration, as the 'hydrate' event reports it. */
export interface Hydration {
  readonly eventId: string;
  readonly reason: HydrationReason;
  readonly durationMs: number;
}

/**
 * Rebuilds an event's Redis state from PostgreSQL: fence the event (the gate admits nobody
 * for it), let this process's pending writes for it land, snapshot PostgreSQL, put back the
 * answers stored under its idempotency keys, swap the snapshot in. One hydration per event at a time in this process, and callers of a running
 * one share it; a concurrent load by another process wins or loses cleanly
 * (LoadConflictError: theirs is as fresh as ours).
 */
export class Hydrator {
  readonly #gate: Gate;
  readonly #shards: Shards;
  readonly #landed: (event: EventInfo) => Promise<void>;
  readonly #onHydrated: (hydration: Hydration) => void;
  readonly #running = new Map<string, Promise<void>>();

  /** `landed(event)`: resolves once this process's writes for the event under way have landed. */
  constructor(gate: Gate, shards: Shards, landed: (event: EventInfo) => Promise<void>, onHydrated: (hydration: Hydration) => void) {
    this.#gate = gate;
    this.#shards = shards;
    this.#landed = landed;
    this.#onHydrated = onHydrated;
  }

  /** True while a hydration of the event runs in this process. */
  isRunning(eventId: string): boolean {
    return this.#running.has(eventId);
  }

  hydrate(event: EventInfo, reason: HydrationReason): Promise<void> {
    const running = this.#running.get(event.eventId);
    if (running) return running;
    const hydration = this.#run(event, reason).finally(() => this.#running.delete(event.eventId));
    this.#running.set(event.eventId, hydration);
    return hydration;
  }

  async #run(event: EventInfo, reason: HydrationReason): Promise<void> {
    const started = performance.now();
    await this.#gate.fence(event.eventId);
    await this.#landed(event);
    const snapshot = await eventSnapshot(this.#shards.at(event.shard), event);
    // The answers PostgreSQL keeps go back into Redis before the seats do: a retry must replay
    // its answer (given on the fallback, or lost with Redis), not be refused for its own seats.
    await this.#gate.rememberAnswers(
      event.eventId,
      await storedAnswers(this.#shards.at(event.shard), event.eventId, this.#gate.settings.idempotencyTtlMs),
    );
    try {
      await this.#gate.loadEvent(snapshot, 'replace');
    } catch (error) {
      if (!(error instanceof LoadConflictError)) throw error;
    }
    this.#onHydrated({ eventId: event.eventId, reason, durationMs: performance.now() - started });
  }
}
