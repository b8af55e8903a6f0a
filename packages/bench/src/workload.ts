import { randomInt } from 'node:crypto';
import type { Seat } from '@seatgrid/admission';

/**
 * The one claim both sides of the comparison send: one seat drawn uniformly from a large
 * grid, a random user, a fresh hold id, mode 'hold' with the library's default TTL (so no
 * hold expires during a run and every call reaps nothing), no idempotency key.
 *
 * redis-benchmark can only vary an argument through `__rand_int__`, which it replaces by a
 * 12-digit zero-padded number in [0, keyspace). The script reads a seat's row and col with
 * tonumber(), so "000000000417" is row 417; with keyspace = max(rows, cols) + 1 the values
 * cover 1..rows and 1..cols exactly, plus 0, which the script refuses as INVALID_SEAT before
 * it touches the grid (about 0.2% of calls on a 1000 x 1000 grid; counted, see
 * claim-accounting.ts). The library draws its seats uniformly from 1..rows x 1..cols: the
 * same distribution as redis-benchmark's valid seats.
 */
export interface Workload {
  readonly rows: number;
  readonly cols: number;
  readonly mode: 'hold';
  readonly holdTtlMs: number;
  readonly seatsPerClaim: 1;
  /** redis-benchmark's -r: every `__rand_int__` is a number in [0, keyspace). */
  readonly keyspace: number;
}

export const RAND_TOKEN = '__rand_int__';
/** User ids are 'u' + two tokens: ~1M distinct users, the same shape on both sides. */
export const USER_ID_TEMPLATE = `u${RAND_TOKEN}${RAND_TOKEN}`;
/** Hold ids need to be unique per grant (the script refuses a reused one): 4 tokens, ~1e12 ids. */
export const HOLD_ID_TEMPLATE = `h${RAND_TOKEN}${RAND_TOKEN}${RAND_TOKEN}${RAND_TOKEN}`;

export function defineWorkload(rows: number, cols: number, holdTtlMs: number): Workload {
  return { rows, cols, mode: 'hold', holdTtlMs, seatsPerClaim: 1, keyspace: Math.max(rows, cols) + 1 };
}

/** Share of redis-benchmark calls whose seat has a 0 row or col (refused as INVALID_SEAT). */
export function expectedInvalidSeatShare(workload: Workload): number {
  return 1 - (workload.rows / workload.keyspace) * (workload.cols / workload.keyspace);
}

/** What redis-benchmark puts in place of one `__rand_int__`. */
export function randomToken(keyspace: number): string {
  return String(randomInt(keyspace)).padStart(12, '0');
}

export function randomUserId(workload: Workload): string {
  return USER_ID_TEMPLATE.replaceAll(RAND_TOKEN, () => randomToken(workload.keyspace));
}

export function randomSeat(workload: Workload): Seat {
  return { row: 1 + randomInt(workload.rows), col: 1 + randomInt(workload.cols) };
}
