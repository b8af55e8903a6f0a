import { redisCpuSeconds } from '../cpu-usage.ts';
import type { Cluster } from 'ioredis';

/** CPU µs the cluster's masters used so far, together (INFO cpu on each: every client's work counts). */
export async function clusterCpuMicros(cluster: Cluster): Promise<number> {
  const seconds = await Promise.all(cluster.nodes('master').map(async (node) => redisCpuSeconds(await node.info('cpu'))));
  return seconds.reduce((sum, s) => sum + s, 0) * 1e6;
}
