// The SeatGrid API server: `pnpm --filter @seatgrid/api start`. Configuration comes only
// from the environment (config.ts). It migrates the database on start, runs the library's
// background jobs (hold sweeper; reconciler on the admission strategy), and drains in-flight
// requests on SIGTERM.
import { createSeatGrid, type SeatGrid, type SeatGridOptions } from '@seatgrid/admission';
import { createSeatGridForTesting } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { collectDefaultMetrics, register } from 'prom-client';
import { createApp, listen } from './app.ts';
import { loadConfig, type ApiConfig } from './config.ts';
import { mockPayment } from './payment.ts';
import { RateLimiter, rateLimitSettings } from './rate-limiter.ts';
import { gridReadiness } from './readiness.ts';
import { redisWaitingRoomProbe } from './waiting-room-metrics.ts';

const config = loadConfig();
const logger = pino({ level: config.logLevel });
// Process memory, event-loop lag and GC beside seatgrid_*: what a soak (and an operator) watches.
collectDefaultMetrics({ register });

// One Redis client for everything the API keeps in Redis (the gate, the rate limits); with
// every limit at 0 and a PostgreSQL strategy, none at all.
const limits = rateLimitSettings(config);
const limitsOn = limits.user.perSecond > 0 || limits.address.perSecond > 0;
const redis =
  config.strategy === 'admission' || limitsOn
    ? new Redis(config.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 })
    : undefined;
redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));

const grid = createGrid(config);
grid.on('backgroundError', (err, task) => logger.error({ err, task }, 'background task failed'));
grid.on('warning', (message) => logger.warn(message));
grid.on('breaker', (state) => logger.warn({ state }, 'redis breaker'));
grid.on('drift', (drift) => logger.warn(drift, 'reconciler repaired drift'));
await grid.migrate();
await grid.start();
if (config.adminToken === undefined) logger.warn('ADMIN_TOKEN is not set: POST /events answers 401 until it is');

/** The library on the strategy BOOKING_STRATEGY names ('naive' only exists for comparisons). */
function createGrid(config: ApiConfig): SeatGrid {
  const options: Omit<SeatGridOptions, 'strategy'> = {
    database: { connectionString: config.databaseUrl, max: config.pgPoolSize },
    ...(redis === undefined ? {} : { redis }),
    metrics: { registry: register },
    sweeper: { intervalMs: config.sweepIntervalMs },
    reconciler: { intervalMs: config.reconcileIntervalMs },
    breaker: { timeoutMs: config.breakerTimeoutMs, resetTimeoutMs: config.breakerResetMs },
  };
  return config.strategy === 'naive'
    ? createSeatGridForTesting({ ...options, strategy: 'naive' })
    : createSeatGrid({ ...options, strategy: config.strategy });
}

const rateLimiter = new RateLimiter(limitsOn ? redis : undefined, limits, (err) =>
  logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate limiting from this process only: Redis failed or was slow'),
);

const app = createApp({
  config,
  grid,
  registry: register,
  logger,
  rateLimiter,
  payment: mockPayment(config.paymentSuccessRate, config.paymentDelayMs),
  readiness: gridReadiness(grid),
  ...(grid.strategy === 'admission' && redis !== undefined
    ? { waitingRoomProbe: redisWaitingRoomProbe(redis, grid.settings.gate.keyPrefix) }
    : {}),
});
const server = await listen(app, config.port, config.host);
const address = server.address();
logger.info(
  { host: config.host, port: typeof address === 'object' && address !== null ? address.port : config.port, strategy: config.strategy },
  'listening',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  const forced = setTimeout(() => {
    logger.warn('in-flight requests did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownGraceMs);
  forced.unref();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await grid.close();
  await redis?.quit();
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
