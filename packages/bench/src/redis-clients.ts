import { Redis } from 'ioredis';
import type { RedisTarget } from './redis-target.ts';

/**
 * The bench's connections: `admin` (plain) for set-up, INFO, SCAN and clean-up, and
 * `claims` (auto-pipelining, as an application would configure it) that carry only the
 * library's claims. Several claim connections let Redis run one connection's batch while
 * Node handles another's replies; on one connection the two take turns idling.
 */
export interface RedisClients {
  readonly admin: Redis;
  readonly claims: readonly Redis[];
}

function connect(target: RedisTarget, enableAutoPipelining: boolean): Redis {
  return new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    enableAutoPipelining,
    maxRetriesPerRequest: 1,
  });
}

export function connectClients(target: RedisTarget, claimConnections: number): RedisClients {
  return { admin: connect(target, false), claims: Array.from({ length: claimConnections }, () => connect(target, true)) };
}

export async function closeClients(clients: RedisClients): Promise<void> {
  await Promise.all([clients.admin, ...clients.claims].map((client) => client.quit().catch(() => client.disconnect())));
}
