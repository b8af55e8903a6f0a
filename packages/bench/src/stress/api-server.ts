import { fileURLToPath } from 'node:url';
import type { ComparisonStrategyName } from '@seatgrid/admission/testing';
import { startChildServer, type ChildServer } from './child-server.ts';
import { freePort } from './free-port.ts';

const API_SERVER = fileURLToPath(new URL('../../../api/src/server.ts', import.meta.url));
export const ADMIN_TOKEN = 'stress-bench-admin-token';
export const SWEEP_INTERVAL_MS = 1_000;
export const RECONCILE_INTERVAL_MS = 5_000;
/** The admission strategy reaps in Redis this long after PostgreSQL's expiry. */
export const REDIS_EXPIRY_GRACE_MS = 500;

/** Where and how the child runs: a fixed port instead of a free one, Node flags (--cpu-prof). */
export interface ApiProcessOptions {
  readonly port?: number;
  readonly nodeArgs?: readonly string[];
}

/**
 * The real API server as a child process, as the bench runs it: rate limiting off (one load
 * generator, one IP, fresh user ids), LOG_LEVEL=warn (at info it logs every request), the
 * background jobs at the intervals above. `overrides` wins over all of it.
 */
export async function startApi(
  env: Record<string, string>,
  strategy: ComparisonStrategyName,
  overrides: Record<string, string> = {},
  child: ApiProcessOptions = {},
): Promise<ChildServer> {
  return startChildServer({
    script: API_SERVER,
    port: child.port ?? (await freePort()),
    ...(child.nodeArgs === undefined ? {} : { nodeArgs: child.nodeArgs }),
    readyPath: '/readyz',
    readyTimeoutMs: 30_000,
    env: {
      ...env,
      BOOKING_STRATEGY: strategy,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '0',
      RATE_LIMIT_IP_PER_SECOND: '0',
      SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS),
      RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
      ...overrides,
    },
  });
}
