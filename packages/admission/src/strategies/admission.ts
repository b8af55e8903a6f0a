import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { Admission } from '../engine/admission.js';
import { idempotencyRecordKey } from '../engine/keys.js';
import type { RedisClient } from '../engine/script-runner.js';
import { EventNotLoadedError, IdempotencyInFlightError } from '../errors.js';
import type { AdmissionMetrics, DecisionPath } from '../metrics.js';
import { checkEvictionRisk, type EvictionRisk } from '../pipeline/eviction-check.js';
import { GroupCommitter, type GroupCommitSettings } from '../pipeline/group-commit.js';
import { Hydrator } from '../pipeline/hydrator.js';
import { InTransit } from '../pipeline/in-transit.js';
import { Reconciler, type ReconcileSettings } from '../pipeline/reconciler.js';
import { isInfrastructureError, RedisBreaker, type BreakerSettings } from '../pipeline/redis-breaker.js';
import type {
  BestAvailableClaim,
  ClaimGranted,
  ClaimResult,
  ConfirmResult,
  HoldRef,
  ReleaseResult,
  SeatClaim,
  SeatMap,
} from '../results.js';
import { seatIndex } from '../seats.js';
import type { AdmissionSettings } from '../settings.js';
import type { Database } from '../store/database.js';
import type { EventInfo } from '../store/events.js';
import type { SeatTake } from '../store/seat-writes.js';
import { EventCache } from './event-cache.js';
import type { BookingStrategy } from './strategy.js';

export interface AdmissionStrategyOptions {
  readonly db: Kysely<Database>;
  readonly redis: RedisClient;
  /** The PostgreSQL path: decides confirms, releases and cancels, and every claim while Redis is sick. */
  readonly fallback: BookingStrategy;
  readonly gate?: Partial<AdmissionSettings>;
  readonly breaker?: Partial<BreakerSettings>;
  readonly groupCommit?: Partial<GroupCommitSettings>;
  readonly reconcile?: Partial<ReconcileSettings>;
  readonly metrics?: AdmissionMetrics;
  /** Where background failures (re-hydration, reconcile passes) are reported. */
  readonly onBackgroundError?: (error: unknown) => void;
  /** Where start-up warnings go (an evicting Redis); default: process.emitWarning, on stderr. */
  readonly onWarning?: (message: string) => void;
  /**
   * Fault injection for tests and chaos runs, called after a Redis win and before its
   * PostgreSQL write: 'fail' makes the write fail; 'vanish' returns as if the process died
   * (no write, no compensation).
   */
  readonly beforeWinnerWrite?: (take: SeatTake) => 'write' | 'fail' | 'vanish';
}

/**
 * Redis reaps this long after PostgreSQL's expiry, so a confirm that PostgreSQL accepted
 * is always mirrored before the reap: it covers the commit-to-Redis step and clock skew
 * (milliseconds on one host; raise it when Redis and PostgreSQL clocks may drift more).
 */
const DEFAULT_EXPIRY_GRACE_MS = 500;

/** A hydration outlasted the breaker's timeout: like a slow Redis call, the request takes the fallback path. */
class HydrationTooSlowError extends Error {
  readonly code = 'EHYDRATIONSLOW';

  constructor(timeoutMs: number) {
    super(`re-hydrating the event took longer than ${timeoutMs} ms`);
  }
}

/** An event the process has not served for this long drops out of the reconciler's passes. */
const ACTIVE_EVENT_WINDOW_MS = 10 * 60_000;

/**
 * The admission strategy: the Redis gate decides who gets which seats; losers are refused
 * there with zero PostgreSQL work; winners are written to PostgreSQL (group commit) and
 * answered only after their commit. A winner PostgreSQL refuses (Redis was stale) is
 * released in Redis before the caller hears back, and the event re-hydrated. While Redis
 * is sick the breaker sends requests down the fallback (optimistic) path; events written
 * that way are re-hydrated before Redis admits for them again.
 */
