import { withTimeout } from '../with-timeout.js';
import type { RedisClient } from './script-runner.js';

export interface EvictionRisk {
  /** The server's maxmemory-policy; 'unknown' when CONFIG is not allowed or Redis did not answer. */
  readonly policy: string;
  /** False when Redis may evict the gate's keys (they have no TTL, so only allkeys-* can). */
  readonly safe: boolean;
  /** False when Redis did not answer within the time limit. */
  readonly answered: boolean;
}

/** Redis did not answer the eviction check in time. */
class EvictionCheckTimeout extends Error {}

/**
 * An allkeys-* policy lets Redis drop an event's seat map under memory pressure: the gate
 * would then forget sold seats. Asked at start-up and by readiness checks; never waits longer
 * than `timeoutMs` (a Redis that is down must not hang a start).
 */
export async function checkEvictionRisk(redis: RedisClient, timeoutMs: number): Promise<EvictionRisk> {
  try {
    const reply = (await withTimeout(
      redis.call('CONFIG', 'GET', 'maxmemory-policy'),
      timeoutMs,
      () => new EvictionCheckTimeout(),
    )) as string[];
    const policy = reply[1] ?? 'unknown';
    return { policy, safe: !policy.startsWith('allkeys-'), answered: true };
  } catch (error) {
    // CONFIG may be renamed or forbidden on managed Redis: then the policy is unknown, not unsafe.
    const answered = !(error instanceof EvictionCheckTimeout) && redis.status === 'ready';
    return { policy: 'unknown', safe: true, answered };
  }
}
