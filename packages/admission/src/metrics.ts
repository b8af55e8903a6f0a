import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';

export interface MetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global registry (its `register`). */
  readonly registry?: Registry;
  /** Put before every metric name. Default 'seatgrid_'. */
  readonly prefix?: string;
  /** Labels with fixed values on every metric (say `{ service: 'tickets' }`). Default none. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Where a claim was decided: the in-process cache, the Redis gate, the admission strategy's fallback, or a PostgreSQL-only strategy. */
export type DecisionPath = 'sold-out-cache' | 'redis' | 'pg-fallback' | 'pg';

/** What the reconciler found: taken in Redis but free in PostgreSQL, the reverse, or held in one and sold in the other. */
export type DriftKind = 'leak' | 'unguarded' | 'state';

/**
 * SeatGrid's Prometheus metrics. Creating them twice on one registry returns the ones already
 * there (two instances in one process share them). Label children are cached: the hot path
 * records a decision without building a label object.
 */
export interface SeatGridMetrics {
  /** undefined when metrics are off. */
  readonly registry: Registry | undefined;
  /** Names with the prefix, for other code that adds metrics beside these. */
  readonly prefix: string;
  readonly constLabels: Readonly<Record<string, string>>;
  decision(strategy: string, outcome: string, path: DecisionPath, seconds: number): void;
  pgQuery(): void;
  pgTransaction(): void;
  groupCommitBatch(size: number): void;
  breakerState(state: 0 | 1 | 2, to: 'closed' | 'half-open' | 'open'): void;
  hydration(reason: string): void;
  drift(kind: DriftKind, seats: number): void;
  /** Seats found drifting at the reconciler's last pass: stays above 0 while drift is not repaired. */
  lastPassDrift(seats: number): void;
  compensation(reason: string): void;
  /** A waitlist offer made, or an entry ended ('fulfilled', 'expired', 'left'). */
  waitlistNews(kind: 'offered' | 'fulfilled' | 'expired' | 'left'): void;
  /** Entries waiting on an event now. */
  waitlistWaiting(eventId: string, waiting: number): void;
  /** A counter or gauge of this set, by unprefixed name, for the features that add their own. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): (labels: Record<L, string>, by?: number) => void;
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): (labels: Record<L, string>, value: number) => void;
}

type Metric = Counter<string> | Gauge<string> | Histogram<string>;

export function createMetrics(options: MetricsOptions = {}): SeatGridMetrics {
  const registry = options.registry ?? register;
  const prefix = options.prefix ?? 'seatgrid_';
  const constLabels = Object.freeze({ ...options.labels });
  const constNames = Object.keys(constLabels);

  function once<M extends Metric>(
    name: string,
    make: (fullName: string, labelNames: string[]) => M,
    labelNames: readonly string[] = [],
  ): M {
    const fullName = prefix + name;
    return (registry.getSingleMetric(fullName) as M | undefined) ?? make(fullName, [...constNames, ...labelNames]);
  }

  /** The child for these own label values (given in labelNames order), made once and cached. */
  function labelled<C>(metric: { labels(labels: Record<string, string>): C }, labelNames: readonly string[]): (...values: string[]) => C {
    const children = new Map<string, C>();
    return (...values) => {
      const key = values.join('\u0001');
      let child = children.get(key);
      if (child === undefined) {
        const own = Object.fromEntries(labelNames.map((name, i) => [name, values[i] as string]));
        child = metric.labels({ ...constLabels, ...own });
        children.set(key, child);
      }
      return child;
    };
  }
  const counterOf = (name: string, help: string, labelNames: readonly string[] = []) =>
    once(name, (n, l) => new Counter({ name: n, help, labelNames: l, registers: [registry] }), labelNames);
  const gaugeOf = (name: string, help: string, labelNames: readonly string[] = []) =>
    once(name, (n, l) => new Gauge({ name: n, help, labelNames: l, registers: [registry] }), labelNames);

