/** Tunables of one Admission instance. Every field has a frozen default below. */
export interface AdmissionSettings {
  /** First segment of every key: `<keyPrefix>:{ev:<eventId>}:...`. */
  readonly keyPrefix: string;
  /** How long a hold lasts when the claim does not say. */
  readonly holdTtlMs: number;
  /**
   * Redis reaps a hold this long after it expires. A store of record that confirms only
   * unexpired holds (by its own clock) sets this above its clock skew, so a confirm
   * never races a reap.
   */
  readonly expiryGraceMs: number;
  /** How long an expired hold is remembered, so a late confirm hears "expired". */
  readonly tombstoneMs: number;
  /** Due holds each call reaps before deciding, at most (keeps every call bounded). */
  readonly reapBatchSize: number;
  /** How long an idempotency record (and so a replayable answer) is kept. */
  readonly idempotencyTtlMs: number;
  /**
   * Staleness bound of the in-process sold-out cache: for at most this long after Redis
   * said "sold out", this process answers "sold out" without a round trip. Seats freed by
   * another process may go unseen that long; this process's own releases clear it at
   * once, and it never outlives the next hold expiry Redis reported. 0 disables it.
   */
  readonly soldOutCacheMs: number;
  /** Events the sold-out cache remembers, at most. */
  readonly soldOutCacheMaxEvents: number;
  /** Seats one claim may ask for (listed seats, or a best-available quantity). */
  readonly maxSeatsPerClaim: number;
  /** Largest grid an event may have. */
  readonly maxRows: number;
  readonly maxCols: number;
  /** Seats per step when loading an event: bounds each script call's running time. */
  readonly loadChunkSeats: number;
  /** An abandoned load's staging keys vanish this long after its last step. */
  readonly stagingTtlMs: number;
}

export const defaultSettings: Readonly<AdmissionSettings> = Object.freeze({
  keyPrefix: 'sg',
  holdTtlMs: 10 * 60_000,
  expiryGraceMs: 0,
  tombstoneMs: 60 * 60_000,
  reapBatchSize: 100,
  idempotencyTtlMs: 24 * 60 * 60_000,
  soldOutCacheMs: 1_000,
  soldOutCacheMaxEvents: 10_000,
  maxSeatsPerClaim: 100,
  maxRows: 1_000,
  maxCols: 1_000,
  loadChunkSeats: 10_000,
  stagingTtlMs: 60_000,
});
