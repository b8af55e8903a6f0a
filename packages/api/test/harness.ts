import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import {
  AdmissionStrategy,
  connectDatabase,
  createMetrics,
  createStrategy,
  migrateToLatest,
  type StrategyName,
} from '@seatgrid/admission';
import { createApp, listen, type AppDependencies } from '../src/app.ts';
import { loadConfig, type ApiConfig } from '../src/config.ts';
import { mockPayment } from '../src/payment.ts';
import { RateLimiter, rateLimitSettings } from '../src/rate-limiter.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface RunningApi {
  readonly baseUrl: string;
  readonly config: ApiConfig;
  /** fetch() against the API; JSON bodies are sent as given (a string is sent raw). */
  request(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** Creates an event as the admin; returns its JSON. */
  createEvent(body: Record<string, unknown>): Promise<{ id: string; [key: string]: unknown }>;
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** The configuration of a test app: this environment, the test admin token, a free port, no logs; `env` overrides. */
export function testConfig(env: Record<string, string> = {}): ApiConfig {
  return loadConfig({ ...process.env, ADMIN_TOKEN, PORT: '0', LOG_LEVEL: 'silent', ...env });
}

/**
 * The real app on a real socket (127.0.0.1, a free port), with real PostgreSQL and, for the
 * admission strategy, real Redis. `env` overrides the configuration's environment, `overrides`
 * the dependencies built from it.
 */
export async function startApi(
  strategyName: StrategyName = 'admission',
  env: Record<string, string> = {},
  overrides: Partial<AppDependencies> = {},
): Promise<RunningApi> {
  const config = testConfig({ BOOKING_STRATEGY: strategyName, ...env });
  const metrics = createMetrics();
  const db = connectDatabase({ connectionString: config.databaseUrl, maxConnections: config.pgPoolSize, metrics });
  await migrateToLatest(db);
  const redis = strategyName === 'admission' ? new Redis(config.redisUrl, { enableAutoPipelining: true }) : undefined;
  const strategy = createStrategy(strategyName, { db, ...(redis === undefined ? {} : { redis }), metrics });
  await strategy.start();
  // Its own bucket keys: every test app comes from 127.0.0.1, and must not share its address's bucket.
  const limiterRedis = overrides.rateLimiter === undefined ? (redis ?? new Redis(config.redisUrl, { enableAutoPipelining: true })) : undefined;
  const rateLimiter = new RateLimiter(limiterRedis, { ...rateLimitSettings(config), keyPrefix: `sg:rl:test-${randomUUID()}:` });
  return serveApp(
    {
      config,
      db,
      strategy,
      metrics,
      logger: pino({ level: 'silent' }),
      rateLimiter,
      payment: mockPayment(config.paymentSuccessRate, config.paymentDelayMs),
      readiness: async () => ({
        ready: true,
        strategy: strategyName,
        postgres: 'up',
        redis: redis === undefined ? 'unused' : 'up',
        breaker: strategy instanceof AdmissionStrategy ? strategy.breaker.state : 'unused',
        redisEvictionPolicy: 'noeviction',
        redisEvictionSafe: true,
      }),
      ...overrides,
    },
    async () => {
      strategy.close();
      await db.destroy();
      redis?.disconnect();
      limiterRedis?.disconnect();
    },
  );
}

/** The app built on `deps`, on a real socket (127.0.0.1, a free port); `release` runs after the server closes. */
export async function serveApp(deps: AppDependencies, release: () => Promise<void> = async () => {}): Promise<RunningApi> {
  const server = await listen(createApp(deps), 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await release();
  });

  const request: RunningApi['request'] = (method, path, options = {}) => {
    const hasBody = options.body !== undefined;
    return fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
      ...(hasBody ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
  };
  return {
    baseUrl,
    config: deps.config,
    request,
    async createEvent(body) {
      const response = await request('POST', '/events', { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (response.status !== 201) throw new Error(`createEvent: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string };
    },
  };
}
