import type { SeatGrid } from '@seatgrid/admission';
import type { Readiness } from './app-dependencies.ts';

/**
 * GET /readyz's answer, from the grid's own health checks, asked afresh each time. Redis down
 * is degraded, not unready: the breaker serves from PostgreSQL. An evicting Redis is unready:
 * it can silently forget sold seats.
 */
export function gridReadiness(grid: SeatGrid): () => Promise<Readiness> {
  return async () => {
    const health = await grid.health();
    return {
      ready: health.postgres === 'up' && health.evictionSafe,
      strategy: grid.strategy,
      postgres: health.postgres,
      redis: health.redis,
      breaker: health.breaker,
      redisEvictionPolicy: health.evictionPolicy,
      redisEvictionSafe: health.evictionSafe,
    };
  };
}
