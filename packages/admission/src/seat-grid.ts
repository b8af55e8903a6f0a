import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { MigrationResultSet } from 'kysely/migration';
import { BackgroundJob } from './background-job.js';
import { prepareBestClaim, prepareSeatClaim, type ClaimRequest } from './claim-request.js';
import { ClosedError } from './errors.js';
import type { SeatGridMetrics } from './metrics.js';
import type {
  BestAvailableClaim,
  ClaimRefusal,
  ClaimResult,
  ConfirmResult,
  EventCounters,
  ExtendResult,
  HoldRef,
  ReleaseResult,
  SeatClaim,
  SeatMap,
} from './results.js';
import type { BackgroundTask, SeatGridEvents } from './seat-grid-events.js';
import type { SeatGridSettings } from './settings.js';
import type { BreakerState } from './strategies/admission/breaker.js';
import { withTimeout } from './with-timeout.js';
import { sql } from 'kysely';
import { auditEvent, type EventAudit } from './store/audit.js';
import type { EventCache } from './store/event-cache.js';
import { createEvent, listEvents, seatStates, type EventInfo, type NewEvent } from './store/events.js';
import { sweepExpiredHolds, type ExpiredHoldRow } from './store/hold-sweeper.js';
import { findHold, type HoldRecord } from './store/holds.js';
import { migrateDown, migrateToLatest } from './store/migrate.js';
import type { Shards } from './store/shards.js';
import { randomUUID } from 'node:crypto';
import type { BookingStrategy, ComparisonStrategyName } from './strategies/strategy.js';
import { checkId, checkWhole } from './validation.js';

/** What start() found. */
export interface StartReport {
  /** 'unused' for the PostgreSQL strategies; 'down' when Redis did not answer within startTimeoutMs (the instance then starts on the fallback). */
  readonly redis: 'up' | 'down' | 'unused';
  /** Redis's maxmemory-policy and whether it may evict the gate's keys (admission strategy). */
  readonly evictionPolicy: string;
  readonly evictionSafe: boolean;
}

/**
 * Carries failures of what is built before the instance (its connections' error listeners)
 * to the instance's backgroundError event.
 */
export class BackgroundErrorRelay {
  target: ((error: unknown, task: BackgroundTask) => void) | undefined;

  report(error: unknown, task: BackgroundTask): void {
    this.target?.(error, task);
  }
}

/** What a readiness check wants to know; every probe answers within startTimeoutMs. */
export interface Health {
  readonly postgres: 'up' | 'down';
  readonly redis: 'up' | 'down' | 'unused';
  readonly breaker: BreakerState | 'unused';
  readonly evictionPolicy: string;
  readonly evictionSafe: boolean;
}

/** The parts every instance is built on; the factory makes them. */
export interface GridParts {
  readonly relay: BackgroundErrorRelay;
  readonly settings: Readonly<SeatGridSettings>;
  readonly shards: Shards;
  readonly events: EventCache;
  readonly metrics: SeatGridMetrics;
  /** Closes what the instance opened itself (its pool, its Redis client), after its work stopped. */
  readonly closeOwned: () => Promise<void>;
}

/**
 * What every SeatGrid does, whatever its strategy: the lifecycle (start, close), the store
 * (migrate, events, holds, audit) and the operations, validated once at this boundary.
 */