export class AdmissionStrategy implements BookingStrategy {
  readonly name = 'admission' as const;
  readonly gate: Admission;
  readonly breaker: RedisBreaker;
  readonly reconciler: Reconciler;
  readonly #redis: RedisClient;
  readonly #db: Kysely<Database>;
  readonly #fallback: BookingStrategy;
  readonly #events: EventCache;
  readonly #committer: GroupCommitter;
  readonly #hydrator: Hydrator;
  readonly #metrics: AdmissionMetrics | undefined;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #onWarning: (message: string) => void;
  readonly #beforeWinnerWrite: AdmissionStrategyOptions['beforeWinnerWrite'];
  /** Events written through the fallback: re-hydrate before the gate decides for them. */
  readonly #writtenWhileOpen = new Set<string>();
  /** Events this process served: the reconciler's beat. */
  readonly #active = new Map<string, { readonly event: EventInfo; servedAt: number }>();
  /** Operations between their two stores, by event: the reconciler lets them land. */
  readonly #inTransit = new InTransit();
  /** Winners whose PostgreSQL write is under way, by hold id: a replay waits for it. */
  readonly #writing = new Map<string, Promise<ClaimResult>>();

  constructor(options: AdmissionStrategyOptions) {
    this.#redis = options.redis;
    this.#db = options.db;
    this.#fallback = options.fallback;
    this.#metrics = options.metrics;
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    this.#onWarning = options.onWarning ?? ((message) => process.emitWarning(message, 'SeatGridWarning'));
    this.#beforeWinnerWrite = options.beforeWinnerWrite;
    this.gate = new Admission({ redis: options.redis, expiryGraceMs: DEFAULT_EXPIRY_GRACE_MS, ...options.gate });
    this.#events = new EventCache(options.db);
    this.#committer = new GroupCommitter(options.db, options.groupCommit);
    this.#hydrator = new Hydrator(this.gate, options.db, this.#committer, options.metrics);
    this.breaker = new RedisBreaker(options.breaker, options.metrics);
    this.reconciler = new Reconciler({
      gate: this.gate,
      db: options.db,
      hydrator: this.#hydrator,
      activeEvents: () => this.#recentEvents(),
      heldGraceMs: this.gate.settings.expiryGraceMs,
      inTransit: (eventId) => this.#inTransit.settled(eventId),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      ...(options.reconcile === undefined ? {} : { settings: options.reconcile }),
    });
  }

  /**
   * Starts the background reconciler (the API server does; tests call reconcileOnce) and
   * warns when Redis may evict admission keys. Resolves with that check, for readiness.
   */
  async start(): Promise<EvictionRisk> {
    this.reconciler.start(this.#onBackgroundError);
    const risk = await this.evictionRisk();
    if (!risk.safe) {
      this.#onWarning(
        `Redis maxmemory-policy is ${risk.policy}: under memory pressure it can evict seat maps, and the gate would ` +
          'forget sold seats. Use noeviction (or a volatile-* policy).',
      );
    }
    return risk;
  }

  close(): void {
    this.reconciler.stop();
    this.breaker.shutdown();
  }

  evictionRisk(): Promise<EvictionRisk> {
    return checkEvictionRisk(this.#redis);
  }

  /** Rebuilds the event's Redis state from PostgreSQL now. */
  async hydrate(eventId: string): Promise<void> {
    await this.#hydrator.hydrate(await this.#event(eventId), 'stale');
  }

  claimSeats(claim: SeatClaim): Promise<ClaimResult> {
    const claiming = this.#claim(claim, (c) => this.gate.claimSeats(c), (c) => this.#fallback.claimSeats(c));
    return this.#inTransit.track(claim.eventId, claiming);
  }

  claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult> {
    const claiming = this.#claim(claim, (c) => this.gate.claimBestAvailable(c), (c) => this.#fallback.claimBestAvailable(c));
    return this.#inTransit.track(claim.eventId, claiming);
  }

  confirm(ref: HoldRef): Promise<ConfirmResult> {
    // PostgreSQL decides (only an unexpired hold, or a late one whose seats are still free);
    // Redis, which reaps only after the grace, follows.
    return this.#decideThenMirror(ref, (r) => this.#fallback.confirm(r), (r) => this.gate.confirm(r));
  }

  release(ref: HoldRef): Promise<ReleaseResult> {
    return this.#decideThenMirror(ref, (r) => this.#fallback.release(r), (r) => this.gate.release(r));
  }

  cancel(ref: HoldRef): Promise<ReleaseResult> {
    return this.#decideThenMirror(ref, (r) => this.#fallback.cancel(r), (r) => this.gate.cancel(r));
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
    return this.#inTransit.track(ref.eventId, operation);
  }

  /** From Redis, no PostgreSQL work; from PostgreSQL while Redis is sick. */
  async seatMap(eventId: string): Promise<SeatMap> {
    const event = await this.#event(eventId);
    try {
      return await this.#viaGate(event, () => this.gate.seatMap(eventId));
    } catch (error) {
      if (!isInfrastructureError(error)) throw error;
      return this.#fallback.seatMap(eventId);
    }
  }

  async #event(eventId: string): Promise<EventInfo> {
    const event = await this.#events.get(eventId);
    this.#active.set(eventId, { event, servedAt: Date.now() });
    return event;
  }

