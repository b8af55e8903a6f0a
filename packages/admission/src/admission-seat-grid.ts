import { LRUCache } from 'lru-cache';
import type { ClaimRequest } from './claim-request.js';
import { ChangeFeeds, type ChangeListener, type ChangeSubscription } from './gate/change-feeds.js';
import { CACHED_SOLD_OUT, type Gate } from './gate/gate.js';
import { traceCachedRefusal } from './tracing.js';
import type { RedisClient } from './gate/script-runner.js';
import type { EvictionRisk } from './gate/eviction-check.js';
import { EventNotFoundError, NoWaitingRoomError } from './errors.js';
import type { ClaimRefusal, ClaimResult, EntryRef, QueueTicket, WaitlistJoinResult, WaitlistLeaveResult } from './results.js';
import { checkId } from './validation.js';
import type { WaitlistNews } from './gate/waitlist-news.js';
import { WaitlistService, type WaitlistEntry } from './strategies/admission/waitlist-service.js';
import { WaitlistWriter } from './strategies/admission/waitlist-writer.js';
import { BackgroundJob } from './background-job.js';
import { GridCore, type GridParts, type Health, type StartReport } from './seat-grid.js';
import { AdmissionStrategy } from './strategies/admission/admission-strategy.js';
import { Breaker, type BreakerState } from './strategies/admission/breaker.js';
import { GroupCommitter } from './strategies/admission/group-commit.js';
import { Hydrator } from './strategies/admission/hydrator.js';
import { InTransit } from './strategies/admission/in-transit.js';
import { WriteLatency } from './strategies/admission/write-latency.js';
import { Reconciler, type EventDrift } from './strategies/admission/reconciler.js';
import { WinnerWriter, type WinnerFault } from './strategies/admission/winner-writer.js';
import { createOptimisticStrategy } from './strategies/postgres/optimistic.js';
import { activeEvents } from './store/active-events.js';
import type { EventInfo, NewEvent } from './store/events.js';
import { waitingCount } from './store/waitlist.js';

/** An event nobody has written to for this long, and with no live hold, drops out of the reconciler's passes. */
const ACTIVE_EVENT_WINDOW_MS = 10 * 60_000;
const closedNames = Object.freeze({ F: 'fulfilled', E: 'expired', L: 'left' } as const);

/** Events compared per reconcile pass, at most. */
const EVENTS_PER_PASS = 200;

/** How long an event in the recent grants that the database lacks is left out of the passes. */
const MISSING_EVENT_RECHECK_MS = 60_000;

/** What the admission strategy needs beside the shared parts. */
export interface AdmissionParts {
  readonly gate: Gate;
  /** A new connection for a blocking reader of a change stream. */
  readonly openReader: () => RedisClient;
  /** Where the gate sends its waitlist news: the instance points it at its writer. */
  readonly waitlistNews: { target: ((eventId: string, news: readonly WaitlistNews[]) => void) | undefined };
  /** Tests and chaos runs only (see '@seatgrid/admission/testing'). */
  readonly winnerFault?: WinnerFault | undefined;
}

/**
 * A SeatGrid whose claims pass the Redis gate first: losers are refused there with no
 * PostgreSQL work, winners are written to PostgreSQL and answered after their commit, and a
 * breaker sends claims down the optimistic path while Redis is sick.
 */
export class AdmissionSeatGrid extends GridCore {
  readonly strategy = 'admission' as const;
  /** The Redis gate this instance decides with. */
  readonly gate: Gate;
  readonly breaker: Breaker;
  protected readonly bookings: AdmissionStrategy;
  readonly #feeds: ChangeFeeds;
  /** One a shard. */
  readonly #committers: readonly GroupCommitter[];
  readonly #hydrator: Hydrator;
  readonly #waitlistWriter: WaitlistWriter;
  /** Events this process served lately, and when. */
  readonly #served = new Map<string, number>();
  /**
   * Events with recent grants that the database does not have (deleted, or another
   * deployment's on a Redis shared under the same key prefix): looked up again after
   * MISSING_EVENT_RECHECK_MS, not on every pass. Not for the whole window: an id may be made
   * again (ids can be the caller's), and a lost grant of the new event must not wait that long.
   * Room for the ids of ten full passes: more only when the recent grants churn that fast.
   */
  readonly #missingEvents = new LRUCache<string, true>({ max: 10 * EVENTS_PER_PASS, ttl: MISSING_EVENT_RECHECK_MS });
  readonly #waitlist: WaitlistService;
  readonly #reconciler: BackgroundJob<readonly EventDrift[]>;

