import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { IdempotencyInFlightError, IdempotencyMismatchError, InvalidInputError } from '../errors.js';
import type { BestAvailableClaim, ClaimGranted, ClaimRefusal, ClaimResult, SeatClaim } from '../results.js';
import { seatIndex, seatLabel, seatOfIndex, type Seat } from '../seats.js';
import { defaultSettings, type AdmissionSettings } from '../settings.js';
import type { Database } from '../store/database.js';
import type { EventInfo } from '../store/events.js';
import { insertHold, seatIsFree, type SeatTake } from '../store/seat-writes.js';
import { checkId, checkIdempotencyKey, checkSeatList, checkUserId, checkWhole } from '../validation.js';
import { findBestSeats, freeMask, queuedBestSeats } from './best-seats.js';
import { EventCache } from './event-cache.js';
import { createHoldCommands } from './pg-holds.js';
import type { BookingStrategy, StrategyName } from './strategy.js';

/**
 * Claims over PostgreSQL, shared by the naive, pessimistic and optimistic strategies: the
 * validation, the transaction around a decision (idempotency, the context read), the reads,
 * refusals and the grant. Only how a claim reads and takes seats differs between the
 * strategies (their own files); everything here is the same for all three.
 */
export interface PgStrategyOptions {
  readonly db: Kysely<Database>;
  /** Seats one claim may ask for (listed seats, or a best-available quantity). Default 100. */
  readonly maxSeatsPerClaim?: number;
  /** Optimistic only: retries after a write conflict, at most. Default 8. */
  readonly maxRetries?: number;
  /** Optimistic only: the wait before retry n is retryBaseDelayMs * 2^n * random(). Default 2. */
  readonly retryBaseDelayMs?: number;
  /** Optimistic only: called on every write conflict (a metric hook). */
  readonly onConflict?: () => void;
}

/** What makes a strategy its own: how it decides a claim that passed validation. */
export interface ClaimPaths {
  seats(claim: PreparedSeatClaim): Promise<ClaimResult>;
  best(claim: PreparedBestClaim): Promise<ClaimResult>;
}

/**
 * A PostgreSQL strategy: every claim is validated and its event looked up the same way, then
 * handed to the strategy's own path; the hold commands and the seat map are shared (pg-holds.ts).
 */
export function createPgStrategy(name: StrategyName, options: PgStrategyOptions, paths: ClaimPaths): BookingStrategy {
  const { db } = options;
  const events = new EventCache(db);
  // The engine's validation defaults, with this strategy's own claim size.
  const settings: AdmissionSettings = {
    ...defaultSettings,
    maxSeatsPerClaim: options.maxSeatsPerClaim ?? defaultSettings.maxSeatsPerClaim,
  };

  return {
    name,
    ...createHoldCommands(db, events),

    async claimSeats(claim: SeatClaim): Promise<ClaimResult> {
      return paths.seats(await prepareSeatClaim(claim, events, settings));
    },

    async claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult> {
      return paths.best(await prepareBestClaim(claim, events, settings));
    },
  };
}

// ---------------------------------------------------------------------------------------
// Validation

/** A claim after validation, with its event. */
export interface PreparedClaim {
  readonly event: EventInfo;
  readonly userId: string;
  readonly holdId: string;
  readonly explicitHoldId: boolean;
  /** 0 sells at once. */
  readonly holdTtlMs: number;
  readonly idempotencyKey: string | undefined;
  /** "The same request" for the idempotency key: '' without a key. */
  readonly fingerprint: string;
}

export interface PreparedSeatClaim extends PreparedClaim {
  readonly seats: readonly Seat[];
  /** The seats' indexes, in the claim's order. */
  readonly indexes: readonly number[];
}

export interface PreparedBestClaim extends PreparedClaim {
  readonly quantity: number;
  readonly allowSplit: boolean;
}

type ClaimInput = SeatClaim | BestAvailableClaim;

