import cluster from 'node:cluster';
import { createSeatGrid, type SeatGrid, type SeatGridOptions } from '@seatgrid/admission';
import { createSeatGridForTesting } from '@seatgrid/admission/testing';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, register } from 'prom-client';
import { createApp, endSeatStreams, listen } from './app.ts';
import type { ApiConfig } from './config.ts';
import { replaceMetric } from './metrics/replace-metric.ts';
import { mockPayment } from './payment.ts';
import { RateLimiter, rateLimitSettings } from './rate-limiter.ts';
import { gridReadiness } from './readiness.ts';
import { connectRedis } from './redis-client.ts';
import { startTracing } from './tracing.ts';
import { redisWaitingRoomProbe } from './waiting-room-metrics.ts';
import { workerMetrics } from './workers.ts';

/**
 * One API process: it migrates the database, runs the library's background jobs (hold
 * sweeper; reconciler on the admission strategy), serves PORT, and drains in-flight requests
 * on SIGTERM. Under WORKERS > 1 each worker is one of these.
 */
export async function serveApi(config: ApiConfig, logger: Logger): Promise<void> {
  // Before the grid exists: its claims make spans only while a tracer provider is registered.
  const tracing = config.otlpEndpoint === undefined ? undefined : startTracing();
  if (tracing !== undefined) logger.info({ endpoint: config.otlpEndpoint }, 'tracing: claim spans go to the OTLP endpoint');
  // Process memory, event-loop lag and GC beside seatgrid_*: what a soak (and an operator) watches.
  collectDefaultMetrics({ register });
  // A worker answers the primary's metric requests from the start: the sum over the workers
  // waits for every one of them, including one still migrating or loading.
  const metricsText = cluster.isWorker ? workerMetrics(register) : undefined;

  // One Redis connection for everything the API keeps in Redis (the gate, the rate limits);
  // with every limit at 0 and a PostgreSQL strategy, none at all.
  const limits = rateLimitSettings(config);
  const limitsOn = limits.user.perSecond > 0 || limits.address.perSecond > 0;
  const redis = config.strategy === 'admission' || limitsOn ? connectRedis(config) : undefined;
  redis?.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));

  const grid = createGrid(config, redis);
  grid.on('backgroundError', (err, task) => logger.error({ err, task }, 'background task failed'));
  grid.on('warning', (message) => logger.warn(message));
  grid.on('breaker', (state) => logger.warn({ state }, 'redis breaker'));
  grid.on('drift', (drift) => logger.warn(drift, 'reconciler repaired drift'));
  await grid.migrate();
  await grid.start();
  if (config.adminToken === undefined) logger.warn('ADMIN_TOKEN is not set: POST /events answers 401 until it is');

  const rateLimiter = new RateLimiter(limitsOn ? redis : undefined, limits, (err) =>
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'rate limiting from this process only: Redis failed or was slow',
    ),
  );

  const app = createApp({
    config,
    grid,
    registry: register,
    ...(metricsText === undefined ? {} : { metricsText }),
    logger,
    rateLimiter,
    payment: mockPayment(config.paymentSuccessRate, config.paymentDelayMs),
    readiness: gridReadiness(grid),
    ...(grid.strategy === 'admission' && redis !== undefined
      ? { waitingRoomProbe: redisWaitingRoomProbe(redis, grid.settings.gate.keyPrefix) }
      : {}),
  });
  const server = await listen(app, config.port, config.host);
  // 1 in each process that serves: under WORKERS the summed /metrics counts the workers that
  // listen, which the primary's log line alone tells only at LOG_LEVEL=info.
  const serving = replaceMetric(
    register,
    'seatgrid_api_processes',
    (name) => new Gauge({ name, help: 'API processes serving requests (1 in each; summed over the workers)', registers: [register] }),
  );
  serving.set(1);
  const address = server.address();
  logger.info(
    { host: config.host, port: typeof address === 'object' && address !== null ? address.port : config.port, strategy: config.strategy },
    'listening',
  );

  let stopping = false;
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    serving.set(0);
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const forced = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    forced.unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Their clients reconnect (to another process, or to this one restarted).
      endSeatStreams(app);
    });
    await grid.close();
    await redis?.quit();
    await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'tracing: the last spans were not exported'));
    logger.info('stopped');
    process.exit(0);
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** The library on the strategy BOOKING_STRATEGY names ('naive' only exists for comparisons). */
function createGrid(config: ApiConfig, redis: Redis | Cluster | undefined): SeatGrid {
  const options: Omit<SeatGridOptions, 'strategy'> = {
    database: config.databaseShards.map((connectionString) => ({ connectionString, max: config.pgPoolSize })),
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