  constructor(parts: GridParts, admission: AdmissionParts) {
    super(parts);
    const { settings, shards, events, metrics } = parts;
    const onBackgroundError = (error: unknown) => this.reportBackgroundError(error, 'hydration');
    this.gate = admission.gate;
    this.#feeds = new ChangeFeeds(this.gate, admission.openReader);
    this.breaker = new Breaker(settings.breaker, (state) => this.#breakerMoved(state));
    this.#committers = shards.all.map((store) => new GroupCommitter(store, settings.groupCommit, (size) => metrics.groupCommitBatch(size)));
    this.#waitlistWriter = new WaitlistWriter({
      storeFor: async (eventId) => shards.at((await events.get(eventId)).shard),
      onConflict: (eventId) => void this.hydrate(eventId).catch(onBackgroundError),
      onError: (error) => this.reportBackgroundError(error, 'waitlist'),
      onWritten: (eventId, news) => {
        if (news.kind === 'skip') return;
        metrics.waitlistNews(news.kind === 'offer' ? 'offered' : closedNames[news.status]);
        void this.gate.waitlist.length(eventId).then(
          (waiting) => metrics.waitlistWaiting(eventId, waiting),
          () => {},
        );
      },
    });
    admission.waitlistNews.target = (eventId, news) => this.#waitlistWriter.write(eventId, news);
    // Grants decided before a fence are queued for writing first, then the queued writes land.
    const deciding = new InTransit();
    const landed = async (event: EventInfo) => {
      await deciding.settled(event.eventId);
      await Promise.all([
        (this.#committers[event.shard] as GroupCommitter).drain(event.eventId),
        this.#waitlistWriter.drain(event.eventId),
      ]);
    };
    const writeLatency = new WriteLatency();
    this.#hydrator = new Hydrator(
      this.gate,
      shards,
      landed,
      () => writeLatency.lately(),
      (hydration) => {
        metrics.hydration(hydration.reason);
        this.emit('hydrate', hydration);
      },
    );
    const inTransit = new InTransit();
    const winners = new WinnerWriter({
      gate: this.gate,
      shards,
      committers: this.#committers,
      hydrator: this.#hydrator,
      latency: writeLatency,
      onCompensation: (compensation) => {
        metrics.compensation(compensation.reason);
        this.emit('compensation', compensation);
      },
      onBackgroundError: (error) => this.reportBackgroundError(error, 'compensation'),
      fault: admission.winnerFault,
    });
    this.bookings = new AdmissionStrategy({
      gate: this.gate,
      events,
      breaker: this.breaker,
      hydrator: this.#hydrator,
      winners,
      inTransit,
      deciding,
      fallback: createOptimisticStrategy({ shards, events, settings: settings.postgres }),
      hydrationWaitMs: settings.hydrationWaitMs,
      onGrant: (eventId) => void this.gate.grants.note(eventId, ACTIVE_EVENT_WINDOW_MS).catch(onBackgroundError),
      onDecision: (outcome, path, seconds) => metrics.decision('admission', outcome, path, seconds),
      onBackgroundError,
    });
    this.#waitlist = new WaitlistService({ shards, events, gate: this.gate, strategy: this.bookings, writer: this.#waitlistWriter });
    const reconciler = new Reconciler({
      gate: this.gate,
      shards,
      hydrator: this.#hydrator,
      settings: settings.reconciler,
      activeEvents: () => this.#activeEvents(),
      withLease: (eventId, work) => this.gate.withLease(eventId, 'reconcile', settings.reconciler.intervalMs, work),
      heldGraceMs: settings.gate.expiryGraceMs,
      inTransit: (eventId) => inTransit.settled(eventId),
      slowestWrite: () => writeLatency.slowestUnderWay(),
      poolSeats: (eventId) => this.gate.waitlist.pool(eventId),
      waitingEntries: async (eventId) => ({
        redis: await this.gate.waitlist.length(eventId),
        postgres: await waitingCount(shards.at((await events.get(eventId)).shard), eventId),
      }),
      onDrift: (drift) => {
        for (const [kind, seats] of Object.entries(drift.byKind)) if (seats > 0) metrics.drift(kind as keyof typeof drift.byKind, seats);
        this.emit('drift', drift);
      },
      onPass: (seats) => metrics.lastPassDrift(seats),
    });
    this.#reconciler = new BackgroundJob(
      settings.reconciler.intervalMs,
      () => reconciler.reconcile(),
      (error) => this.reportBackgroundError(error, 'reconciler'),
    );
  }

  /** Whether Redis's maxmemory-policy may evict the gate's keys (asked afresh, within startTimeoutMs). */
  evictionRisk(): Promise<EvictionRisk> {
    return this.track(() => this.gate.evictionRisk(this.settings.startTimeoutMs));
  }

  /**
   * Calls `listener` with every change of the event's seats after `afterVersion` (a version
   * from seatMap() or counters()), in order, until the subscription is closed. One Redis reader
   * per watched event serves every subscriber of this process. A 'reset' change means the event
   * was reloaded or the listener fell too far behind: take a new snapshot, then skipTo it.
   */
  watchSeats(eventId: string, afterVersion: number, listener: ChangeListener): ChangeSubscription {
    this.touched({ eventId });
    return this.#feeds.subscribe(eventId, afterVersion, listener);
  }

  /**
   * Puts the user on the event's waitlist for `quantity` seats (1 to the event's per-user
   * limit, or to 100 without one), once per user while their entry waits or holds an offer.
   * Seats freed while anyone waits are offered in arrival order (see the README for the rule
   * when the head's quantity does not fit): an offer is a hold in the user's name for the
   * event's waitlistOfferMs, confirmed like any hold. When seats are free now, the offer comes
   * at once (status 'offered').
   */
  joinWaitlist(request: { eventId: string; userId: string; quantity: number }): Promise<WaitlistJoinResult> {
    return this.track(() => this.#waitlist.join(request));
  }

  /** Takes the user's entry off the waitlist; an offer it holds is declined (its seats go to the next). */
  leaveWaitlist(ref: EntryRef): Promise<WaitlistLeaveResult> {
    return this.track(() => this.#waitlist.leave(ref));
  }

  /** A waitlist entry by its id alone, with its place in the line while it waits. */
  findWaitlistEntry(entryId: string): Promise<WaitlistEntry | undefined> {
    return this.track(() => this.#waitlist.find(entryId));
  }

  /**
   * Puts the user in the event's waiting room (an event created with `waitingRoom`), or answers
   * the ticket they have. Admitted, the ticket carries the admission token the user's claims on
   * the event must send (`admissionToken`). The queue lives in Redis only.
   */
  joinQueue(eventId: string, userId: string): Promise<QueueTicket> {
    return this.track(async () => {
      const event = await this.events.get(checkId('eventId', eventId));
      if (event.waitingRoom === undefined) throw new NoWaitingRoomError(event.eventId);
      const room = event.waitingRoom;
      // Loaded first: a load opens the room; a room Redis lost opens again here.
      await this.bookings.viaGate(event, () => this.gate.counters(event.eventId));
      return this.gate.waitingRoom.join(event.eventId, userId).catch(async (error: unknown) => {
        if (!(error instanceof NoWaitingRoomError)) throw error;
        await this.gate.waitingRoom.open(event.eventId, room);
        return this.gate.waitingRoom.join(event.eventId, userId);
      });
    });
  }

  /** A waiting-room ticket for its owner; undefined for an unknown ticket or someone else's. */
  queueTicket(ticket: string, userId: string): Promise<QueueTicket | undefined> {
    return this.track(() => this.gate.waitingRoom.status(ticket, userId));
  }

  /** Rebuilds the event's Redis state from PostgreSQL now. */
  hydrate(eventId: string): Promise<void> {
    return this.track(async () => this.#hydrator.hydrate(await this.events.get(eventId), 'stale'));
  }

  /** One reconcile pass now (the reconciler does this every interval). */
  reconcileOnce(): Promise<readonly EventDrift[]> {
    return this.track(() => this.#reconciler.runOnce());
  }

  override cachedRefusal(eventId: string): ClaimRefusal | undefined {
    if (!this.gate.knowsSoldOut(eventId)) return undefined;
    this.metrics.decision('admission', 'sold-out', 'sold-out-cache', 0);
    traceCachedRefusal('admission', eventId);
    return CACHED_SOLD_OUT;
  }

  /** Decided and recorded by the strategy, by path. */
  protected override claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.bookings.claim(request);
  }

  protected async startMore(): Promise<StartReport> {
    if (this.settings.reconciler.enabled) this.#reconciler.start();
    const risk = await this.evictionRisk();
    if (!risk.answered) {
      this.breaker.open();
      this.warn(`Redis did not answer within ${this.settings.startTimeoutMs} ms: starting on the PostgreSQL fallback until it does`);
    } else if (!risk.safe) {
      this.warn(
        `Redis maxmemory-policy is ${risk.policy}: under memory pressure it can evict seat maps, and the gate would ` +
          'forget sold seats. Use noeviction (or a volatile-* policy).',
      );
    }
    return { redis: risk.answered ? 'up' : 'down', evictionPolicy: risk.policy, evictionSafe: risk.safe };
  }

  protected async stopMore(): Promise<void> {
    this.#feeds.close();
    await this.#reconciler.stop();
    await Promise.all(this.#committers.map((committer) => committer.drainAll()));
    await this.#waitlistWriter.drainAll();
    await this.#hydrator.settle();
    this.breaker.shutdown();
  }

  protected async moreHealth(): Promise<Omit<Health, 'postgres'>> {
    const timeoutMs = this.settings.startTimeoutMs;
    const up = await this.gate.ping(timeoutMs);
    // Asked afresh, so fixing the policy makes the instance ready again without a restart.
    const risk = up ? await this.gate.evictionRisk(timeoutMs) : { policy: 'unknown', safe: true };
    return { redis: up ? 'up' : 'down', breaker: this.breaker.state, evictionPolicy: risk.policy, evictionSafe: risk.safe };
  }

  /**
   * The events the reconciler compares, in this order: those with Redis grants lately,
   * whichever process served them (a winner whose process died before its write leaves a
   * trace only there); those with live holds or holds changed lately in PostgreSQL, most
   * recently changed first; those this process served.
   */
  async #activeEvents(): Promise<EventInfo[]> {
    const [granted, fromStore] = await Promise.all([
      // Missing events skipped do not count against the pass's events.
      this.gate.grants.recent(ACTIVE_EVENT_WINDOW_MS, EVENTS_PER_PASS + this.#missingEvents.size).catch(() => []),
      Promise.all(this.shards.all.map((store, shard) => activeEvents(store, shard, ACTIVE_EVENT_WINDOW_MS, EVENTS_PER_PASS))),
    ]);
    const since = Date.now() - ACTIVE_EVENT_WINDOW_MS;
    for (const [eventId, servedAt] of this.#served) if (servedAt < since) this.#served.delete(eventId);
    const known = new Map(fromStore.flat().map((event) => [event.eventId, event]));
    const lately = granted.filter((id) => !this.#missingEvents.has(id)).slice(0, EVENTS_PER_PASS);
    const ids = new Set([...lately, ...known.keys(), ...this.#served.keys()]);
    const events = await Promise.all([...ids].map((id) => known.get(id) ?? this.#lookUp(id)));
    return events.filter((event) => event !== undefined);
  }

  async #lookUp(eventId: string): Promise<EventInfo | undefined> {
    try {
      return await this.events.get(eventId);
    } catch (error) {
      if (error instanceof EventNotFoundError) this.#missingEvents.set(eventId, true);
      return undefined;
    }
  }

  /** An event made here is no longer missing, whatever an earlier pass found. */
  override async createEvent(event: NewEvent): Promise<EventInfo> {
    const created = await super.createEvent(event);
    this.#missingEvents.delete(created.eventId);
    return created;
  }

  protected override touched<T extends { readonly eventId: string }>(subject: T): T {
    this.#served.set(super.touched(subject).eventId, Date.now());
    return subject;
  }

  #breakerMoved(state: BreakerState): void {
    this.metrics.breakerState(state === 'closed' ? 0 : state === 'half-open' ? 1 : 2, state);
    this.emit('breaker', state);
  }
}
