import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { RedisClient } from '../engine/script-runner.js';
import { InvalidInputError } from '../errors.js';
import type { AdmissionMetrics } from '../metrics.js';
import type { ClaimResult } from '../results.js';
import type { Database } from '../store/database.js';
import { createAdmissionStrategy, type AdmissionStrategyOptions } from './admission.js';
import { createNaiveStrategy } from './naive.js';
import { createOptimisticStrategy } from './optimistic.js';
import { createPessimisticStrategy } from './pessimistic.js';
import type { PgStrategyOptions } from './pg-claims.js';
import type { BookingStrategy, StrategyName } from './strategy.js';

export interface StrategyDependencies {
  readonly db: Kysely<Database>;
  /** The admission strategy's gate; the others don't use Redis. */
  readonly redis?: RedisClient;
  readonly metrics?: AdmissionMetrics;
  /** Options of the PostgreSQL strategies (and of the admission strategy's fallback). */
  readonly pg?: Omit<PgStrategyOptions, 'db'>;
  readonly admission?: Omit<AdmissionStrategyOptions, 'db' | 'redis' | 'fallback' | 'metrics'>;
}

/**
 * A strategy with its background work: start() after creating it (for the admission
 * strategy it resolves with the Redis eviction check, for readiness), close() before exit.
 */
export interface RunningStrategy extends BookingStrategy {
  start(): Promise<unknown>;
  close(): void;
}

/** Builds the named strategy, so the API and the bench swap them by name. */
export function createStrategy(name: StrategyName, deps: StrategyDependencies): RunningStrategy {
  const pg: PgStrategyOptions = { db: deps.db, ...deps.pg };
  switch (name) {
    case 'admission': {
      if (deps.redis === undefined) throw new InvalidInputError('redis', 'the admission strategy needs a Redis client');
      return createAdmissionStrategy({
        db: deps.db,
        redis: deps.redis,
        fallback: createOptimisticStrategy(pg),
        ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
        ...deps.admission,
      });
    }
    case 'optimistic':
      return withDecisionMetrics(createOptimisticStrategy(pg), deps.metrics);
    case 'pessimistic':
      return withDecisionMetrics(createPessimisticStrategy(pg), deps.metrics);
    case 'naive':
      return withDecisionMetrics(createNaiveStrategy(pg), deps.metrics);
  }
}

/** Records each claim of a PostgreSQL-only strategy (the admission strategy records its own, by path). */
function withDecisionMetrics(strategy: BookingStrategy, metrics: AdmissionMetrics | undefined): RunningStrategy {
  const timed = async (claim: () => Promise<ClaimResult>): Promise<ClaimResult> => {
    const started = performance.now();
    const result = await claim();
    const outcome = result.ok ? 'granted' : result.reason;
    metrics?.decisions.inc({ strategy: strategy.name, outcome, path: 'pg' });
    metrics?.claimLatency.observe({ outcome }, (performance.now() - started) / 1_000);
    return result;
  };
  return {
    name: strategy.name,
    claimSeats: (claim) => timed(() => strategy.claimSeats(claim)),
    claimBestAvailable: (claim) => timed(() => strategy.claimBestAvailable(claim)),
    confirm: (ref) => strategy.confirm(ref),
    release: (ref) => strategy.release(ref),
    cancel: (ref) => strategy.cancel(ref),
    seatMap: (eventId) => strategy.seatMap(eventId),
    start: async () => undefined,
    close: () => {},
  };
}
