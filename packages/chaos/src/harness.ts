import { randomUUID } from 'node:crypto';
import type { EventInfo } from '@seatgrid/admission';
import { createGate, type Gate } from '@seatgrid/admission/gate';
import { createScratchDatabase, openStoreView, type ScratchDatabase, type StoreView } from '@seatgrid/admission/testing';
import { waitFor, type ChildServer } from '@seatgrid/api/child';
import { chaosApiDefaults, startChaosApi } from './chaos-api.ts';
import { FaultProxy } from './fault-proxy.ts';
import { terminateBackends, withApplicationName } from './postgres-faults.ts';
import { PrivateRedis } from './private-redis.ts';
import { freshGet } from './probes.ts';
import { PrivateRedisCluster } from './private-redis-cluster.ts';
import { childProcesses, waitForExit } from './process-tree.ts';

/** One API instance and the proxies its Redis and PostgreSQL connections go through. */
export interface ApiNode {
  readonly index: number;
  /** The API child: with WORKERS > 1, the primary whose workers serve its port. */
  readonly api: ChildServer;
  /** None on a Redis Cluster: the client follows the cluster's own addresses, past any proxy. */
  readonly redisProxy: FaultProxy | undefined;
  readonly pgProxy: FaultProxy;
  /** Its PostgreSQL connections' application_name: what terminateBackends aims at. */
  readonly applicationName: string;
}

/** What a harness runs: how many APIs, how many processes each, on which Redis. */
export interface HarnessShape {
  /** API instances sharing the Redis and PostgreSQL (default 1). */
  readonly instances?: number;
  /**
   * WORKERS for each API (default 1). Above 1 the APIs log at info: the harness and the
   * worker faults read the workers' own lines (listening, request, with pid and worker).
   */
  readonly workers?: number;
  /** A private Redis Cluster (3 masters, 3 replicas) instead of one private redis-server. */
  readonly redisCluster?: boolean;
  /** Extra environment for every API. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface HarnessOptions extends HarnessShape {
  /** The PostgreSQL server the harness makes its own database on (default DATABASE_URL, or the local one). */
  readonly databaseUrl?: string;
}

export const ADMIN_TOKEN = 'chaos-admin-token-0123456789';

const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/seatgrid';

/** The view over the harness's database; closing it drops the database too. */
function closingScratch(view: StoreView, scratch: ScratchDatabase): StoreView {
  return {
    ...view,
    async close() {
      await view.close();
      await scratch.drop();
    },
  };
}

/**
 * Everything a fault scenario runs on: a private redis-server (or a private Redis Cluster),
 * one or more API child processes whose PostgreSQL traffic (and Redis traffic, off a cluster)
 * crosses fault proxies, and a direct PostgreSQL handle and Redis engine for setting up and
 * auditing (never through a proxy).
 */
export class ChaosHarness {
  readonly runId: string;
  readonly nodes: readonly ApiNode[];
  /** Direct, for the audit and for terminating the APIs' backends. */
  readonly store: StoreView;
  /** The gate on a direct Redis connection: reads the seat map Redis has. */
  readonly gate: Gate;
  readonly settings: { readonly reconcileIntervalMs: number; readonly breakerTimeoutMs: number };
  readonly #redis: PrivateRedis | PrivateRedisCluster;

  private constructor(
    runId: string,
    redis: PrivateRedis | PrivateRedisCluster,
    nodes: ApiNode[],
    store: StoreView,
    settings: { reconcileIntervalMs: number; breakerTimeoutMs: number },
  ) {
    this.runId = runId;
    this.#redis = redis;
    this.nodes = nodes;
    this.store = store;
    this.gate = createGate({ redis: redis.admin, soldOutCacheMs: 0 });
    this.settings = settings;
  }

