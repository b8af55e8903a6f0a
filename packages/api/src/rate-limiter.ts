import type { Response } from 'express';
import type { Cluster, Redis } from 'ioredis';
import { addressKey } from './client-address.ts';
import type { ApiConfig } from './config.ts';
import { ProblemError } from './http-problem.ts';
import { RedisTokenBuckets } from './redis-token-buckets.ts';
import { LocalTokenBuckets, type BucketRate, type BucketVerdict } from './token-bucket.ts';

export interface RateLimitSettings {
  /** Claims per user (RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST); perSecond 0 turns it off. */
  readonly user: BucketRate;
  /** Claims per client address (RATE_LIMIT_IP_PER_SECOND, RATE_LIMIT_IP_BURST); perSecond 0 turns it off. */
  readonly address: BucketRate;
  /** The bucket keys in Redis: <prefix>user:<userId> and <prefix>ip:<address>. */
  readonly keyPrefix: string;
  /** The longest a take waits for Redis before it falls back to this process's buckets. */
  readonly redisTimeoutMs: number;
  /** After Redis failed or was slow, takes skip it for this long (a sick Redis costs no request a wait). */
  readonly redisRetryMs: number;
}

export const defaultRateLimitSettings: RateLimitSettings = Object.freeze({
  user: Object.freeze({ perSecond: 50, burst: 100 }),
  address: Object.freeze({ perSecond: 500, burst: 1_000 }),
  keyPrefix: 'sg:rl:',
  redisTimeoutMs: 75,
  redisRetryMs: 1_000,
});

/** The limits the environment asks for. */
export function rateLimitSettings(config: ApiConfig): Pick<RateLimitSettings, 'user' | 'address'> {
  return {
    user: { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst },
    address: { perSecond: config.rateLimitIpPerSecond, burst: config.rateLimitIpBurst },
  };
}

/** The two buckets a claim takes from. */
export type RateLimitBucket = 'user' | 'address';

/** res.locals key naming the bucket that refused a claim (429), for the request metrics. */
export const RATE_LIMITED_BY = 'rateLimitedBy';

/** Who a claim counts against. */
export interface RateLimitedCaller {
  readonly userId: string;
  /** The socket's peer address (req.socket.remoteAddress). */
  readonly address: string | undefined;
}

/** Redis did not answer within redisTimeoutMs. */
export class RateLimitStoreTimeout extends Error {
  constructor(ms: number) {
    super(`the rate-limit store did not answer within ${ms} ms`);
    this.name = 'RateLimitStoreTimeout';
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RateLimitStoreTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Token buckets for claims, per user and per client address, kept in Redis so every API
 * process shares them. When Redis is down, slow or failing, a take falls back to buckets in
 * this process: still limited (per process, so at most the number of processes times the
 * limit), never refused for everyone. Every answer carries RateLimit-Limit / -Remaining /
 * -Reset (IETF draft) of the bucket that binds; a refusal is 429 with Retry-After. With both
 * limits at 0 a take does nothing at all: no Redis round trip, no headers.
 */
export class RateLimiter {
  readonly #settings: RateLimitSettings;
  readonly #shared: RedisTokenBuckets | undefined;
  readonly #local = new LocalTokenBuckets();
  readonly #onRedisFailure: (error: unknown) => void;
  #skipRedisUntil = 0;

  constructor(
    redis: Redis | Cluster | undefined,
    settings: Partial<RateLimitSettings> = {},
    onRedisFailure: (error: unknown) => void = () => {},
  ) {
    this.#settings = Object.freeze({ ...defaultRateLimitSettings, ...settings });
    this.#shared = redis === undefined ? undefined : new RedisTokenBuckets(redis);
    this.#onRedisFailure = onRedisFailure;
  }

  /** Takes one token from each bucket of the caller or throws the 429 problem; sets the headers either way. */
  async take(caller: RateLimitedCaller, res: Response): Promise<void> {
    const { user, address, keyPrefix } = this.#settings;
    const buckets: { key: string; rate: BucketRate; name: RateLimitBucket }[] = [];
    if (user.perSecond > 0) buckets.push({ key: `${keyPrefix}user:${caller.userId}`, rate: user, name: 'user' });
    if (address.perSecond > 0) buckets.push({ key: `${keyPrefix}ip:${addressKey(caller.address)}`, rate: address, name: 'address' });
    if (buckets.length === 0) return;
    const verdicts = await this.#takeAll(buckets);
    const verdict = binding(verdicts);
    res.set({
      'RateLimit-Limit': String(verdict.limit),
      'RateLimit-Remaining': String(verdict.remaining),
      'RateLimit-Reset': String(verdict.resetSeconds),
    });
    if (!verdict.allowed) {
      res.locals[RATE_LIMITED_BY] = buckets[verdicts.indexOf(verdict)]?.name;
      throw new ProblemError('rate-limited', {}, { 'Retry-After': String(Math.max(1, verdict.retryAfterSeconds)) });
    }
  }

  async #takeAll(buckets: readonly { key: string; rate: BucketRate }[]): Promise<BucketVerdict[]> {
    const shared = this.#shared;
    if (shared?.connected && Date.now() >= this.#skipRedisUntil) {
      try {
        return await within(Promise.all(buckets.map(({ key, rate }) => shared.take(key, rate))), this.#settings.redisTimeoutMs);
      } catch (error) {
        this.#skipRedisUntil = Date.now() + this.#settings.redisRetryMs;
        this.#onRedisFailure(error);
      }
    }
    return buckets.map(({ key, rate }) => this.#local.take(key, rate));
  }
}

/** The verdict that decides: a refusal (the longest wait), else the bucket with the fewest tokens left. */
function binding(verdicts: readonly BucketVerdict[]): BucketVerdict {
  return verdicts.reduce((worst, v) => {
    if (v.allowed !== worst.allowed) return v.allowed ? worst : v;
    if (!v.allowed) return v.retryAfterSeconds > worst.retryAfterSeconds ? v : worst;
    return v.remaining < worst.remaining ? v : worst;
  });
}
