import { GridCore, type GridParts, type Health, type StartReport } from './seat-grid.js';
import { createNaiveStrategy } from './strategies/postgres/naive.js';
import { createOptimisticStrategy } from './strategies/postgres/optimistic.js';
import { createPessimisticStrategy } from './strategies/postgres/pessimistic.js';
import type { BookingStrategy } from './strategies/strategy.js';

export type PostgresStrategyName = 'optimistic' | 'pessimistic' | 'naive';

/** A SeatGrid whose strategy decides every claim in PostgreSQL alone. */
export class PostgresSeatGrid extends GridCore {
  readonly strategy: PostgresStrategyName;
  protected readonly bookings: BookingStrategy;

  constructor(strategy: PostgresStrategyName, parts: GridParts) {
    super(parts);
    this.strategy = strategy;
    const options = { shards: parts.shards, events: parts.events, settings: parts.settings.postgres };
    const create = { optimistic: createOptimisticStrategy, pessimistic: createPessimisticStrategy, naive: createNaiveStrategy }[strategy];
    this.bookings = create(options);
  }

  protected async startMore(): Promise<StartReport> {
    return { redis: 'unused', evictionPolicy: 'unused', evictionSafe: true };
  }

  protected async stopMore(): Promise<void> {}

  protected async moreHealth(): Promise<Omit<Health, 'postgres'>> {
    return { redis: 'unused', breaker: 'unused', evictionPolicy: 'unused', evictionSafe: true };
  }
}
