import { defaultSettings } from '@seatgrid/admission';
import type { ComparisonStrategyName } from '@seatgrid/admission/testing';
import { startApiChild, type ApiChildOptions, type ChildServer } from '@seatgrid/api/child';

export const ADMIN_TOKEN = 'stress-bench-admin-token';
export const SWEEP_INTERVAL_MS = 1_000;
export const RECONCILE_INTERVAL_MS = 5_000;
/** The admission strategy reaps in Redis this long after PostgreSQL's expiry (the API runs the library's default). */
export const REDIS_EXPIRY_GRACE_MS = defaultSettings.gate.expiryGraceMs;

/**
 * The environment the bench runs the API with: rate limiting off (one load generator, one
 * IP, fresh user ids), LOG_LEVEL=warn (at info it logs every request), the background jobs at
 * the intervals above.
 */
function benchApiEnv(strategy: ComparisonStrategyName): Record<string, string> {
  return {
    BOOKING_STRATEGY: strategy,
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_SECOND: '0',
    RATE_LIMIT_IP_PER_SECOND: '0',
    SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS),
    RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
  };
}

/**
 * The real API server as a child process (ready on /readyz), as the bench runs it: `env` (where
 * Redis and PostgreSQL are), then the bench's defaults, then `overrides` over all of it.
 * `child`: a fixed port instead of a spare one, Node flags (--cpu-prof).
 */
export function startApi(
  env: Record<string, string>,
  strategy: ComparisonStrategyName,
  overrides: Record<string, string> = {},
  child: Pick<ApiChildOptions, 'port' | 'nodeArgs'> = {},
): Promise<ChildServer> {
  return startApiChild({ ...env, ...benchApiEnv(strategy), ...overrides }, child);
}