  #recentEvents(): EventInfo[] {
    const since = Date.now() - ACTIVE_EVENT_WINDOW_MS;
    for (const [eventId, { servedAt }] of this.#active) if (servedAt < since) this.#active.delete(eventId);
    return [...this.#active.values()].map(({ event }) => event);
  }

  async #claim<C extends SeatClaim | BestAvailableClaim>(
    claim: C,
    viaGate: (claim: C) => Promise<ClaimResult>,
    viaFallback: (claim: C) => Promise<ClaimResult>,
  ): Promise<ClaimResult> {
    const started = performance.now();
    const event = await this.#event(claim.eventId);
    const withTtl: C = { ...claim, holdTtlMs: claim.holdTtlMs ?? event.holdTtlMs };
    // A second pass only when a replayed grant turns out never written (see #durableReplay).
    for (let pass = 1; ; pass++) {
      let result: ClaimResult;
      try {
        result = await this.#viaGate(event, () => viaGate(withTtl));
      } catch (error) {
        if (!isInfrastructureError(error)) throw error;
        this.#writtenWhileOpen.add(event.eventId);
        return this.#record(await viaFallback(withTtl), 'pg-fallback', started);
      }
      if (!result.ok) return this.#record(result, result.reason === 'sold-out' && result.cached ? 'sold-out-cache' : 'redis', started);
      if (result.replayed) {
        const replay = await this.#durableReplay(event, result);
        if (replay !== 'never-written') return this.#record(replay, 'redis', started);
        // Twice in a row: the record is some other request's, still being written.
        if (pass > 1) throw new IdempotencyInFlightError();
        // The grant died with the process that won it: forget its answer and decide afresh.
        await this.#forgetAnswer(event, claim);
        continue;
      }
      const writing = this.#persist(event, claim, result);
      this.#writing.set(result.holdId, writing);
      try {
        return this.#record(await writing, 'redis', started);
      } finally {
        this.#writing.delete(result.holdId);
      }
    }
  }

  /**
   * Runs a gate call, hydrating first when the event needs it. Hydration is not timed by the
   * breaker (a big event takes a while), but a caller waits for it only as long as the
   * breaker would wait for Redis: then it takes the fallback path and the hydration runs on.
   * On a slow Redis every request would otherwise queue behind a hydration of many slow
   * round trips. Before re-hydrating, a cheap read through the breaker checks that Redis
   * answers in time, so a slow Redis still opens the breaker.
   */
  async #viaGate<T>(event: EventInfo, call: () => Promise<T>): Promise<T> {
    if (this.#writtenWhileOpen.has(event.eventId) && this.breaker.state === 'closed') {
      await this.breaker.run(() => this.gate.counters(event.eventId)).catch((error: unknown) => {
        if (!(error instanceof EventNotLoadedError)) throw error;
      });
      // Unmarked before the snapshot: a fallback write landing during the hydration marks it again.
      this.#writtenWhileOpen.delete(event.eventId);
      const hydration = this.#hydrator.hydrate(event, 'after-fallback');
      hydration.catch(() => this.#writtenWhileOpen.add(event.eventId));
      await this.#waitForHydration(hydration);
    }
    try {
      return await this.breaker.run(call);
    } catch (error) {
      if (!(error instanceof EventNotLoadedError)) throw error;
      await this.#waitForHydration(this.#hydrator.hydrate(event, 'not-loaded'));
      return this.breaker.run(call);
    }
  }

