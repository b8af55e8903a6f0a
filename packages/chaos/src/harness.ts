import { randomUUID } from 'node:crypto';
import type { EventInfo } from '@seatgrid/admission';
import { createGate, type Gate } from '@seatgrid/admission/gate';
import { openStoreView, type StoreView } from '@seatgrid/admission/testing';
import { waitFor, type ChildServer } from '@seatgrid/api/child';
import { chaosApiDefaults, startChaosApi } from './chaos-api.ts';
import { FaultProxy } from './fault-proxy.ts';
import { terminateBackends, withApplicationName } from './postgres-faults.ts';
import { PrivateRedis } from './private-redis.ts';

/** One API instance and the two proxies its Redis and PostgreSQL connections go through. */
export interface ApiNode {
  readonly index: number;
  readonly api: ChildServer;
  readonly redisProxy: FaultProxy;
  readonly pgProxy: FaultProxy;
  /** Its PostgreSQL connections' application_name: what terminateBackends aims at. */
  readonly applicationName: string;
}

export interface HarnessOptions {
  /** API instances sharing the Redis and PostgreSQL (default 1). */
  readonly instances?: number;
  /** Extra environment for every API. */
  readonly env?: Readonly<Record<string, string>>;
  /** The shared PostgreSQL (default DATABASE_URL, or the local one). */
  readonly databaseUrl?: string;
}

export const ADMIN_TOKEN = 'chaos-admin-token-0123456789';

/**
 * Everything a fault scenario runs on: a private redis-server, one or more API child
 * processes whose Redis and PostgreSQL traffic crosses fault proxies, and a direct
 * PostgreSQL handle and Redis engine for setting up and auditing (never through a proxy).
 */
export class ChaosHarness {
  readonly runId: string;
  readonly redis: PrivateRedis;
  readonly nodes: readonly ApiNode[];
  /** Direct, for the audit and for terminating the APIs' backends. */
  readonly store: StoreView;
  /** The gate on a direct Redis connection: reads the seat map Redis has. */
  readonly gate: Gate;
  readonly settings: { readonly reconcileIntervalMs: number; readonly breakerTimeoutMs: number };

  private constructor(
    runId: string,
    redis: PrivateRedis,
    nodes: ApiNode[],
    store: StoreView,
    settings: { reconcileIntervalMs: number; breakerTimeoutMs: number },
  ) {
    this.runId = runId;
    this.redis = redis;
    this.nodes = nodes;
    this.store = store;
    this.gate = createGate({ redis: redis.admin, soldOutCacheMs: 0 });
    this.settings = settings;
  }

  static async start(options: HarnessOptions = {}): Promise<ChaosHarness> {
    const runId = `chaos-${randomUUID().slice(0, 8)}`;
    const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid';
    const pgTarget = new URL(databaseUrl);
    const store = openStoreView(databaseUrl);
    await store.grid.migrate();
    const redis = await PrivateRedis.start();
    const nodes: ApiNode[] = [];
    try {
      for (let index = 0; index < (options.instances ?? 1); index++) {
        const redisProxy = await FaultProxy.start({ host: '127.0.0.1', port: redis.port }, { protocol: 'resp' });
        const pgProxy = await FaultProxy.start({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });
        const applicationName = `${runId}-api${index}`;
        const proxiedDb = new URL(databaseUrl);
        proxiedDb.hostname = '127.0.0.1';
        proxiedDb.port = String(pgProxy.port);
        const api = await startChaosApi({
          redisUrl: `redis://127.0.0.1:${redisProxy.port}`,
          databaseUrl: withApplicationName(proxiedDb.toString(), applicationName),
          adminToken: ADMIN_TOKEN,
          ...(options.env === undefined ? {} : { env: options.env }),
        });
        nodes.push({ index, api, redisProxy, pgProxy, applicationName });
      }
    } catch (error) {
      await Promise.all(nodes.map((node) => node.api.kill()));
      await redis.stop();
      await store.close();
      throw error;
    }
    const env = { ...chaosApiDefaults, ...options.env };
    return new ChaosHarness(runId, redis, nodes, store, {
      reconcileIntervalMs: Number(env.RECONCILE_INTERVAL_MS),
      breakerTimeoutMs: Number(env.BREAKER_TIMEOUT_MS),
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
          const seats = await fetch(`${base}/events/${eventId}/seats`, { signal: AbortSignal.timeout(2_000) }).then(
            (r) => r.ok,
            () => false,
          );
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
      node.redisProxy.heal();
      node.pgProxy.heal();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.api.stop('SIGTERM', 2_000)));
    await Promise.all(this.nodes.flatMap((node) => [node.redisProxy.close(), node.pgProxy.close()]));
    await this.redis.stop();
    await this.store.close();
  }
}
