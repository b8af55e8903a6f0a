import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The pipeline's Prometheus metrics, all named seatgrid_*. Registered on the registry the
 * caller passes (so several instances, or tests, don't collide), or on a fresh one.
 */
export interface AdmissionMetrics {
  readonly registry: Registry;
  /** Claims decided, by strategy, outcome (granted or the refusal reason) and path. */
  readonly decisions: Counter<'strategy' | 'outcome' | 'path'>;
  readonly pgQueries: Counter;
  readonly pgTransactions: Counter;
  /** 0 closed, 1 half-open, 2 open. */
  readonly breakerState: Gauge;
  readonly breakerTransitions: Counter<'to'>;
  readonly hydrations: Counter<'reason'>;
  /** Seats whose Redis state differed from PostgreSQL's, found by the reconciler. */
  readonly reconcileDrift: Counter;
  readonly compensations: Counter<'reason'>;
  readonly claimLatency: Histogram<'outcome'>;
}

/** Where a claim was decided: the in-process cache, the Redis gate, the admission strategy's fallback, or a PostgreSQL-only strategy. */
export type DecisionPath = 'sold-out-cache' | 'redis' | 'pg-fallback' | 'pg';

export function createMetrics(registry: Registry = new Registry()): AdmissionMetrics {
  const registers = [registry];
  return {
    registry,
    decisions: new Counter({
      name: 'seatgrid_decisions_total',
      help: 'Claims decided, by strategy, outcome and path',
      labelNames: ['strategy', 'outcome', 'path'],
      registers,
    }),
    pgQueries: new Counter({ name: 'seatgrid_pg_queries_total', help: 'PostgreSQL queries sent', registers }),
    pgTransactions: new Counter({ name: 'seatgrid_pg_transactions_total', help: 'PostgreSQL transactions committed', registers }),
    breakerState: new Gauge({ name: 'seatgrid_breaker_state', help: 'Redis breaker: 0 closed, 1 half-open, 2 open', registers }),
    breakerTransitions: new Counter({
      name: 'seatgrid_breaker_transitions_total',
      help: 'Redis breaker state changes, by new state',
      labelNames: ['to'],
      registers,
    }),
    hydrations: new Counter({
      name: 'seatgrid_hydrations_total',
      help: 'Events loaded into Redis from PostgreSQL, by reason',
      labelNames: ['reason'],
      registers,
    }),
    reconcileDrift: new Counter({
      name: 'seatgrid_reconcile_drift_seats_total',
      help: 'Seats whose Redis state differed from PostgreSQL at a reconcile pass',
      registers,
    }),
    compensations: new Counter({
      name: 'seatgrid_compensations_total',
      help: 'Redis claims released because their PostgreSQL write did not happen',
      labelNames: ['reason'],
      registers,
    }),
    claimLatency: new Histogram({
      name: 'seatgrid_claim_latency_seconds',
      help: 'Claim latency, by outcome',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}
