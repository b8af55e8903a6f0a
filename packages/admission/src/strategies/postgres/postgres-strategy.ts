import type { ClaimResult } from '../../results.js';
import type { EventCache } from '../../store/event-cache.js';
import type { Shards } from '../../store/shards.js';
import type { BookingStrategy, ComparisonStrategyName } from '../strategy.js';
import { createHoldCommands } from './hold-commands.js';
import { createStoredReads } from './stored-reads.js';
import { withEvent, type PgBestClaim, type PgSeatClaim } from './pg-claim.js';

export interface PostgresStrategySettings {
  /** Optimistic only: retries after a write conflict, at most. Default 8. */
  readonly maxRetries: number;
  /** Optimistic only: the wait before retry n is retryBaseDelayMs * 2^n * random(). Default 2 ms. */
  readonly retryBaseDelayMs: number;
}

export const defaultPostgresStrategySettings: Readonly<PostgresStrategySettings> = Object.freeze({
  maxRetries: 8,
  retryBaseDelayMs: 2,
});

export interface PgStrategyOptions {
  readonly shards: Shards;
  readonly events: EventCache;
  readonly settings?: Partial<PostgresStrategySettings>;
  /** Optimistic only: called on every write conflict (a metric hook). */
  readonly onConflict?: () => void;
}

/** What makes a strategy its own: how it decides a claim once its event is known. */
export interface ClaimPaths {
  seats(claim: PgSeatClaim): Promise<ClaimResult>;
  best(claim: PgBestClaim): Promise<ClaimResult>;
}

/**
 * A PostgreSQL strategy: every claim's event is looked up the same way, then the claim is
 * handed to the strategy's own path; the hold commands and the reads are shared (hold-commands.ts).
 */
export function createPgStrategy(name: ComparisonStrategyName, options: PgStrategyOptions, paths: ClaimPaths): BookingStrategy {
  return {
    name,
    ...createHoldCommands(options.shards, options.events),
    ...createStoredReads(options.shards, options.events),
    async claim(request) {
      return request.kind === 'seats'
        ? paths.seats(await withEvent(request, options.events))
        : paths.best(await withEvent(request, options.events));
    },
  };
}