  /** The private redis-server the APIs use (not on a cluster harness). */
  get redis(): PrivateRedis {
    if (!(this.#redis instanceof PrivateRedis)) throw new Error('this harness runs on a Redis Cluster, not one redis-server');
    return this.#redis;
  }

  /** The private Redis Cluster the APIs use (on a cluster harness only). */
  get cluster(): PrivateRedisCluster {
    if (!(this.#redis instanceof PrivateRedisCluster)) throw new Error('this harness runs on one redis-server, not a Redis Cluster');
    return this.#redis;
  }

  static async start(options: HarnessOptions = {}): Promise<ChaosHarness> {
    const runId = `chaos-${randomUUID().slice(0, 8)}`;
    // A database of the harness's own, dropped at close: the APIs' sweeper and reconciler serve
    // every event of their database, and other suites' leftovers would queue before this run's.
    const scratch = await createScratchDatabase(options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_SERVER, 'chaos');
    const databaseUrl = scratch.url;
    const pgTarget = new URL(databaseUrl);
    const workers = options.workers ?? 1;
    const store = closingScratch(openStoreView(databaseUrl), scratch);
    await store.grid.migrate();
    const redis = await (options.redisCluster === true ? PrivateRedisCluster.start() : PrivateRedis.start()).catch(
      async (error: unknown) => {
        await store.close();
        throw error;
      },
    );
    const env: Record<string, string> = {
      ...options.env,
      ...(workers > 1 ? { WORKERS: String(workers), LOG_LEVEL: 'info' } : {}),
      ...(redis instanceof PrivateRedisCluster ? { REDIS_CLUSTER_NODES: redis.nodeList } : {}),
    };
    const nodes: ApiNode[] = [];
    try {
      for (let index = 0; index < (options.instances ?? 1); index++) {
        const redisProxy =
          redis instanceof PrivateRedis ? await FaultProxy.start({ host: '127.0.0.1', port: redis.port }, { protocol: 'resp' }) : undefined;
        const pgProxy = await FaultProxy.start({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });
        const applicationName = `${runId}-api${index}`;
        const proxiedDb = new URL(databaseUrl);
        proxiedDb.hostname = '127.0.0.1';
        proxiedDb.port = String(pgProxy.port);
        const started = startChaosApi({
          ...(redisProxy === undefined ? {} : { redisUrl: `redis://127.0.0.1:${redisProxy.port}` }),
          databaseUrl: withApplicationName(proxiedDb.toString(), applicationName),
          adminToken: ADMIN_TOKEN,
          env,
        });
        const api = await started.catch(async (error: unknown) => {
          await Promise.all([redisProxy?.close(), pgProxy.close()]);
          throw error;
        });
        nodes.push({ index, api, redisProxy, pgProxy, applicationName });
        // /healthz answers once one worker listens: wait for them all.
        if (workers > 1)
          await waitFor(
            `API ${index}'s ${workers} workers listening`,
            () => api.output.some((line) => line.includes('"every worker listening"')),
            30_000,
          );
      }
    } catch (error) {
      await Promise.all(nodes.map((node) => stopApi(node, 2_000)));
      await Promise.all(nodes.flatMap((node) => [node.redisProxy?.close(), node.pgProxy.close()]));
      await redis.stop();
      await store.close();
      throw error;
    }
    const settings: Record<string, string | undefined> = { ...chaosApiDefaults, ...env };
    return new ChaosHarness(runId, redis, nodes, store, {
      reconcileIntervalMs: Number(settings.RECONCILE_INTERVAL_MS),
      breakerTimeoutMs: Number(settings.BREAKER_TIMEOUT_MS),
    });
  }

  get baseUrls(): string[] {
    return this.nodes.map((node) => node.api.baseUrl);
  }

  node(index = 0): ApiNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no API instance ${index}`);
    return node;
  }

  /** The proxy in front of one API's Redis (not on a cluster harness). */
  redisProxy(index = 0): FaultProxy {
    const proxy = this.node(index).redisProxy;
    if (proxy === undefined) throw new Error('this harness runs on a Redis Cluster: no Redis proxy');
    return proxy;
  }

  /** Creates an event through the first API (so it also lands in Redis the API's way). */
  async createEvent(shape: { rows: number; cols: number; holdTtlSeconds: number; name?: string }): Promise<EventInfo> {
    const res = await fetch(`${this.node(0).api.baseUrl}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ name: shape.name ?? this.runId, rows: shape.rows, cols: shape.cols, holdTtlSeconds: shape.holdTtlSeconds }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 201 || body.id === undefined) throw new Error(`POST /events answered ${res.status}: ${JSON.stringify(body)}`);
    const event = await this.store.grid.findEvent(body.id);
    if (event === undefined) throw new Error(`event ${body.id} is not in PostgreSQL`);
    return event;
  }

  /**
   * Waits until every API is up and its breaker closed, so a scenario does not start on
   * what the last one left: reading the event's seat map through each API is the trial
   * call that closes a half-open breaker.
   */
  async waitHealthy(eventId: string, timeoutMs = 10_000): Promise<void> {
    for (const node of this.nodes) {
      await waitFor(
        `API ${node.index} up with its breaker closed`,
        async () => {
          const base = node.api.baseUrl;
          // A connection of its own: under WORKERS > 1, each worker's breaker needs its trial call.
          const status = await freshGet(`${base}/events/${eventId}/seats`);
          const seats = status >= 200 && status < 300;
          const metrics = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2_000) }).then(
            (r) => r.text(),
            () => '',
          );
          return seats && /^seatgrid_breaker_state 0$/m.test(metrics);
        },
        timeoutMs,
        100,
      );
    }
  }

  /** pg_terminate_backend on one API's connections (all APIs' without an index); returns how many. */
  async terminateBackends(index?: number): Promise<number> {
    const nodes = index === undefined ? this.nodes : [this.node(index)];
    let ended = 0;
    for (const node of nodes) ended += await terminateBackends(this.store.db, node.applicationName);
    return ended;
  }

  /** Every proxy back to normal. */
  healNetwork(): void {
    for (const node of this.nodes) {
      node.redisProxy?.heal();
      node.pgProxy.heal();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => stopApi(node, 2_000)));
    await Promise.all(this.nodes.flatMap((node) => [node.redisProxy?.close(), node.pgProxy.close()]));
    await this.#redis.stop();
    await this.store.close();
  }
}

/**
 * SIGTERM (the primary drains its workers), SIGKILL after the grace; then waits for its
 * workers too, killing any left: a primary killed before they drained leaves them to exit
 * on their own once they see it gone.
 */
async function stopApi(node: ApiNode, graceMs: number): Promise<void> {
  const primary = node.api.pid;
  const workers = primary === undefined ? [] : childProcesses(primary);
  await node.api.stop('SIGTERM', graceMs);
  await waitForExit(workers, graceMs);
}
