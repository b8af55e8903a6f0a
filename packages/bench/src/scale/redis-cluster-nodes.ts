import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { REPO_ROOT } from '../report.ts';

/**
 * The Redis Cluster to run on, as `host:port,…`: REDIS_CLUSTER_NODES when set (npm run scale
 * sets it), else the local cluster of scripts/redis-cluster-up.sh, started unless it runs.
 */
export function redisClusterNodes(): string {
  const fromEnv = process.env.REDIS_CLUSTER_NODES?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const line = execFileSync('bash', [join(REPO_ROOT, 'scripts/redis-cluster-up.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 120_000,
  });
  const nodes = /REDIS_CLUSTER_NODES='([^']+)'/.exec(line)?.[1];
  if (nodes === undefined) throw new Error(`scripts/redis-cluster-up.sh printed no nodes: ${line}`);
  return nodes;
}

/** A client of the cluster at `host:port,…`, once it knows the masters (nodes() is empty before). */
export async function connectCluster(nodes: string): Promise<Cluster> {
  const startNodes = nodes.split(',').map((node) => {
    const at = node.lastIndexOf(':');
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
  });
  const cluster = new Cluster(startNodes, { scaleReads: 'master' });
  if (cluster.status !== 'ready') await once(cluster, 'ready');
  return cluster;
}
