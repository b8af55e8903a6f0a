import { startApiChild, type ChildServer } from '@seatgrid/api/child';

/** What every chaos API runs with unless told otherwise: short background intervals, no rate limits. */
export const chaosApiDefaults: Readonly<Record<string, string>> = Object.freeze({
  BOOKING_STRATEGY: 'admission',
  // The limiter would answer 429 to our buyers; faults are what is under test.
  RATE_LIMIT_PER_SECOND: '0',
  RATE_LIMIT_IP_PER_SECOND: '0',
  LOG_LEVEL: 'warn',
  RECONCILE_INTERVAL_MS: '1000',
  SWEEP_INTERVAL_MS: '500',
  BREAKER_TIMEOUT_MS: '300',
  BREAKER_RESET_MS: '1000',
  SHUTDOWN_GRACE_MS: '2000',
});

export interface ChaosApiOptions {
  /** The Redis to use; none when `env` names a cluster (REDIS_CLUSTER_NODES). */
  readonly redisUrl?: string;
  readonly databaseUrl: string;
  readonly adminToken: string;
  /** More environment (BREAKER_TIMEOUT_MS, RECONCILE_INTERVAL_MS, ...), over the chaos defaults. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The API server as a child process on a spare port of its own, so a run can SIGKILL it
 * mid-burst and restart it on the same port. Up means /healthz answers, not /readyz: an API
 * on an evicting Redis is alive but (rightly) not ready, and that is a scenario too.
 */
export function startChaosApi(options: ChaosApiOptions): Promise<ChildServer> {
  const env = {
    ...chaosApiDefaults,
    ...options.env,
    ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
    DATABASE_URL: options.databaseUrl,
    ADMIN_TOKEN: options.adminToken,
  };
  return startApiChild(env, { readyPath: '/healthz' });
}
