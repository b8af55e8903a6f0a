// The SeatGrid API server: `pnpm --filter @seatgrid/api start`. Configuration comes only
// from the environment (config.ts). It migrates the database on start, runs the hold
// sweeper and (admission strategy) the reconciler, and drains in-flight requests on SIGTERM.
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { collectDefaultMetrics } from 'prom-client';
import {
  AdmissionStrategy,
  connectDatabase,
  createMetrics,
  createStrategy,
  HoldSweeper,
  migrateToLatest,
  type EvictionRisk,
} from '@seatgrid/admission';
import { createApp, listen, type Readiness } from './app.ts';
import { loadConfig } from './config.ts';
import { mockPayment } from './payment.ts';
import { RateLimiter, rateLimitSettings } from './rate-limiter.ts';

const config = loadConfig();
const logger = pino({ level: config.logLevel });
const metrics = createMetrics();
// Process memory, event-loop lag and GC beside seatgrid_*: what a soak (and an operator) watches.
collectDefaultMetrics({ register: metrics.registry });
const db = connectDatabase({ connectionString: config.databaseUrl, maxConnections: config.pgPoolSize, metrics });
await migrateToLatest(db);

const usesRedis = config.strategy === 'admission';
const redis = usesRedis ? new Redis(config.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 }) : undefined;
redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
const strategy = createStrategy(config.strategy, {
  db,
  ...(redis === undefined ? {} : { redis }),
  metrics,
  admission: {
    reconcile: { intervalMs: config.reconcileIntervalMs },
    breaker: { timeoutMs: config.breakerTimeoutMs, resetTimeoutMs: config.breakerResetMs },
    onBackgroundError: (err) => logger.error({ err }, 'background task failed'),
    onWarning: (message) => logger.warn(message),
  },
});
let evictionRisk = ((await strategy.start()) as EvictionRisk | undefined) ?? { policy: 'unused', safe: true };
const gate = strategy instanceof AdmissionStrategy ? strategy : undefined;
const sweeper = new HoldSweeper(db, {
  intervalMs: config.sweepIntervalMs,
  graceMs: gate?.gate.settings.expiryGraceMs ?? 0,
});
sweeper.start((err) => logger.error({ err }, 'hold sweep failed'));
if (config.adminToken === undefined) logger.warn('ADMIN_TOKEN is not set: POST /events answers 401 until it is');

async function readiness(): Promise<Readiness> {
  const postgres = await sql`select 1`.execute(db).then(() => 'up' as const, () => 'down' as const);
  const redisState = redis === undefined ? ('unused' as const) : await redis.ping().then(() => 'up' as const, () => 'down' as const);
  // Asked afresh, so fixing the policy makes the server ready again without a restart.
  if (gate !== undefined && redisState === 'up') evictionRisk = await gate.evictionRisk().catch(() => evictionRisk);
  return {
    // Redis down is degraded, not unready: the breaker serves from PostgreSQL. An evicting
    // Redis is unready: it can silently forget sold seats.
    ready: postgres === 'up' && evictionRisk.safe,
    strategy: config.strategy,
    postgres,
    redis: redisState,
    breaker: gate?.breaker.state ?? 'unused',
    redisEvictionPolicy: evictionRisk.policy,
    redisEvictionSafe: evictionRisk.safe,
  };
}

// The rate limiter keeps its buckets in Redis whatever the strategy; with every limit at 0 it needs none.
const limits = rateLimitSettings(config);
const limitsOn = limits.user.perSecond > 0 || limits.address.perSecond > 0;
const ownLimiterRedis = limitsOn && redis === undefined ? new Redis(config.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 }) : undefined;
ownLimiterRedis?.on('error', (err) => logger.warn({ err: err.message }, 'rate-limit redis connection error'));
const rateLimiter = new RateLimiter(limitsOn ? (redis ?? ownLimiterRedis) : undefined, limits, (err) =>
  logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate limiting from this process only: Redis failed or was slow'),
);

const app = createApp({
  config,
  db,
  strategy,
  metrics,
  logger,
  rateLimiter,
  payment: mockPayment(config.paymentSuccessRate, config.paymentDelayMs),
  readiness,
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
  sweeper.stop();
  strategy.close();
  await db.destroy();
  await redis?.quit();
  await ownLimiterRedis?.quit();
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
