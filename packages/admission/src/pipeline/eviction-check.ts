import type { RedisClient } from '../engine/script-runner.js';

export interface EvictionRisk {
  /** The server's maxmemory-policy, or 'unknown' when CONFIG is not allowed. */
  readonly policy: string;
  /** False when Redis may evict admission keys (they have no TTL, so only allkeys-* can). */
  readonly safe: boolean;
}

/**
 * An allkeys-* policy lets Redis drop an event's seat map under memory pressure: the gate
 * would then forget sold seats. Warn loudly at start-up and expose it in readiness.
 */
export async function checkEvictionRisk(redis: RedisClient): Promise<EvictionRisk> {
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? 'unknown';
    return { policy, safe: !policy.startsWith('allkeys-') };
  } catch {
    return { policy: 'unknown', safe: true };
  }
}