/** Checks what the claims share, in the engine's order; the event is looked up afterwards. */
async function prepareClaim(claim: ClaimInput, payload: readonly string[], events: EventCache): Promise<PreparedClaim> {
  const mode = claim.mode ?? 'hold';
  if (mode !== 'hold' && mode !== 'book') throw new InvalidInputError('mode', "must be 'hold' or 'book'");
  const askedTtl = mode === 'book' || claim.holdTtlMs === undefined ? undefined : checkWhole('holdTtlMs', claim.holdTtlMs, 1, 2 ** 40);
  const eventId = checkId('eventId', claim.eventId);
  const userId = checkUserId(claim.userId);
  const holdId = claim.holdId === undefined ? randomUUID() : checkId('holdId', claim.holdId);
  const idempotencyKey = claim.idempotencyKey === undefined ? undefined : checkIdempotencyKey(claim.idempotencyKey);
  const event = await events.get(eventId);
  const holdTtlMs = mode === 'book' ? 0 : (askedTtl ?? event.holdTtlMs);
  const fingerprint =
    idempotencyKey === undefined ? '' : createHash('sha256').update(JSON.stringify([...payload, mode, holdTtlMs])).digest('base64url');
  return { event, userId, holdId, explicitHoldId: claim.holdId !== undefined, holdTtlMs, idempotencyKey, fingerprint };
}

async function prepareSeatClaim(claim: SeatClaim, events: EventCache, settings: AdmissionSettings): Promise<PreparedSeatClaim> {
  const seats = checkSeatList(claim.seats, settings);
  const prepared = await prepareClaim(claim, ['seats', ...seats.map(seatLabel).sort()], events);
  const { rows, cols } = prepared.event;
  const offGrid = seats.find((seat) => seat.row > rows || seat.col > cols);
  if (offGrid !== undefined) throw new InvalidInputError('seats', `seat ${seatLabel(offGrid)} is not on the grid`);
  return { ...prepared, seats, indexes: seats.map((seat) => seatIndex(seat, cols)) };
}

async function prepareBestClaim(claim: BestAvailableClaim, events: EventCache, settings: AdmissionSettings): Promise<PreparedBestClaim> {
  const quantity = checkWhole('quantity', claim.quantity, 1, settings.maxSeatsPerClaim);
  const allowSplit = claim.allowSplit ?? true;
  const prepared = await prepareClaim(claim, ['best', String(quantity), String(allowSplit)], events);
  return { ...prepared, quantity, allowSplit };
}

// ---------------------------------------------------------------------------------------
// The transaction around a decision

/** What every claim reads first, in one query. */
export interface ClaimContext {
  /** The database clock at the start of the transaction: the one that decides expiry. */
  readonly now: Date;
  /** The user's seats in live holds and bookings (0 when the event has no per-user limit). */
  readonly userSeats: number;
}

/** A hold is live while confirmed, or held and not yet past its expiry. */
const liveHold = sql<boolean>`(status = 'confirmed' or (status = 'held' and expires_at > now()))`;

async function readContext(trx: Transaction<Database>, claim: PreparedClaim): Promise<ClaimContext> {
  const { eventId, maxSeatsPerUser } = claim.event;
  // A random UUID never collides: only a named hold id is looked up.
  const holdTaken = claim.explicitHoldId ? sql<boolean>`exists (select 1 from holds where id = ${claim.holdId})` : sql<boolean>`false`;
  const userSeats =
    maxSeatsPerUser > 0
      ? sql<number>`(select coalesce(sum(cardinality(seat_indexes)), 0)::int from holds
          where event_id = ${eventId} and user_id = ${claim.userId} and ${liveHold})`
      : sql<number>`0`;
  const { rows } = await sql<{ now: Date; hold_taken: boolean; user_seats: number }>`
    select now() as now, ${holdTaken} as hold_taken, ${userSeats} as user_seats`.execute(trx);
  const row = rows[0];
  if (row === undefined) throw new Error('select now() returned no row');
  if (row.hold_taken) throw new InvalidInputError('holdId', 'is already in use');
  return { now: row.now, userSeats: row.user_seats };
}

/** How a stored answer sits in idempotency_records.response (JSON: dates as strings). */
type StoredClaimResult = ClaimRefusal | (Omit<ClaimGranted, 'expiresAt'> & { readonly expiresAt: string | null });

/** jsonb keeps no key order: rebuild seats as { row, col }, so a replay reads like the first answer. */
function seatsInOrder(seats: readonly Seat[]): Seat[] {
  return seats.map(({ row, col }) => ({ row, col }));
}