  const decisions = labelled(
    counterOf('decisions_total', 'Claims decided, by strategy, outcome and path', ['strategy', 'outcome', 'path']),
    ['strategy', 'outcome', 'path'],
  );
  const latencyLabels = ['outcome'];
  const claimLatency = labelled(
    once(
      'claim_latency_seconds',
      (n, l) =>
        new Histogram({
          name: n,
          help: 'Claim latency, by outcome',
          labelNames: l,
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [registry],
        }),
      latencyLabels,
    ),
    latencyLabels,
  );
  const pgQueries = labelled(counterOf('pg_queries_total', 'PostgreSQL statements sent'), [])();
  const pgTransactions = labelled(counterOf('pg_transactions_total', 'PostgreSQL transactions committed'), [])();
  const batchSize = labelled(
    once(
      'group_commit_batch_size',
      (n, l) =>
        new Histogram({
          name: n,
          help: 'Redis winners written to PostgreSQL in one transaction',
          labelNames: l,
          buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
          registers: [registry],
        }),
    ),
    [],
  )();
  const breakerGauge = labelled(gaugeOf('breaker_state', 'Redis breaker: 0 closed, 1 half-open, 2 open'), [])();
  const breakerTransitions = labelled(counterOf('breaker_transitions_total', 'Redis breaker state changes, by new state', ['to']), ['to']);
  const hydrations = labelled(counterOf('hydrations_total', 'Events loaded into Redis from PostgreSQL, by reason', ['reason']), ['reason']);
  const drift = labelled(
    counterOf('reconcile_drift_seats_total', 'Seats whose Redis state differed from PostgreSQL at a reconcile pass, by kind', ['kind']),
    ['kind'],
  );
  const lastDrift = labelled(
    gaugeOf('reconcile_drift_seats', 'Seats found drifting at the last reconcile pass (0: Redis agrees with PostgreSQL)'),
    [],
  )();
  const compensations = labelled(
    counterOf('compensations_total', 'Redis claims given back because their PostgreSQL write did not happen, by reason', ['reason']),
    ['reason'],
  );

  const waitlistNews = labelled(
    counterOf('waitlist_offers_total', 'Waitlist offers made, and how entries ended (fulfilled, expired, left)', ['result']),
    ['result'],
  );
  const waitlistWaiting = labelled(gaugeOf('waitlist_waiting', 'Waitlist entries waiting, by event', ['event']), ['event']);

  return {
    registry,
    prefix,
    constLabels,
    decision(strategy, outcome, path, seconds) {
      decisions(strategy, outcome, path).inc();
      claimLatency(outcome).observe(seconds);
    },
    pgQuery: () => pgQueries.inc(),
    pgTransaction: () => pgTransactions.inc(),
    groupCommitBatch: (size) => batchSize.observe(size),
    breakerState(state, to) {
      breakerGauge.set(state);
      breakerTransitions(to).inc();
    },
    hydration: (reason) => hydrations(reason).inc(),
    drift: (kind, seats) => drift(kind).inc(seats),
    lastPassDrift: (seats) => lastDrift.set(seats),
    compensation: (reason) => compensations(reason).inc(),
    waitlistNews: (kind) => waitlistNews(kind).inc(),
    waitlistWaiting: (eventId, waiting) => waitlistWaiting(eventId).set(waiting),
    counter(name, help, labelNames) {
      const child = labelled(counterOf(name, help, labelNames), labelNames);
      return (labels, by = 1) => child(...labelNames.map((l) => labels[l])).inc(by);
    },
    gauge(name, help, labelNames) {
      const child = labelled(gaugeOf(name, help, labelNames), labelNames);
      return (labels, value) => child(...labelNames.map((l) => labels[l])).set(value);
    },
  };
}

/** Metrics turned off (`metrics: false`): every call does nothing. */
export function noMetrics(): SeatGridMetrics {
  const nothing = () => {};
  return {
    registry: undefined,
    prefix: 'seatgrid_',
    constLabels: {},
    decision: nothing,
    pgQuery: nothing,
    pgTransaction: nothing,
    groupCommitBatch: nothing,
    breakerState: nothing,
    hydration: nothing,
    drift: nothing,
    lastPassDrift: nothing,
    compensation: nothing,
    waitlistNews: nothing,
    waitlistWaiting: nothing,
    counter: () => nothing,
    gauge: () => nothing,
  };
}
