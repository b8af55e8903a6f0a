import type { ClaimRequest } from './claim-request.js';
import type { Gate } from './gate/gate.js';
import type { EvictionRisk } from './gate/eviction-check.js';
import type { ClaimResult } from './results.js';
import { BackgroundJob } from './background-job.js';
import { GridCore, type GridParts, type StartReport } from './seat-grid.js';
import { AdmissionStrategy } from './strategies/admission/admission-strategy.js';
import { Breaker, type BreakerState } from './strategies/admission/breaker.js';
import { GroupCommitter } from './strategies/admission/group-commit.js';
import { Hydrator } from './strategies/admission/hydrator.js';
import { InTransit } from './strategies/admission/in-transit.js';
import { Reconciler, type EventDrift } from './strategies/admission/reconciler.js';
import { WinnerWriter, type WinnerFault } from './strategies/admission/winner-writer.js';
import { createOptimisticStrategy } from './strategies/postgres/optimistic.js';
import type { EventInfo } from './store/events.js';

/** An event this process has not served for this long drops out of the reconciler's passes. */
const ACTIVE_EVENT_WINDOW_MS = 10 * 60_000;

/** What the admission strategy needs beside the shared parts. */
export interface AdmissionParts {
  readonly gate: Gate;
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
  readonly #committer: GroupCommitter;
  readonly #hydrator: Hydrator;
  readonly #reconciler: BackgroundJob<readonly EventDrift[]>;
  /** Events this process served, and when: the reconciler's beat. */
  readonly #active = new Map<string, { readonly event: EventInfo; servedAt: number }>();

  constructor(parts: GridParts, admission: AdmissionParts) {
    super(parts);
    const { settings, store, events, metrics } = parts;
    const onBackgroundError = (error: unknown) => this.reportBackgroundError(error, 'hydration');
    this.gate = admission.gate;
    this.breaker = new Breaker(settings.breaker, (state) => this.#breakerMoved(state));
    this.#committer = new GroupCommitter(store, settings.groupCommit, (size) => metrics.groupCommitBatch(size));
    this.#hydrator = new Hydrator(this.gate, store, this.#committer, (hydration) => {
      metrics.hydration(hydration.reason);
      this.emit('hydrate', hydration);
    });
    const inTransit = new InTransit();
    const winners = new WinnerWriter({
      gate: this.gate,
      store,
      committer: this.#committer,
      hydrator: this.#hydrator,
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
      fallback: createOptimisticStrategy({ store, events, settings: settings.postgres }),
      hydrationWaitMs: settings.hydrationWaitMs,
      onDecision: (outcome, path, seconds) => metrics.decision('admission', outcome, path, seconds),
      onBackgroundError,
    });
    const reconciler = new Reconciler({
      gate: this.gate,
      store,
      hydrator: this.#hydrator,
      settings: settings.reconciler,
      activeEvents: () => this.#recentEvents(),
      heldGraceMs: settings.gate.expiryGraceMs,
      inTransit: (eventId) => inTransit.settled(eventId),
      onDrift: (drift) => {
        for (const [kind, seats] of Object.entries(drift.byKind)) if (seats > 0) metrics.drift(kind as keyof typeof drift.byKind, seats);
        this.emit('drift', drift);
      },
      onPass: (seats) => metrics.lastPassDrift(seats),
    });
    this.#reconciler = new BackgroundJob(settings.reconciler.intervalMs, () => reconciler.reconcile(), (error) =>
      this.reportBackgroundError(error, 'reconciler'),
    );
  }

  /** Whether Redis's maxmemory-policy may evict the gate's keys (asked afresh, within startTimeoutMs). */
  evictionRisk(): Promise<EvictionRisk> {
    return this.whileOpen(() => this.gate.evictionRisk(this.settings.startTimeoutMs));
  }

  /** Rebuilds the event's Redis state from PostgreSQL now. */
  hydrate(eventId: string): Promise<void> {
    return this.whileOpen(async () => this.#hydrator.hydrate(await this.events.get(eventId), 'stale'));
  }

  /** One reconcile pass now (the reconciler does this every interval). */
  reconcileOnce(): Promise<readonly EventDrift[]> {
    return this.whileOpen(() => this.#reconciler.runOnce());
  }

  /** Decided and recorded by the strategy, by path. */
  protected override claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.bookings.claim(request);
  }

  protected override touched<T extends { readonly eventId: string }>(subject: T): T {
    this.#served(super.touched(subject).eventId);
    return subject;
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
    await this.#reconciler.stop();
    await this.#committer.drainAll();
    this.breaker.shutdown();
  }

  #breakerMoved(state: BreakerState): void {
    this.metrics.breakerState(state === 'closed' ? 0 : state === 'half-open' ? 1 : 2, state);
    this.emit('breaker', state);
  }

  #served(eventId: string): void {
    const known = this.#active.get(eventId);
    if (known !== undefined) {
      known.servedAt = Date.now();
      return;
    }
    void this.events.get(eventId).then(
      (event) => this.#active.set(eventId, { event, servedAt: Date.now() }),
      () => {},
    );
  }

  #recentEvents(): EventInfo[] {
    const since = Date.now() - ACTIVE_EVENT_WINDOW_MS;
    for (const [eventId, { servedAt }] of this.#active) if (servedAt < since) this.#active.delete(eventId);
    return [...this.#active.values()].map(({ event }) => event);
  }
}
