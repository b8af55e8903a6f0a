import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { createSeatGrid, type SeatGrid, type SeatGridOptions } from '@seatgrid/admission';
import { createSeatGridForTesting, type ComparisonStrategyName } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApp, listen } from '../src/app.ts';
import type { AppDependencies } from '../src/app-dependencies.ts';
import { loadConfig, type ApiConfig } from '../src/config.ts';
import { mockPayment } from '../src/payment.ts';
import { RateLimiter, rateLimitSettings } from '../src/rate-limiter.ts';
import { gridReadiness } from '../src/readiness.ts';
import { redisWaitingRoomProbe } from '../src/waiting-room-metrics.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** PostgreSQL connections a test app may hold: the server allows 100 for every helper and test. */
const TEST_POOL_SIZE = 4;

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

/** A SeatGrid on `strategy` ('naive' only through the testing entry), its metrics on `registry`. */
export function testGrid(strategy: ComparisonStrategyName, options: Omit<SeatGridOptions, 'strategy'>): SeatGrid {
  return strategy === 'naive' ? createSeatGridForTesting({ ...options, strategy }) : createSeatGrid({ ...options, strategy });
}

/**
 * The real app on a real socket (127.0.0.1, a free port), on a real SeatGrid: real PostgreSQL
 * and, for the admission strategy, real Redis, its metrics on a registry of its own. `env`
 * overrides the configuration's environment, `overrides` the dependencies built from it.
 * Everything it opens is closed when the test file ends.
 */
export async function startApi(
  strategy: ComparisonStrategyName = 'admission',
  env: Record<string, string> = {},
  overrides: Partial<AppDependencies> = {},
  /** Wraps the grid the app is served on (say, to watch its calls); the harness still closes the one it made. */
  wrapGrid: (grid: SeatGrid) => SeatGrid = (grid) => grid,
): Promise<RunningApi> {
  const config = testConfig({ BOOKING_STRATEGY: strategy, ...env });
  // One client for the gate and the limiter, as the server has.
  const redis =
    strategy === 'admission' || overrides.rateLimiter === undefined
      ? new Redis(config.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 })
      : undefined;
  // Tests stop Redis on purpose: its errors reach the callers through their commands.
  redis?.on('error', () => {});
  const registry = new Registry();
  const grid = testGrid(strategy, {
    database: { connectionString: config.databaseUrl, max: TEST_POOL_SIZE },
    ...(strategy === 'admission' && redis !== undefined ? { redis } : {}),
    metrics: { registry },
    sweeper: { intervalMs: config.sweepIntervalMs },
    reconciler: { intervalMs: config.reconcileIntervalMs },
    breaker: { timeoutMs: config.breakerTimeoutMs, resetTimeoutMs: config.breakerResetMs },
  });
  const release = async () => {
    await grid.close();
    await redis?.quit().catch(() => redis.disconnect());
  };
  try {
    await grid.migrate();
    await grid.start();
  } catch (error) {
    await release();
    throw error;
  }
  // Its own bucket keys: every test app comes from 127.0.0.1, and must not share its address's bucket.
  const rateLimiter = new RateLimiter(redis, { ...rateLimitSettings(config), keyPrefix: `sg:rl:test-${randomUUID()}:` });
  return serveApp(
    {
      config,
      grid: wrapGrid(grid),
      registry,
      logger: pino({ level: 'silent' }),
      rateLimiter,
      payment: mockPayment(config.paymentSuccessRate, config.paymentDelayMs),
      readiness: gridReadiness(grid),
      ...(grid.strategy === 'admission' && redis !== undefined
        ? { waitingRoomProbe: redisWaitingRoomProbe(redis, grid.settings.gate.keyPrefix) }
        : {}),
      ...overrides,
    },
    release,
  );
}

/** The app built on `deps`, on a real socket (127.0.0.1, a free port); `release` runs after the server closes. */
export async function serveApp(deps: AppDependencies, release: () => Promise<void> = async () => {}): Promise<RunningApi> {
  const server = await listen(createApp(deps), 0, '127.0.0.1').catch(async (error: unknown) => {
    await release();
    throw error;
  });
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
