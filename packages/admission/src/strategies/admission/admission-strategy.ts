import { performance } from 'node:perf_hooks';
import { fingerprintOf, holdTtlOf, type ClaimRequest } from '../../claim-request.js';
import {
  AdmissionRequiredError,
  EventLoadingError,
  EventNotLoadedError,
  IdempotencyInFlightError,
  NoWaitingRoomError,
} from '../../errors.js';
import { CACHED_SOLD_OUT, type Gate } from '../../gate/gate.js';
import type { DecisionPath } from '../../metrics.js';
import type { ClaimResult, ConfirmResult, EventCounters, ExtendResult, HoldRef, ReleaseResult, SeatMap } from '../../results.js';
import type { EventCache } from '../../store/event-cache.js';
import type { EventInfo } from '../../store/events.js';
import { withTimeout } from '../../with-timeout.js';
import type { BookingStrategy } from '../strategy.js';
import { activeTracer, endStep, noteDecisionPath, startStep, traceClaim } from '../../tracing.js';
import { isInfrastructureError, type Breaker } from './breaker.js';
import type { Hydrator } from './hydrator.js';
import type { InTransit } from './in-transit.js';
import type { WinnerWriter } from './winner-writer.js';

export interface AdmissionStrategyOptions {
  readonly gate: Gate;
  readonly events: EventCache;
  readonly breaker: Breaker;
  readonly hydrator: Hydrator;
  readonly winners: WinnerWriter;
  readonly inTransit: InTransit;
  /**
   * Gate claims from the call until a grant is handed to the writer: a re-hydration fences the
   * event and waits for these before it waits for the writes, so a grant decided just before
   * the fence is in the snapshot, not wiped by it.
   */
  readonly deciding: InTransit;
  /** The PostgreSQL path: decides confirms, releases and cancels, and every claim while Redis is sick. */
  readonly fallback: BookingStrategy;
  /** How long a claim waits for its event's (re)load before it is answered EventLoadingError. */
  readonly hydrationWaitMs: number;
  /** Notes an event with a Redis grant, before its write: the reconciler must look there. */
  readonly onGrant: (eventId: string) => void;
  readonly onDecision: (outcome: string, path: DecisionPath, seconds: number) => void;
  readonly onBackgroundError: (error: unknown) => void;
}

/**
 * The admission strategy: the Redis gate decides who gets which seats; losers are refused
 * there with zero PostgreSQL work; winners are written to PostgreSQL (group commit) and
 * answered only after their commit. While Redis is sick the breaker sends requests down the
 * fallback (optimistic) path; events written that way are re-hydrated before Redis admits
 * for them again.
 */
export class AdmissionStrategy implements BookingStrategy {
  readonly name = 'admission' as const;
  readonly #options: AdmissionStrategyOptions;
  /** Events written through the fallback: re-hydrate before the gate decides for them. */
  readonly #writtenWhileOpen = new Set<string>();

  constructor(options: AdmissionStrategyOptions) {
    this.#options = options;
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    const tracer = activeTracer();
    const claiming =
      tracer === undefined ? this.#claim(request) : traceClaim(tracer, this.name, request.eventId, () => this.#claim(request));
    return this.#options.inTransit.track(request.eventId, claiming);
  }

