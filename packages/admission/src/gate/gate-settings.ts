/** Tunables of the Redis gate. Every field has a frozen default below. */
export interface GateSettings {
  /** First segment of every key: `<keyPrefix>:{ev:<eventId>}:...`. Default 'sg'. */
  readonly keyPrefix: string;
  /** How long a hold lasts when neither the claim nor the event says. Default 10 min. */
  readonly holdTtlMs: number;
  /**
   * Redis reaps a hold this long after it expires, so a store of record that decides by its
   * own clock (confirm only an unexpired hold) never races a reap. Set it above the clock
   * skew between Redis and the store. Default 500 ms.
   */
  readonly expiryGraceMs: number;
  /** How long an expired hold is remembered, so a late confirm hears "expired". Default 1 h. */
  readonly tombstoneMs: number;
  /** Due holds each call reaps before deciding, at most (keeps every call bounded). Default 100. */
  readonly reapBatchSize: number;
  /** How long an idempotency record (and so a replayable answer) is kept. Default 24 h. */
  readonly idempotencyTtlMs: number;
  /**
   * Staleness bound of the in-process sold-out cache: for at most this long after Redis said
   * "sold out", this process answers "sold out" without a round trip. Seats freed by another
   * process may go unseen that long; this process's own releases clear it at once, and it
   * never outlives the next hold expiry Redis reported. 0 disables it. Default 1 s.
   */
  readonly soldOutCacheMs: number;
  /** Events the sold-out cache remembers, at most. Default 10,000. */
  readonly soldOutCacheMaxEvents: number;
  /** Seats per step when loading an event: bounds each script call's running time. Default 10,000. */
  readonly loadChunkSeats: number;
  /** Rows per step when loading an event (each row touched is re-indexed): bounds it too. Default 100. */
  readonly loadChunkRows: number;
  /** Records the event's change stream keeps, about (readers further behind start from a snapshot). Default 10,000. */
  readonly streamMaxLen: number;
  /** An abandoned load's staging keys vanish this long after its last step. Default 60 s. */
  readonly stagingTtlMs: number;
}

export const defaultGateSettings: Readonly<GateSettings> = Object.freeze({
  keyPrefix: 'sg',
  holdTtlMs: 10 * 60_000,
  expiryGraceMs: 500,
  tombstoneMs: 60 * 60_000,
  reapBatchSize: 100,
  idempotencyTtlMs: 24 * 60 * 60_000,
  soldOutCacheMs: 1_000,
  soldOutCacheMaxEvents: 10_000,
  loadChunkSeats: 10_000,
  loadChunkRows: 100,
  streamMaxLen: 10_000,
  stagingTtlMs: 60_000,
});
