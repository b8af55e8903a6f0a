import { Cluster, Redis } from 'ioredis';
import type { ApiConfig } from './config.ts';

/**
 * The one Redis connection the API keeps (the gate, the rate limits, the change feeds): a
 * Cluster client when REDIS_CLUSTER_NODES is set, else a client for REDIS_URL. Commands are
 * auto-pipelined, and a command fails after one retry rather than queueing while Redis is
 * away: the breaker then answers from PostgreSQL.
 */
export function connectRedis(config: ApiConfig): Redis | Cluster {
  if (config.redisClusterNodes === undefined) {
    return new Redis(config.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  }
  return new Cluster(
    config.redisClusterNodes.map((node) => ({ host: node.host, port: node.port })),
    {
      enableAutoPipelining: true,
      // Reads go to masters too: a replica may not have the newest seat yet.
      scaleReads: 'master',
      redisOptions: { maxRetriesPerRequest: 1 },
    },
  );
}
