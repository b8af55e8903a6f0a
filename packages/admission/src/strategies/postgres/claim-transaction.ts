import { sql } from 'kysely';
import { InvalidInputError } from '../../errors.js';
import type { ClaimResult } from '../../results.js';
import { reserveKey, storeAnswer } from '../../store/idempotency-records.js';
import type { Store, StoreTx } from '../../store/store.js';
import type { PgClaim } from './pg-claim.js';

/** What every claim reads first. */
export interface ClaimContext {
  /** The database clock at the start of the transaction: the one that decides expiry. */
  readonly now: Date;
  /** The user's seats in live holds and bookings (0 when the event has no per-user limit). */
  readonly userSeats: number;
  /** Buyers wait on the event's waitlist: every seat freed is theirs, none is anyone else's. */
  readonly waiters: boolean;
}

/** A hold is live while confirmed, or held and not yet past its expiry. */
export const liveHold = sql<boolean>`(status = 'confirmed' or (status = 'held' and expires_at > now()))`;

/**
 * Serializes one user's claims and late confirms on one event, when the event limits seats per
 * user: the count read after this lock sees every earlier holder's commit, so two claims of
 * one user can never both pass the limit. Other users and unlimited events never wait.
 */
export async function lockUserOnEvent({ db }: StoreTx, eventId: string, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${eventId}), hashtext(${userId}))`.execute(db);
}

/** The user's seats in live holds and bookings of the event, `except` one hold: an SQL expression. */
export function userSeats({ t }: StoreTx, eventId: string, userId: string, except?: string) {
  return sql<number>`(select coalesce(sum(cardinality(seat_indexes)), 0)::int from ${t.holds}
    where event_id = ${eventId} and user_id = ${userId} and ${liveHold} and id is distinct from ${except ?? null})`;
}

async function readContext(tx: StoreTx, claim: PgClaim): Promise<ClaimContext> {
  const { eventId, maxSeatsPerUser } = claim.event;
  const limited = maxSeatsPerUser > 0;
  if (limited) await lockUserOnEvent(tx, eventId, claim.userId);
  // A random UUID never collides: only a named hold id is looked up.
  const holdTaken = claim.explicitHoldId
    ? sql<boolean>`exists (select 1 from ${tx.t.holds} where id = ${claim.holdId})`
    : sql<boolean>`false`;
  const seats = limited ? userSeats(tx, eventId, claim.userId) : sql<number>`0`;
  const { rows } = await sql<{ now: Date; hold_taken: boolean; user_seats: number; waiters: boolean }>`
    select now() as now, ${holdTaken} as hold_taken, ${seats} as user_seats,
      exists (select 1 from ${tx.t.waitlistEntries} where event_id = ${eventId} and status = 'waiting') as waiters`.execute(tx.db);
  const row = rows[0];
  if (row === undefined) throw new Error('select now() returned no row');
  if (row.hold_taken) throw new InvalidInputError('holdId', 'is already in use');
  return { now: row.now, userSeats: row.user_seats, waiters: row.waiters };
}

const owedToWaiters: ClaimResult = Object.freeze({ ok: false, reason: 'sold-out', replayed: false, cached: false });

function isHoldIdConflict(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'holds_pkey';
}

/**
 * Runs one claim attempt in one transaction: the idempotency key, the context read, the
 * strategy's decision (which reads and writes seats its own way), the stored answer. Anything
 * the decision throws rolls the whole attempt back, the key's reservation included.
 */
export async function runClaim(
  store: Store,
  claim: PgClaim,
  decide: (tx: StoreTx, context: ClaimContext) => Promise<ClaimResult>,
): Promise<ClaimResult> {
  const key = claim.idempotencyKey;
  const ref = key === undefined ? undefined : { userId: claim.userId, eventId: claim.event.eventId, key };
  try {
    return await store.transaction(async (tx) => {
      if (ref !== undefined) {
        const replay = await reserveKey(tx, ref, claim.fingerprint);
        if (replay !== undefined) return replay;
      }
      const context = await readContext(tx, claim);
      // Seats freed while buyers wait are owed to them (the gate offers them when Redis is back).
      const result = context.waiters ? owedToWaiters : await decide(tx, context);
      if (ref !== undefined) await storeAnswer(tx, ref, result);
      return result;
    });
  } catch (error) {
    // Two claims naming the same new hold id at once: the second one's insert fails.
    if (isHoldIdConflict(error)) throw new InvalidInputError('holdId', 'is already in use');
    throw error;
  }
}
