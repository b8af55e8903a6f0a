import { LRUCache } from 'lru-cache';

/** A token bucket's shape: `burst` at once, refilled at `perSecond`. */
export interface BucketRate {
  readonly perSecond: number;
  readonly burst: number;
}

/** One bucket's answer to "may I take a token?", in the units the RateLimit headers use. */
export interface BucketVerdict {
  readonly allowed: boolean;
  /** The bucket's size. */
  readonly limit: number;
  /** Whole tokens left. */
  readonly remaining: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
  /** Seconds until a token is there (0: now). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * Token buckets in this process, by key. The same arithmetic as lua/token-bucket-1.lua, with
 * this process's clock. Idle keys are forgotten (LRU), which only ever gives them a full bucket.
 */
export class LocalTokenBuckets {
  readonly #buckets = new LRUCache<string, Bucket>({ max: 100_000 });

  take(key: string, rate: BucketRate, now = Date.now()): BucketVerdict {
    const bucket = this.#buckets.get(key) ?? { tokens: rate.burst, refilledAt: now };
    bucket.tokens = Math.min(rate.burst, bucket.tokens + (Math.max(0, now - bucket.refilledAt) / 1_000) * rate.perSecond);
    bucket.refilledAt = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    return {
      allowed,
      limit: rate.burst,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((rate.burst - bucket.tokens) / rate.perSecond),
      retryAfterSeconds: bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / rate.perSecond),
    };
  }
}