  confirm(ref: HoldRef): Promise<ConfirmResult> {
    // PostgreSQL decides (only an unexpired hold, or a late one whose seats are still free);
    // Redis, which reaps only after the grace, follows.
    return this.#decideThenMirror(
      ref,
      (r) => this.#options.fallback.confirm(r),
      (r) => this.#options.gate.confirm(r),
    );
  }

  release(ref: HoldRef): Promise<ReleaseResult> {
    return this.#decideThenMirror(
      ref,
      (r) => this.#options.fallback.release(r),
      (r) => this.#options.gate.release(r),
    );
  }

  cancel(ref: HoldRef): Promise<ReleaseResult> {
    return this.#decideThenMirror(
      ref,
      (r) => this.#options.fallback.cancel(r),
      (r) => this.#options.gate.cancel(r),
    );
  }

  /** PostgreSQL decides (and keeps the cap); Redis follows with the new expiry. */
  extend(ref: HoldRef): Promise<ExtendResult> {
    const operation = (async () => {
      const result = await this.#options.fallback.extend(ref);
      if (result.ok) await this.#mirror(ref.eventId, () => this.#options.gate.extend(ref, result.expiresAt));
      return result;
    })();
    return this.#options.inTransit.track(ref.eventId, operation);
  }

  /** From Redis, no PostgreSQL work; from PostgreSQL while Redis is sick. */
  async seatMap(eventId: string): Promise<SeatMap> {
    return this.#read(
      eventId,
      (gate) => gate.seatMap(eventId),
      (fallback) => fallback.seatMap(eventId),
    );
  }

  async counters(eventId: string): Promise<EventCounters> {
    return this.#read(
      eventId,
      (gate) => gate.counters(eventId),
      (fallback) => fallback.counters(eventId),
    );
  }

  async #read<T>(eventId: string, viaGate: (gate: Gate) => Promise<T>, viaFallback: (fallback: BookingStrategy) => Promise<T>): Promise<T> {
    const event = await this.#options.events.get(eventId);
    try {
      return await this.viaGate(event, () => viaGate(this.#options.gate));
    } catch (error) {
      if (!isInfrastructureError(error)) throw error;
      return viaFallback(this.#options.fallback);
    }
  }

  /** PostgreSQL takes the decision; on success Redis follows. */
  #decideThenMirror<R extends { ok: boolean }>(
    ref: HoldRef,
    decide: (ref: HoldRef) => Promise<R>,
    follow: (ref: HoldRef) => Promise<{ ok: boolean }>,
  ): Promise<R> {
    const operation = (async () => {
      const result = await decide(ref);
      if (result.ok) await this.#mirror(ref.eventId, () => follow(ref));
      return result;
    })();
    return this.#options.inTransit.track(ref.eventId, operation);
  }

  async #claim(request: ClaimRequest): Promise<ClaimResult> {
    const started = performance.now();
    const { events, gate, winners, fallback } = this.#options;
    // The cheapest answer first: no event lookup, no breaker (a key's retry must reach Redis).
    if (request.idempotencyKey === undefined && gate.knowsSoldOut(request.eventId)) {
      return this.#record(CACHED_SOLD_OUT, 'sold-out-cache', started);
    }
    const event = await events.get(request.eventId);
    // The gate and the fallback run with the event's TTL, so both fingerprint the same request alike.
    // A waiting room admits its users' claims only (one Redis call; none of PostgreSQL).
    if (event.waitingRoom !== undefined) {
      await this.viaGate(event, () => gate.waitingRoom.admit(event.eventId, request.userId, request.admissionToken, false)).catch(
        (error: unknown) => {
          // The event has a room, but Redis lost it (and every admission): nobody is admitted until they queue again.
          throw error instanceof NoWaitingRoomError ? new AdmissionRequiredError(event.eventId) : error;
        },
      );
    }
    const holdTtlMs = holdTtlOf(request, event.holdTtlMs);
    const withTtl: ClaimRequest = request.mode === 'book' ? request : { ...request, askedTtlMs: holdTtlMs };
    // A second pass only when a replayed grant turns out never written (see WinnerWriter.durableReplay).
    for (let pass = 1; ; pass++) {
      let result: ClaimResult;
      let handOver = () => {};
      const gateStep = startStep('seatgrid.gate', event.eventId);
      try {
        result = await this.viaGate(event, () => {
          // Open only while a grant may be on its way: a refusal or a failure (one that waits
          // for a load, say) closes it, or the hydration and this claim would wait for each other.
          const end = this.#options.deciding.open(event.eventId);
          handOver = end;
          return gate.claim(withTtl).then(
            (decided) => {
              if (!decided.ok || decided.replayed) end();
              return decided;
            },
            (error: unknown) => {
              end();
              throw error;
            },
          );
        });
      } catch (error) {
        handOver();
        endStep(gateStep, 'failed', error);
        if (!isInfrastructureError(error)) throw error;
        this.#writtenWhileOpen.add(event.eventId);
        const decided = await fallback.claim(withTtl);
        // Marked again once written: a re-hydration that began meanwhile may have read PostgreSQL before this write.
        this.#writtenWhileOpen.add(event.eventId);
        return this.#record(decided, 'pg-fallback', started);
      }
      endStep(gateStep, result.ok ? 'granted' : result.reason);
      if (!result.ok) return this.#record(result, result.reason === 'sold-out' && result.cached ? 'sold-out-cache' : 'redis', started);
      if (result.replayed) {
        const replay = await winners.durableReplay(event, result);
        if (replay !== 'never-written') return this.#record(replay, 'redis', started);
        // Twice in a row: the record is some other request's, still being written.
        if (pass > 1) throw new IdempotencyInFlightError();
        // The grant died with the process that won it: forget its answer and decide afresh.
        if (request.idempotencyKey !== undefined) await gate.forgetAnswer(event.eventId, request.userId, request.idempotencyKey);
        continue;
      }
      this.#options.onGrant(event.eventId);
      // persist() queues the write before it returns: the grant is the writer's from here.
      const persisting = winners.persist(event, withTtl, result, fingerprintOf(withTtl, holdTtlMs));
      handOver();
      const persisted = await persisting;
      // Done: the user's seats now count against the inventory, not their admission.
      if (persisted.ok && event.waitingRoom !== undefined) {
        await gate.waitingRoom.admit(event.eventId, request.userId, request.admissionToken, true).catch(this.#options.onBackgroundError);
      }
      return this.#record(persisted, 'redis', started);
    }
  }

  /**
   * Runs a gate call, loading the event first when it needs it. A caller waits for a load at
   * most hydrationWaitMs, then hears EventLoadingError (retry shortly); the load runs on, and is
   * never started again because a caller gave up (that would make a slow load of a big event
   * restart itself forever). Before re-hydrating after the fallback, a cheap read through the
   * breaker checks that Redis answers in time, so a slow Redis still opens the breaker.
   */
  async viaGate<T>(event: EventInfo, call: () => Promise<T>): Promise<T> {
    const { breaker, hydrator, gate } = this.#options;
    // Half-open too: its trial call would otherwise read or decide on a copy that lacks the fallback's writes.
    if (this.#writtenWhileOpen.has(event.eventId) && breaker.state !== 'open') {
      await breaker
        .run(() => gate.counters(event.eventId))
        .catch((error: unknown) => {
          if (!(error instanceof EventNotLoadedError)) throw error;
        });
      // A hydration under way may have read PostgreSQL before the fallback's writes: ours starts after it.
      const running = hydrator.running(event.eventId);
      if (running !== undefined) await this.#waitForLoad(event, running).catch(() => {});
      // Unmarked before the snapshot: a fallback write landing during the hydration marks it again.
      this.#writtenWhileOpen.delete(event.eventId);
      const hydration = hydrator.hydrate(event, 'after-fallback');
      hydration.catch(() => this.#writtenWhileOpen.add(event.eventId));
      await this.#waitForLoad(event, hydration);
    }
    try {
      return await breaker.run(call);
    } catch (error) {
      if (!(error instanceof EventNotLoadedError)) throw error;
      await this.#waitForLoad(event, hydrator.hydrate(event, 'not-loaded'));
      return breaker.run(call);
    }
  }

  async #waitForLoad(event: EventInfo, load: Promise<void>): Promise<void> {
    const waitMs = this.#options.hydrationWaitMs;
    await withTimeout(load, waitMs, () => new EventLoadingError(event.eventId, waitMs));
  }

  /** Makes Redis follow a decision PostgreSQL already took; on any doubt, re-hydrate. */
  async #mirror(eventId: string, call: () => Promise<{ ok: boolean }>): Promise<void> {
    const { events, breaker, hydrator, onBackgroundError } = this.#options;
    const event = await events.get(eventId);
    try {
      const result = await breaker.run(call);
      if (!result.ok) hydrator.hydrate(event, 'stale').catch(onBackgroundError);
    } catch (error) {
      if (error instanceof EventNotLoadedError) return; // the next claim hydrates it
      if (!isInfrastructureError(error)) throw error;
      this.#writtenWhileOpen.add(eventId);
    }
  }

  #record(result: ClaimResult, path: DecisionPath, started: number): ClaimResult {
    noteDecisionPath(path);
    this.#options.onDecision(result.ok ? 'granted' : result.reason, path, (performance.now() - started) / 1_000);
    return result;
  }
}
