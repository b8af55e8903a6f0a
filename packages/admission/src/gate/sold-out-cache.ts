import { LRUCache } from 'lru-cache';

/**
 * Remembers, per event, that Redis said "sold out", so this process can refuse the next
 * buyers with no round trip. An entry lives for the staleness bound at most, and never
 * past the next hold expiry Redis reported; this process's own releases delete it.
 */
export class SoldOutCache {
  readonly #cache: LRUCache<string, true> | undefined;
  readonly #staleMs: number;

  constructor(staleMs: number, maxEvents: number) {
    this.#staleMs = staleMs;
    this.#cache = staleMs > 0 ? new LRUCache({ max: maxEvents, ttl: staleMs, ttlAutopurge: false }) : undefined;
  }

  isSoldOut(eventId: string): boolean {
    return this.#cache?.get(eventId) === true;
  }

  /** msUntilNextExpiry: from the script; -1 when no hold can expire. */
  markSoldOut(eventId: string, msUntilNextExpiry: number): void {
    const ttl = msUntilNextExpiry < 0 ? this.#staleMs : Math.min(this.#staleMs, msUntilNextExpiry);
    if (ttl > 0) this.#cache?.set(eventId, true, { ttl });
  }

  forget(eventId: string): void {
    this.#cache?.delete(eventId);
  }
}
