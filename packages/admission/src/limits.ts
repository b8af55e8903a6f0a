/**
 * The limits every layer holds to: the scripts, the store, the strategies and the HTTP API
 * all read them from here, so no layer accepts what another would refuse.
 */
export const limits = Object.freeze({
  /** Largest grid an event may have. */
  maxRows: 1_000,
  maxCols: 1_000,
  /** Seats one claim may list, or ask for. */
  maxSeatsPerClaim: 100,
  /** Characters of an event name. */
  maxEventNameLength: 200,
  /** Characters of a user id. */
  maxUserIdLength: 128,
  /** Characters of an idempotency key. */
  maxIdempotencyKeyLength: 255,
  /** Characters of an event, hold or entry id. */
  maxIdLength: 64,
  /** An event's hold TTL, in ms. */
  minHoldTtlMs: 1_000,
  maxHoldTtlMs: 24 * 60 * 60_000,
});

/** Ids become part of Redis key names: a closed alphabet keeps them from breaking the hash tag. */
export const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Any text without control characters (C0, DEL or C1): the scripts use one as a separator,
 * and an invisible character in an id is always a mistake or an attack.
 */
export const userIdPattern = /^[^\u0000-\u001f\u007f-\u009f]{1,128}$/u;

/** Text that PostgreSQL stores and a person reads: no control characters (NUL included). */
export const textPattern = /^[^\u0000-\u001f\u007f-\u009f]*$/u;

/** Idempotency-Key: 1-255 printable ASCII characters. */
export const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;
