import { sql } from 'kysely';
import { IdempotencyInFlightError, IdempotencyMismatchError } from '../errors.js';
import type { ClaimGranted, ClaimRefusal, ClaimResult } from '../results.js';
import type { Seat } from '../seats.js';
import type { Executor, StoreTx } from './store.js';

/** One idempotency key of one user on one event. */
export interface IdempotencyRef {
  readonly userId: string;
  readonly eventId: string;
  readonly key: string;
}

/** How a stored answer sits in idempotency_records.response (JSON: dates as strings). */
type StoredClaimResult = ClaimRefusal | (Omit<ClaimGranted, 'expiresAt'> & { readonly expiresAt: string | null });

/** jsonb keeps no key order: rebuild seats as { row, col }, so a replay reads like the first answer. */
function seatsInOrder(seats: readonly Seat[]): Seat[] {
  return seats.map(({ row, col }) => ({ row, col }));
}

/** A stored answer, as the replay of it. */
export function replayOf(response: unknown): ClaimResult {
  // Only the writers below fill the column, always with a ClaimResult.
  const stored = response as StoredClaimResult;
  if (!stored.ok) {
    return stored.reason === 'seats-taken'
      ? { ...stored, takenSeats: seatsInOrder(stored.takenSeats), replayed: true }
      : { ...stored, replayed: true };
  }
  return {
    ...stored,
    seats: seatsInOrder(stored.seats),
    expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt),
    replayed: true,
  };
}

/** How long a duplicate waits for the first request's key row before it is "in flight". */
const IN_FLIGHT_WAIT = '200ms';

/**
 * Claims the idempotency key for this transaction, with `answer` when it is already known (a
 * Redis winner's grant) or an empty one to fill with storeAnswer, or returns the answer stored
 * under it: a key never claims twice. A duplicate that finds the first request still
 * uncommitted after a short wait is told so (IdempotencyInFlightError; the IETF draft's 409)
 * instead of queueing behind it. Another request under the same key: IdempotencyMismatchError.
 */
export async function reserveKey(
  { db }: StoreTx,
  ref: IdempotencyRef,
  fingerprint: string,
  answer?: ClaimResult,
): Promise<ClaimResult | undefined> {
  await sql`set local lock_timeout = ${sql.lit(IN_FLIGHT_WAIT)}`.execute(db);
  const inserted = await db
    .insertInto('idempotency_records')
    .values({
      user_id: ref.userId,
      key: ref.key,
      event_id: ref.eventId,
      fingerprint,
      response: answer === undefined ? sql`'{}'::jsonb` : sql`${JSON.stringify(answer)}::jsonb`,
    })
    .onConflict((conflict) => conflict.columns(['user_id', 'event_id', 'key']).doNothing())
    .returning('user_id')
    .executeTakeFirst()
    .catch((error: unknown) => {
      if ((error as { code?: unknown }).code === '55P03') throw new IdempotencyInFlightError();
      throw error;
    });
  await sql`set local lock_timeout to default`.execute(db);
  if (inserted !== undefined) return undefined;
  const record = await db
    .selectFrom('idempotency_records')
    .select(['fingerprint', 'response'])
    .where('user_id', '=', ref.userId)
    .where('event_id', '=', ref.eventId)
    .where('key', '=', ref.key)
    .executeTakeFirstOrThrow();
  if (record.fingerprint !== fingerprint) throw new IdempotencyMismatchError();
  return replayOf(record.response);
}

/** Fills the answer of a key this transaction reserved. */
export async function storeAnswer({ db }: StoreTx, ref: IdempotencyRef, result: ClaimResult): Promise<void> {
  await db
    .updateTable('idempotency_records')
    .set({ response: sql`${JSON.stringify(result)}::jsonb` })
    .where('user_id', '=', ref.userId)
    .where('event_id', '=', ref.eventId)
    .where('key', '=', ref.key)
    .execute();
}

/** An answer stored under an idempotency key of the event, and how much longer it may be replayed. */
export interface StoredAnswer {
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly result: ClaimResult;
  readonly ttlMs: number;
}

/** The event's stored answers younger than `ttlMs` (what a re-hydrated gate must replay too). */
export async function storedAnswers({ db }: Executor, eventId: string, ttlMs: number): Promise<StoredAnswer[]> {
  const rows = await db
    .selectFrom('idempotency_records')
    .select([
      'user_id',
      'key',
      'fingerprint',
      'response',
      sql<number>`${ttlMs} - extract(epoch from now() - created_at) * 1000`.as('ttl_ms'),
    ])
    .where('event_id', '=', eventId)
    .where('created_at', '>', sql<Date>`now() - ${ttlMs} * interval '1 millisecond'`)
    .where(sql<boolean>`response <> '{}'::jsonb`)
    .execute();
  return rows.map((row) => ({
    userId: row.user_id,
    idempotencyKey: row.key,
    fingerprint: row.fingerprint,
    result: replayOf(row.response),
    ttlMs: Number(row.ttl_ms),
  }));
}
