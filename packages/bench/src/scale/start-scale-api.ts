import { type ChildServer, waitFor } from '@seatgrid/api/child';
import { scrapeCounters } from '../stress/api-client.ts';
import { startApi } from '../stress/api-server.ts';

/** Each API process's PostgreSQL connections per shard: 2 processes x 2 shards stay at 16 of the server's 100. */
export const SCALE_PG_POOL_SIZE = 4;
const PROCESSES_GAUGE = 'seatgrid_api_processes';

export interface ScaleTopology {
  /** `host:port,…` of the Redis Cluster. */
  readonly redisClusterNodes: string;
  /** The PostgreSQL shards' URLs, in order. */
  readonly shardUrls: readonly string[];
}

/**
 * The admission API as the bench runs it (rate limits off, LOG_LEVEL=warn) with `workers`
 * processes on the cluster and the shards; resolves once every worker serves. /readyz answers
 * as soon as one does, and at warn the primary's "every worker listening" is not logged, so
 * it polls /metrics until the summed seatgrid_api_processes gauge counts them all.
 */
export async function startScaleApi(env: Record<string, string>, topology: ScaleTopology, workers: number): Promise<ChildServer> {
  const api = await startApi(env, 'admission', {
    WORKERS: String(workers),
    REDIS_CLUSTER_NODES: topology.redisClusterNodes,
    DATABASE_SHARDS: topology.shardUrls.join(','),
    PG_POOL_SIZE: String(SCALE_PG_POOL_SIZE),
  });
  try {
    await waitFor(
      `${workers} API process(es) serving`,
      async () => {
        const counted = await scrapeCounters(api.baseUrl, [PROCESSES_GAUGE]).catch(() => undefined);
        return counted?.[PROCESSES_GAUGE] === workers;
      },
      30_000,
      200,
    );
  } catch (error) {
    await api.kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${api.tail()}`);
  }
  return api;
}
