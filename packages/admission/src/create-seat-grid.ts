import { createRequire } from 'node:module';
import { AdmissionSeatGrid, type AdmissionParts } from './admission-seat-grid.js';
import { InvalidInputError } from './errors.js';
import { Gate } from './gate/gate.js';
import type { Cluster } from 'ioredis';
import type { RedisClient } from './gate/script-runner.js';
import { createMetrics, noMetrics, type MetricsOptions, type SeatGridMetrics } from './metrics.js';
import { PostgresSeatGrid } from './postgres-seat-grid.js';
import { BackgroundErrorRelay, type GridParts } from './seat-grid.js';
import { resolveSettings, type SeatGridSettings, type SettingsOverrides } from './settings.js';
import { openDatabase, type DatabaseConnection } from './store/connect.js';
import { EventCache } from './store/event-cache.js';
import { Shards } from './store/shards.js';
import { Store } from './store/store.js';
import type { WinnerFault } from './strategies/admission/winner-writer.js';
import type { StrategyName } from './strategies/strategy.js';

/**
 * How SeatGrid reaches Redis: your ioredis client or Cluster (yours to close), or a URL
 * (SeatGrid opens a client with auto-pipelining and closes it).
 */
export type RedisConnection = RedisClient | string;

export interface SeatGridOptions extends SettingsOverrides {
  /** 'admission' (the Redis gate in front of PostgreSQL), 'optimistic' or 'pessimistic' (PostgreSQL alone). */
  readonly strategy: StrategyName;
  /**
   * PostgreSQL: a connection string, pool settings, `{ pool }` or `{ kysely }` (see
   * DatabaseConnection); or a list of them, the shards: each event lives wholly in one, the
   * first also keeps the directory of which (see the README on sharding).
   */
  readonly database: DatabaseConnection | readonly DatabaseConnection[];
  /** Redis, for the admission strategy. */
  readonly redis?: RedisConnection;
  /** prom-client options (registry, prefix, labels), or false for none. Default: prom-client's global registry, prefix 'seatgrid_'. */
  readonly metrics?: MetricsOptions | false;
}

export type SeatGrid = AdmissionSeatGrid | PostgresSeatGrid;

/** What only tests and comparisons may ask for (see '@seatgrid/admission/testing'). */
export interface ComparisonOptions extends Omit<SeatGridOptions, 'strategy'> {
  readonly strategy: StrategyName | 'naive';
  readonly winnerFault?: WinnerFault;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates a SeatGrid: the one way in. It opens nothing it was given and owns what it opens;
 * call start() to run the background jobs and close() to end everything.
 */
export function createSeatGrid(options: SeatGridOptions & { readonly strategy: 'admission' }): AdmissionSeatGrid;
export function createSeatGrid(options: SeatGridOptions & { readonly strategy: 'optimistic' | 'pessimistic' }): PostgresSeatGrid;
export function createSeatGrid(options: SeatGridOptions): SeatGrid;
export function createSeatGrid(options: SeatGridOptions): SeatGrid {
  return buildSeatGrid(options);
}

export function buildSeatGrid(options: ComparisonOptions): SeatGrid {
  const settings = resolveSettings(options);
  if (!SCHEMA_NAME.test(settings.schema))
    throw new InvalidInputError('schema', 'must be 1-63 characters of a-z, 0-9 and _, not starting with a digit');
  const metrics = options.metrics === false ? noMetrics() : createMetrics(options.metrics);
  const relay = new BackgroundErrorRelay();
  const counters = { query: () => metrics.pgQuery(), commit: () => metrics.pgTransaction() };
  const connections = Array.isArray(options.database) ? options.database : [options.database as DatabaseConnection];
  const stores = connections.map(
    (connection) =>
      new Store(
        openDatabase(connection, (error) => relay.report(error, 'postgres-connection')),
        settings.schema,
        counters,
      ),
  );
  const shards = new Shards(stores);
  const closers: (() => Promise<void>)[] = stores.map((store) => () => store.close());
  const parts = (): GridParts => ({
    settings,
    shards,
    events: new EventCache(shards),
    metrics,
    relay,
    closeOwned: async () => {
      for (const close of closers) await close();
    },
  });

  if (options.strategy !== 'admission') return new PostgresSeatGrid(options.strategy, parts());
  if (options.redis === undefined) throw new InvalidInputError('redis', 'the admission strategy needs Redis: a client or a URL');
  const redis =
    typeof options.redis === 'string'
      ? openRedis(options.redis, (error) => relay.report(error, 'redis-connection'), closers)
      : options.redis;
  const waitlistNews: AdmissionParts['waitlistNews'] = { target: undefined };
  const gate = new Gate({ redis, ...settings.gate, onWaitlistNews: (eventId, news) => waitlistNews.target?.(eventId, news) });
  return new AdmissionSeatGrid(parts(), { gate, waitlistNews, openReader: () => duplicate(redis), winnerFault: options.winnerFault });
}

/** A new connection like `redis` (a Cluster's to the same cluster). */
function duplicate(redis: RedisClient): RedisClient {
  return isCluster(redis) ? redis.duplicate() : redis.duplicate();
}

function isCluster(redis: RedisClient): redis is Cluster {
  return redis.isCluster;
}

/** The client SeatGrid opens for a Redis URL; closed with the instance. */
function openRedis(url: string, onError: (error: unknown) => void, closers: (() => Promise<void>)[]): RedisClient {
  // Loaded only here: a PostgreSQL-only user needs no ioredis.
  const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  let lastMessage = '';
  redis.on('error', (error: Error) => {
    // ioredis says the same thing at every reconnect attempt: once is enough.
    if (error.message !== lastMessage) onError(error);
    lastMessage = error.message;
  });
  redis.on('ready', () => (lastMessage = ''));
  closers.unshift(async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  return redis;
}

export type { SeatGridMetrics, SeatGridSettings };