export abstract class GridCore extends EventEmitter<SeatGridEvents> {
  abstract readonly strategy: ComparisonStrategyName;
  readonly settings: Readonly<SeatGridSettings>;
  protected readonly shards: Shards;
  protected readonly events: EventCache;
  protected readonly metrics: SeatGridMetrics;
  protected abstract readonly bookings: BookingStrategy;
  readonly #sweeper: BackgroundJob<readonly ExpiredHoldRow[]>;
  readonly #closeOwned: () => Promise<void>;
  /** Calls under way: close() lets them finish before it closes anything. */
  readonly #calls = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  constructor(parts: GridParts) {
    super();
    this.settings = parts.settings;
    this.shards = parts.shards;
    this.events = parts.events;
    this.metrics = parts.metrics;
    this.#closeOwned = parts.closeOwned;
    parts.relay.target = (error, task) => this.reportBackgroundError(error, task);
    this.#sweeper = new BackgroundJob(
      parts.settings.sweeper.intervalMs,
      () => this.#sweepAll(),
      (error) => this.reportBackgroundError(error, 'sweeper'),
    );
  }

  /** Creates or updates SeatGrid's tables in its schema (safe at every start: concurrent callers wait). */
  migrate(): Promise<MigrationResultSet> {
    return this.track(() => this.#eachShard((store) => migrateToLatest(store.db, store.schema)));
  }

  /** Undoes the newest migration. */
  migrateDown(): Promise<MigrationResultSet> {
    return this.track(() => this.#eachShard((store) => migrateDown(store.db, store.schema)));
  }

  /** Starts the background jobs (unless turned off); bounded by startTimeoutMs. */
  async start(): Promise<StartReport> {
    this.#open();
    if (this.settings.sweeper.enabled) this.#sweeper.start();
    return this.startMore();
  }

  /** What the strategy starts beside the sweeper. */
  protected abstract startMore(): Promise<StartReport>;

  /**
   * Stops taking calls, lets writes under way land, stops the background jobs and closes what
   * the instance opened, so the process can exit by itself. Calls after close() throw ClosedError.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.allSettled([...this.#calls]);
      await this.stopMore();
      await this.#sweeper.stop();
      await this.#closeOwned();
    })();
    return this.#closed;
  }

  /** What the strategy stops before the shared parts close. */
  protected abstract stopMore(): Promise<void>;

  /** Creates an event (a rows × cols grid of free seats) in PostgreSQL. */
  createEvent(event: NewEvent): Promise<EventInfo> {
    return this.track(async () => {
      const eventId = event.eventId === undefined ? randomUUID() : checkId('eventId', event.eventId);
      const shard = await this.shards.place(eventId);
      try {
        return await createEvent(this.shards.at(shard), shard, { ...event, eventId });
      } catch (error) {
        await this.shards.unplace(eventId).catch(() => {});
        throw error;
      }
    });
  }

  findEvent(eventId: string): Promise<EventInfo | undefined> {
    return this.track(() => this.events.find(checkId('eventId', eventId)));
  }

  /**
   * Events a page at a time, ordered by id: pass the `nextCursor` of a page to get the next
   * (undefined on the last page). `limit`: 1-100.
   */
  listEvents(page: { limit?: number; cursor?: string } = {}): Promise<{ events: EventInfo[]; nextCursor: string | undefined }> {
    return this.track(async () => {
      const limit = checkWhole('limit', page.limit ?? 50, 1, 100);
      const after = page.cursor === undefined ? undefined : checkId('cursor', page.cursor);
      const perShard = await Promise.all(this.shards.all.map((store, shard) => listEvents(store, shard, limit + 1, after)));
      const events = perShard.flat().sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
      const more = events.length > limit;
      const shown = events.slice(0, limit);
      return { events: shown, nextCursor: more ? shown.at(-1)?.eventId : undefined };
    });
  }

  /** A hold (or booking: the same id) by its id alone, as an API that names only the hold needs. */
  findHold(holdId: string): Promise<HoldRecord | undefined> {
    return this.track(async () => {
      const id = checkId('holdId', holdId);
      // A hold id names no event: each shard is asked (one indexed lookup each).
      const found = await Promise.all(this.shards.all.map((store) => findHold(store, id)));
      return found.find((hold) => hold !== undefined);
    });
  }

  /** Claims exactly these seats, or none of them. */
  claimSeats(claim: SeatClaim): Promise<ClaimResult> {
    return this.track(() => this.claim(this.touched(prepareSeatClaim(claim))));
  }

  /** Claims the best `quantity` free seats. */
  claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult> {
    return this.track(() => this.claim(this.touched(prepareBestClaim(claim))));
  }

  /**
   * The refusal a claim on this event without an idempotency key would get at once from this
   * process's sold-out cache, counted as a decision like one; undefined when the cache does
   * not know (then make the claim). No I/O: for callers that answer before they read the
   * rest of a request. Only the admission strategy keeps the cache.
   */
  cachedRefusal(_eventId: string): ClaimRefusal | undefined {
    return undefined;
  }

  /** A validated claim, through the strategy. */
  protected async claim(request: ClaimRequest): Promise<ClaimResult> {
    const started = performance.now();
    const result = await this.bookings.claim(request);
    this.metrics.decision(this.strategy, result.ok ? 'granted' : result.reason, 'pg', (performance.now() - started) / 1_000);
    return result;
  }

  /** Makes a hold's seats sold (payment done). Confirming twice is harmless (alreadyConfirmed: true). */
  confirm(ref: HoldRef): Promise<ConfirmResult> {
    return this.track(() => this.bookings.confirm(this.touched(ref)));
  }

  /** Gives a hold's seats back. */
  release(ref: HoldRef): Promise<ReleaseResult> {
    return this.track(() => this.bookings.release(this.touched(ref)));
  }

  /** Cancels a confirmed booking: its seats are free again. */
  cancel(ref: HoldRef): Promise<ReleaseResult> {
    return this.track(() => this.bookings.cancel(this.touched(ref)));
  }

  /**
   * Extends an unexpired hold one TTL on from now, within its cap: at most twice the event's
   * hold TTL after it was made (a waitlist offer: twice the offer time). 'extension-limit' when
   * it lives as long as it may already.
   */
  extend(ref: HoldRef): Promise<ExtendResult> {
    return this.track(() => this.bookings.extend(this.touched(ref)));
  }

  /** The seat map, one character a seat ('.' free, 'H' held, 'S' sold), row-major. */
  seatMap(eventId: string): Promise<SeatMap> {
    return this.track(() => this.bookings.seatMap(this.touched({ eventId }).eventId));
  }

  /** The event's counters, without its seat map. */
  counters(eventId: string): Promise<EventCounters> {
    return this.track(() => this.bookings.counters(checkId('eventId', eventId)));
  }

  /** What PostgreSQL says about the event: oversold, double-booked and partial seats (all must be 0), seats sold and held. */
  audit(eventId: string): Promise<EventAudit> {
    return this.track(async () => {
      const event = await this.events.get(checkId('eventId', eventId));
      return auditEvent(this.shards.at(event.shard), event.eventId);
    });
  }

  /**
   * The seat states as PostgreSQL (the store of record) has them, one character a seat like
   * seatMap's, whatever the strategy: for audits that compare the gate with the truth. A hold
   * counts as held until the grace past its expiry, as Redis reaps it.
   */
  storedSeatStates(eventId: string): Promise<string> {
    return this.track(async () => {
      const event = await this.events.get(checkId('eventId', eventId));
      return seatStates(this.shards.at(event.shard), event, this.settings.gate.expiryGraceMs);
    });
  }

  /** The state of what the instance depends on, asked afresh (readiness checks call this). */
  health(): Promise<Health> {
    return this.track(async () => ({ postgres: await this.postgresHealth(), ...(await this.moreHealth()) }));
  }

  protected async postgresHealth(): Promise<'up' | 'down'> {
    const ping = Promise.all(this.shards.all.map((store) => sql`select 1`.execute(store.db)));
    return withTimeout(ping, this.settings.startTimeoutMs, () => new Error('PostgreSQL did not answer')).then(
      () => 'up' as const,
      () => 'down' as const,
    );
  }

  /** What the strategy adds to health(). */
  protected abstract moreHealth(): Promise<Omit<Health, 'postgres'>>;

  /** One sweep of due holds now (the sweeper does this every interval). */
  sweepOnce(): Promise<readonly ExpiredHoldRow[]> {
    return this.track(() => this.#sweeper.runOnce());
  }

  /** Every operation's event passes here before it runs: its id is checked; returns the argument. */
  protected touched<T extends { readonly eventId: string }>(subject: T): T {
    checkId('eventId', subject.eventId);
    return subject;
  }

  protected reportBackgroundError(error: unknown, task: BackgroundTask): void {
    if (this.listenerCount('backgroundError') > 0) this.emit('backgroundError', error, task);
    else process.emitWarning(`SeatGrid ${task} failed: ${error instanceof Error ? error.message : String(error)}`, 'SeatGridWarning');
  }

  protected warn(message: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', message);
    else process.emitWarning(message, 'SeatGridWarning');
  }

  #open(): void {
    if (this.#closed !== undefined) throw new ClosedError();
  }

  /** Runs `work` on every shard's store in turn; the results of all, in shard order. */
  async #eachShard(work: (store: Shards['all'][number]) => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
    const results: NonNullable<MigrationResultSet['results']>[number][] = [];
    for (const store of this.shards.all) results.push(...((await work(store)).results ?? []));
    return { results };
  }

  /** One sweep pass over every shard. */
  async #sweepAll(): Promise<readonly ExpiredHoldRow[]> {
    const expired: ExpiredHoldRow[] = [];
    for (const store of this.shards.all)
      expired.push(...(await sweepExpiredHolds(store, this.settings.sweeper.batch, this.settings.gate.expiryGraceMs)));
    return expired;
  }

  /** Runs a call unless the instance is closed, and tracks it until it settles (close() waits for it). */
  protected track<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed !== undefined) return Promise.reject(new ClosedError());
    let call: Promise<T>;
    try {
      call = run();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#calls.add(call);
    const forget = () => this.#calls.delete(call);
    call.then(forget, forget);
    return call;
  }
}
