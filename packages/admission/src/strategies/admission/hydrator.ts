import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { EventExistsError, EventNotLoadedError, LoadConflictError } from '../../errors.js';
import type { Gate } from '../../gate/gate.js';
import { eventSnapshot, type EventInfo } from '../../store/events.js';
import { storedAnswers } from '../../store/idempotency-records.js';
import type { Shards } from '../../store/shards.js';

/** The longest a fenced re-hydration waits for other processes' writes: a stuck write must not keep the event fenced. */
const OTHERS_WRITES_WAIT_MAX_MS = 10_000;

/** Loads tried before a hydration that keeps losing (to other processes' loads, or its staging to Redis) gives up. */
const LOAD_ATTEMPTS = 3;
/** How often a loader that lost to another process's load looks for that load's swap. */
const LOADED_POLL_MS = 20;

export type HydrationReason = 'not-loaded' | 'stale' | 'after-fallback' | 'drift';

/** A finished hydration, as the 'hydrate' event reports it. */
export interface Hydration {
  readonly eventId: string;
  readonly reason: HydrationReason;
  readonly durationMs: number;
}

/**
 * Rebuilds an event's Redis state from PostgreSQL: fence the event (the gate admits nobody
 * for it), let this process's pending writes for it land and give other processes' as long
 * as writes take lately, snapshot PostgreSQL, put back the
 * answers stored under its idempotency keys, swap the snapshot in. One hydration per event
 * at a time in this process, and callers of a running one share it. An event that is not
 * loaded at all is filled, not fenced: when several processes find it missing at once, the
 * first load wins and the others leave its copy alone, since grants made on it may not be in
 * their snapshots yet. Any other concurrent load wins or loses cleanly (LoadConflictError).
 */
export class Hydrator {
  readonly #gate: Gate;
  readonly #shards: Shards;
  readonly #landed: (event: EventInfo) => Promise<void>;
  readonly #writesTakeMs: () => number;
  readonly #onHydrated: (hydration: Hydration) => void;
  readonly #running = new Map<string, Promise<void>>();

  /**
   * `landed(event)`: resolves once this process's writes for the event under way have landed.
   * `writesTakeMs()`: how long this process's winner writes take lately (WriteLatency.lately).
   */
  constructor(
    gate: Gate,
    shards: Shards,
    landed: (event: EventInfo) => Promise<void>,
    writesTakeMs: () => number,
    onHydrated: (hydration: Hydration) => void,
  ) {
    this.#gate = gate;
    this.#shards = shards;
    this.#landed = landed;
    this.#writesTakeMs = writesTakeMs;
    this.#onHydrated = onHydrated;
  }

  /** Resolves once every hydration under way has ended (close() waits: they use the connections). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#running.values()]);
  }

  /** The hydration of the event running in this process, if any. */
  running(eventId: string): Promise<void> | undefined {
    return this.#running.get(eventId);
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
    const mode = reason === 'not-loaded' ? 'fill' : 'replace';
    if (mode === 'replace') await this.#gate.fence(event.eventId);
    const fencedAt = performance.now();
    await this.#landed(event);
    // Other processes' grants made before the fence reach PostgreSQL about as slowly as this
    // process's writes lately: the snapshot waits for them, or the swap would free their seats.
    if (mode === 'replace')
      await sleep(Math.max(0, fencedAt + Math.min(this.#writesTakeMs(), OTHERS_WRITES_WAIT_MAX_MS) - performance.now()));
    for (let attempt = 1; ; attempt++) {
      try {
        // Loads after the first 'fill': the fence may have ended with another process's swap
        // meanwhile, and that copy (as fresh as ours, and granting) must not be overwritten.
        await this.#loadOnce(event, attempt === 1 ? mode : 'fill');
        break;
      } catch (error) {
        if (error instanceof EventExistsError) break; // 'fill': another process loaded it whole
        if (!(error instanceof LoadConflictError) || attempt === LOAD_ATTEMPTS) throw error;
        // Redis broke the staged copy (memory pressure): load again now. A loader it shared
        // the staging with finds itself superseded and waits for this load's swap.
        if (error.reason === 'evicted') continue;
        // Another process's load took over the staging keys: its swap is as fresh as ours would
        // be. Wait for it; should it never come (that loader died, its staging was lost), load again.
        if (await this.#loadedWithin(event.eventId, this.#gate.settings.stagingTtlMs)) break;
      }
    }
    this.#onHydrated({ eventId: event.eventId, reason, durationMs: performance.now() - started });
  }

  async #loadOnce(event: EventInfo, mode: 'fill' | 'replace'): Promise<void> {
    const shard = this.#shards.at(event.shard);
    const snapshot = await eventSnapshot(shard, event);
    // The answers PostgreSQL keeps go back into Redis before the seats do: a retry must replay
    // its answer (given on the fallback, or lost with Redis), not be refused for its own seats.
    await this.#gate.rememberAnswers(event.eventId, await storedAnswers(shard, event.eventId, this.#gate.settings.idempotencyTtlMs));
    await this.#gate.loadEvent(snapshot, mode);
  }

  /** Whether another loader's swap comes within `ms`; false as soon as no load is staged any more. */
  async #loadedWithin(eventId: string, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (performance.now() < deadline) {
      // Staged first, loaded second: a swap between the two reads shows as loaded, never as
      // "neither", which would send this loader over the copy just swapped in.
      const staged = await this.#gate.loadStaged(eventId);
      try {
        await this.#gate.counters(eventId);
        return true;
      } catch (error) {
        if (!(error instanceof EventNotLoadedError)) throw error;
      }
      // Neither staged nor loaded: that load is gone (its staging expired or evicted whole).
      if (!staged) return false;
      await sleep(LOADED_POLL_MS);
    }
    return false;
  }
}