function replayOf(response: unknown): ClaimResult {
  // Only storeAnswer below writes the column, always with a ClaimResult.
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
 * Claims the idempotency key (per user and event) for this transaction, or returns the
 * answer stored under it: a key never claims twice. A duplicate that finds the first request
 * still uncommitted after a short wait is told so (IdempotencyInFlightError; the IETF
 * draft's 409) instead of queueing behind it.
 */
async function reserveKey(trx: Transaction<Database>, claim: PreparedClaim, key: string): Promise<ClaimResult | undefined> {
  const eventId = claim.event.eventId;
  await sql`set local lock_timeout = ${sql.lit(IN_FLIGHT_WAIT)}`.execute(trx);
  const inserted = await trx
    .insertInto('idempotency_records')
    .values({ user_id: claim.userId, key, event_id: eventId, fingerprint: claim.fingerprint, response: sql`'{}'::jsonb` })
    .onConflict((conflict) => conflict.columns(['user_id', 'event_id', 'key']).doNothing())
    .returning('user_id')
    .executeTakeFirst()
    .catch((error: unknown) => {
      if ((error as { code?: unknown }).code === '55P03') throw new IdempotencyInFlightError();
      throw error;
    });
  await sql`set local lock_timeout to default`.execute(trx);
  if (inserted !== undefined) return undefined;
  const record = await trx
    .selectFrom('idempotency_records')
    .select(['fingerprint', 'response'])
    .where('user_id', '=', claim.userId)
    .where('event_id', '=', eventId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  if (record.fingerprint !== claim.fingerprint) throw new IdempotencyMismatchError();
  return replayOf(record.response);
}

async function storeAnswer(trx: Transaction<Database>, claim: PreparedClaim, key: string, result: ClaimResult): Promise<void> {
  await trx
    .updateTable('idempotency_records')
    .set({ response: sql`${JSON.stringify(result)}::jsonb` })
    .where('user_id', '=', claim.userId)
    .where('event_id', '=', claim.event.eventId)
    .where('key', '=', key)
    .execute();
}

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
  db: Kysely<Database>,
  claim: PreparedClaim,
  decide: (trx: Transaction<Database>, context: ClaimContext) => Promise<ClaimResult>,
): Promise<ClaimResult> {
  const key = claim.idempotencyKey;
  try {
    return await db.transaction().execute(async (trx) => {
      if (key !== undefined) {
        const replay = await reserveKey(trx, claim, key);
        if (replay !== undefined) return replay;
      }
      const result = await decide(trx, await readContext(trx, claim));
      if (key !== undefined) await storeAnswer(trx, claim, key, result);
      return result;
    });
  } catch (error) {
    // Two claims naming the same new hold id at once: the second one's insert fails.
    if (isHoldIdConflict(error)) throw new InvalidInputError('holdId', 'is already in use');
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Reads and refusals

export interface SeatRead {
  readonly seat_index: number;
  readonly version: number;
  readonly free: boolean;
}

/** A free seat, with the version it had when read. */
export interface FreeSeat {
  readonly seat_index: number;
  readonly version: number;
}

/** The listed seats' states, in index order; `lock` takes their row locks in that order. */
async function readSeats(trx: Transaction<Database>, eventId: string, indexes: readonly number[], lock: boolean): Promise<SeatRead[]> {
  const query = trx
    .selectFrom('seats')
    .select(['seat_index', 'version', seatIsFree.as('free')])
    .where('event_id', '=', eventId)
    .where('seat_index', '=', sql<number>`any(${[...indexes]}::int[])`)
    .orderBy('seat_index');
  return lock ? query.forUpdate().execute() : query.execute();
}

/** Every free seat of the event, with its version, in index order (no locks). */
export async function readFreeSeats(trx: Transaction<Database>, eventId: string): Promise<FreeSeat[]> {
  return trx
    .selectFrom('seats')
    .select(['seat_index', 'version'])
    .where('event_id', '=', eventId)
    .where(seatIsFree)
    .orderBy('seat_index')
    .execute();
}

async function anySeatFree(trx: Transaction<Database>, eventId: string): Promise<boolean> {
  const row = await trx.selectFrom('seats').select('seat_index').where('event_id', '=', eventId).where(seatIsFree).limit(1).executeTakeFirst();
  return row !== undefined;
}

const soldOut: ClaimRefusal = Object.freeze({ ok: false, reason: 'sold-out', replayed: false, cached: false });

export function seatsTaken(claim: PreparedClaim, indexes: readonly number[]): ClaimRefusal {
  return { ok: false, reason: 'seats-taken', takenSeats: indexes.map((i) => seatOfIndex(i, claim.event.cols)), replayed: false };
}

/**
 * The per-user limit, counted from the holds table. Two claims of the same user at once may
 * both pass it (neither sees the other's uncommitted hold): these comparison strategies do not
 * promise exactness there, only the admission engine does.
 */
function userLimit(claim: PreparedClaim, context: ClaimContext, wanted: number): ClaimRefusal | undefined {
  const limit = claim.event.maxSeatsPerUser;
  if (limit <= 0 || context.userSeats + wanted <= limit) return undefined;
  return { ok: false, reason: 'user-limit', limit, current: context.userSeats, replayed: false };
}

/** A specific-seats claim that may go ahead: its seats as read, all free. */
export interface SeatsFree {
  readonly ok: true;
  readonly seats: readonly SeatRead[];
}

/**
 * Reads the listed seats (`lock`: row-locked, in index order) and decides a specific-seats
 * claim: the refusal in the engine's order (sold out: no seat of the event free; seats taken,
 * listed in the claim's order; the per-user limit), or the seats read.
 */
export async function checkSeatClaim(
  trx: Transaction<Database>,
  claim: PreparedSeatClaim,
  context: ClaimContext,
  lock: boolean,
): Promise<ClaimRefusal | SeatsFree> {
  const seats = await readSeats(trx, claim.event.eventId, claim.indexes, lock);
  const free = new Set(seats.filter((seat) => seat.free).map((seat) => seat.seat_index));
  const taken = claim.indexes.filter((index) => !free.has(index));
  if (taken.length > 0) return (await anySeatFree(trx, claim.event.eventId)) ? seatsTaken(claim, taken) : soldOut;
  return userLimit(claim, context, claim.indexes.length) ?? { ok: true, seats };
}

/** The seats a best-available claim decided to take. */
export interface BestChoice {
  readonly ok: true;
  readonly seats: readonly number[];
}

/**
 * The best-available decision on the free seats read: a refusal (sold out, not enough seats,
 * the per-user limit, no adjacent block), or the seats to take. `ahead` > 0 aims past that
 * many identical claims (see queuedBestSeats).
 */
export function chooseBestSeats(
  claim: PreparedBestClaim,
  context: ClaimContext,
  freeSeats: readonly FreeSeat[],
  ahead = 0,
): ClaimRefusal | BestChoice {
  const available = freeSeats.length;
  if (available === 0) return soldOut;
  if (available < claim.quantity) return { ok: false, reason: 'not-enough-seats', available, replayed: false };
  const overLimit = userLimit(claim, context, claim.quantity);
  if (overLimit !== undefined) return overLimit;
  const { rows, cols, capacity } = claim.event;
  const free = freeMask(capacity, freeSeats.map((seat) => seat.seat_index));
  const best =
    ahead > 0
      ? queuedBestSeats(free, rows, cols, claim.quantity, claim.allowSplit, ahead)
      : findBestSeats(free, rows, cols, claim.quantity, claim.allowSplit);
  if (best === undefined) return { ok: false, reason: 'no-adjacent-block', replayed: false };
  return { ok: true, seats: best.seats };
}

// ---------------------------------------------------------------------------------------
// The grant

/**
 * Gives the seats to the claim with the strategy's own `write`, records the hold, and answers.
 * The seat write is held until now + TTL (by the database clock), or sold. A write that cannot
 * take every seat throws, rolling the attempt back.
 */
export async function grant(
  trx: Transaction<Database>,
  claim: PreparedClaim,
  context: ClaimContext,
  indexes: readonly number[],
  write: (trx: Transaction<Database>, take: SeatTake) => Promise<void>,
): Promise<ClaimGranted> {
  const take: SeatTake = {
    eventId: claim.event.eventId,
    holdId: claim.holdId,
    userId: claim.userId,
    seatIndexes: indexes,
    expiresAt: claim.holdTtlMs === 0 ? null : new Date(context.now.getTime() + claim.holdTtlMs),
  };
  await write(trx, take);
  await insertHold(trx, take);
  return {
    ok: true,
    holdId: take.holdId,
    status: take.expiresAt === null ? 'sold' : 'held',
    seats: take.seatIndexes.map((i) => seatOfIndex(i, claim.event.cols)),
    expiresAt: take.expiresAt,
    // PostgreSQL has no load generations; the strategies' answers carry 0.
    generation: 0,
    replayed: false,
  };
}

