import type { Response } from 'express';
import { LRUCache } from 'lru-cache';
import { ProblemError } from './http-problem.ts';

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * Per-user token buckets, in this process: `burst` claims at once, refilled at `perSecond`.
 * Every answer carries RateLimit-Limit / -Remaining / -Reset (IETF draft); a refusal is 429
 * with Retry-After. Idle users are forgotten (LRU), which only ever gives them a full bucket.
 */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #buckets = new LRUCache<string, Bucket>({ max: 100_000 });

  constructor(perSecond: number, burst: number) {
    this.#perSecond = perSecond;
    this.#burst = burst;
  }

  /** Takes one token for the user or throws the 429 problem; sets the headers either way. */
  take(userId: string, res: Response, now = Date.now()): void {
    if (this.#perSecond <= 0) return;
    const bucket = this.#buckets.get(userId) ?? { tokens: this.#burst, refilledAt: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.refilledAt) / 1_000) * this.#perSecond);
    bucket.refilledAt = now;
    this.#buckets.set(userId, bucket);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const secondsToFull = Math.ceil((this.#burst - bucket.tokens) / this.#perSecond);
    res.set({
      'RateLimit-Limit': String(this.#burst),
      'RateLimit-Remaining': String(Math.floor(bucket.tokens)),
      'RateLimit-Reset': String(secondsToFull),
    });
    if (!allowed) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perSecond));
      throw new ProblemError('rate-limited', {}, { 'Retry-After': String(retryAfter) });
    }
  }
}