  async #waitForHydration(hydration: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new HydrationTooSlowError(this.breaker.settings.timeoutMs)), this.breaker.settings.timeoutMs);
    });
    try {
      await Promise.race([hydration, slow]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #persist(event: EventInfo, claim: SeatClaim | BestAvailableClaim, granted: ClaimGranted): Promise<ClaimResult> {
    const take: SeatTake = {
      eventId: event.eventId,
      holdId: granted.holdId,
      userId: claim.userId,
      seatIndexes: granted.seats.map((seat) => seatIndex(seat, event.cols)),
      expiresAt: granted.expiresAt,
    };
    const fault = this.#beforeWinnerWrite?.(take) ?? 'write';
    if (fault === 'vanish') return granted;
    let outcome;
    try {
      if (fault === 'fail') throw new Error('injected PostgreSQL write failure');
      outcome = await this.#committer.write(take);
    } catch (error) {
      await this.#compensate(event, claim, granted, 'pg-error');
      throw error;
    }
    if (outcome === 'written') return granted;
    await this.#compensate(event, claim, granted, 'pg-refused');
    this.#hydrator.hydrate(event, 'stale').catch(this.#onBackgroundError);
    return { ok: false, reason: 'seats-taken', takenSeats: granted.seats, replayed: false };
  }

  /**
   * Gives a Redis win back and forgets its idempotent answer (a retry must claim afresh, not
   * replay a grant PostgreSQL never had); each step is tried whatever the other did. If Redis
   * cannot be reached the reconciler frees the seats later; if the event is not loaded (a
   * hydration fenced it, Redis lost it) there is nothing to give back: it is loaded from
   * PostgreSQL, which never had this win.
   */
  async #compensate(event: EventInfo, claim: SeatClaim | BestAvailableClaim, granted: ClaimGranted, reason: string): Promise<void> {
    this.#metrics?.compensations.inc({ reason });
    const ref = { eventId: event.eventId, userId: claim.userId, holdId: granted.holdId };
    const giveBack = (granted.status === 'sold' ? this.gate.cancel(ref) : this.gate.release(ref)).catch((error: unknown) => {
      if (!(error instanceof EventNotLoadedError)) throw error;
    });
    for (const step of await Promise.allSettled([giveBack, this.#forgetAnswer(event, claim)])) {
      if (step.status === 'rejected') this.#onBackgroundError(step.reason);
    }
  }

  /**
   * A replayed grant is acknowledged only once its first write has committed. Not in
   * PostgreSQL and not being written here, it is either being written by another process (its
   * hold is still live in Redis: the caller retries) or it was never written: the process that
   * won it died, and a re-hydration or the expiry has since taken the hold out of Redis.
   */
  async #durableReplay(event: EventInfo, replay: ClaimGranted): Promise<ClaimResult | 'never-written'> {
    const first = this.#writing.get(replay.holdId);
    if (first !== undefined) {
      const outcome = await first;
      return outcome.ok ? replay : outcome;
    }
    const written = await this.#db.selectFrom('holds').select('id').where('id', '=', replay.holdId).executeTakeFirst();
    if (written !== undefined) return replay;
    const status = await this.gate.holdStatus(event.eventId, replay.holdId);
    if (status === 'held' || status === 'sold') throw new IdempotencyInFlightError();
    return 'never-written';
  }

  /** Deletes the claim's idempotency record, so a retry claims afresh. */
  async #forgetAnswer(event: EventInfo, claim: SeatClaim | BestAvailableClaim): Promise<void> {
    if (claim.idempotencyKey === undefined) return;
    await this.#redis.del(idempotencyRecordKey(this.gate.settings.keyPrefix, event.eventId, claim.userId, claim.idempotencyKey));
  }

  /** Makes Redis follow a decision PostgreSQL already took; on any doubt, re-hydrate. */
  async #mirror(eventId: string, call: () => Promise<{ ok: boolean }>): Promise<void> {
    const event = await this.#event(eventId);
    try {
      const result = await this.breaker.run(call);
      if (!result.ok) this.#hydrator.hydrate(event, 'stale').catch(this.#onBackgroundError);
    } catch (error) {
      if (error instanceof EventNotLoadedError) return; // the next claim hydrates it
      if (!isInfrastructureError(error)) throw error;
      this.#writtenWhileOpen.add(eventId);
    }
  }

  #record(result: ClaimResult, path: DecisionPath, started: number): ClaimResult {
    const outcome = result.ok ? 'granted' : result.reason;
    this.#metrics?.decisions.inc({ strategy: this.name, outcome, path });
    this.#metrics?.claimLatency.observe({ outcome }, (performance.now() - started) / 1_000);
    return result;
  }
}

export function createAdmissionStrategy(options: AdmissionStrategyOptions): AdmissionStrategy {
  return new AdmissionStrategy(options);
}
