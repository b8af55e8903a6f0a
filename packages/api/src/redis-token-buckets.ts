import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { BucketRate, BucketVerdict } from './token-bucket.ts';

const COMMAND = 'seatgridTakeToken';
const LUA = readFileSync(new URL('../lua/token-bucket-1.lua', import.meta.url), 'utf8');

type TakeToken = (key: string, perSecond: number, burst: number) => Promise<unknown>;

/** The script's reply: {allowed, remaining, msUntilFull, msUntilToken}, four integers. */
function isReply(reply: unknown): reply is [number, number, number, number] {
  return Array.isArray(reply) && reply.length === 4 && reply.every((n) => Number.isInteger(n));
}

/**
 * Token buckets in Redis, shared by every API process: one atomic script call a take
 * (lua/token-bucket-1.lua, EVALSHA through defineCommand; a single key, so it runs on Cluster).
 */
export class RedisTokenBuckets {
  readonly #redis: Redis | Cluster;
  readonly #takeToken: TakeToken;

  constructor(redis: Redis | Cluster) {
    this.#redis = redis;
    const commands = redis as unknown as Record<string, TakeToken | undefined>;
    if (typeof commands[COMMAND] !== 'function') redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: LUA });
    this.#takeToken = commands[COMMAND] as TakeToken;
  }

  /** Whether the client is connected now: a command sent otherwise would wait in its offline queue. */
  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  async take(key: string, rate: BucketRate): Promise<BucketVerdict> {
    const reply = await this.#takeToken.call(this.#redis, key, rate.perSecond, rate.burst);
    if (!isReply(reply)) throw new Error(`token-bucket: unexpected reply ${JSON.stringify(reply)}`);
    const [allowed, remaining, msUntilFull, msUntilToken] = reply;
    return {
      allowed: allowed === 1,
      limit: rate.burst,
      remaining,
      resetSeconds: Math.ceil(msUntilFull / 1_000),
      retryAfterSeconds: Math.ceil(msUntilToken / 1_000),
    };
  }
}
