import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { IdempotencyMismatchError, InvalidInputError } from '../errors.js';
import type {
  BestAvailableClaim,
  ClaimGranted,
  ClaimRefusal,
  ClaimResult,
  ConfirmResult,
  HoldRef,
  HoldRefusal,
  ReleaseResult,
  SeatClaim,
  SeatMap,
} from '../results.js';
import { seatIndex, seatLabel, seatOfIndex, type Seat } from '../seats.js';
import { defaultSettings, type AdmissionSettings } from '../settings.js';
import type { Database, HoldStatus } from '../store/database.js';
import type { EventInfo } from '../store/events.js';
import { freeSeatsOf, moveHold, type SeatTake } from '../store/seat-writes.js';
import { checkId, checkIdempotencyKey, checkSeatList, checkUserId, checkWhole } from '../validation.js';
import { findBestSeats, freeMask, queuedBestSeats } from './best-seats.js';
import type { EventCache } from './event-cache.js';

/**
 * Holds over PostgreSQL, shared by the naive, pessimistic and optimistic strategies: the claim
 * plumbing (validation, idempotency, refusals, the grant) and the hold commands (confirm,
 * release, cancel) and the seat map. Only how a claim reads and takes seats differs between
 * the strategies; everything here is the same for all three.
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

/** The validation settings of a strategy: the engine's defaults with its own claim size. */
export function claimSettings(options: PgStrategyOptions): AdmissionSettings {
  return { ...defaultSettings, maxSeatsPerClaim: options.maxSeatsPerClaim ?? defaultSettings.maxSeatsPerClaim };
}

// ---------------------------------------------------------------------------------------
// Claims: validation

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

export async function prepareSeatClaim(claim: SeatClaim, events: EventCache, settings: AdmissionSettings): Promise<PreparedSeatClaim> {
  const seats = checkSeatList(claim.seats, settings);
  const prepared = await prepareClaim(claim, ['seats', ...seats.map(seatLabel).sort()], events);
  const { rows, cols } = prepared.event;
  const offGrid = seats.find((seat) => seat.row > rows || seat.col > cols);
  if (offGrid !== undefined) throw new InvalidInputError('seats', `seat ${seatLabel(offGrid)} is not on the grid`);
  return { ...prepared, seats, indexes: seats.map((seat) => seatIndex(seat, cols)) };
}

export async function prepareBestClaim(
  claim: BestAvailableClaim,
  events: EventCache,
  settings: AdmissionSettings,
): Promise<PreparedBestClaim> {
  const quantity = checkWhole('quantity', claim.quantity, 1, settings.maxSeatsPerClaim);
  const allowSplit = claim.allowSplit ?? true;
  const prepared = await prepareClaim(claim, ['best', String(quantity), String(allowSplit)], events);
  return { ...prepared, quantity, allowSplit };
}

// ---------------------------------------------------------------------------------------
// Claims: the transaction around a decision

/** What every claim reads first, in one query. */
export interface ClaimContext {
  /** The database clock at the start of the transaction: the one that decides expiry. */
  readonly now: Date;
  /** The user's seats in live holds and bookings (0 when the event has no per-user limit). */
  readonly userSeats: number;
}

/** A hold is live while confirmed, or held and not yet past its expiry. */
const liveHold = sql<boolean>`(status = 'confirmed' or (status = 'held' and expires_at > now()))`;

/** A seat is free when nobody holds it, or its hold is past its expiry: expired holds never block. */
export const seatIsFree = sql<boolean>`(state = 'free' or (state = 'held' and held_until < now()))`;

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

function replayOf(response: unknown): ClaimResult {
  // Only storeAnswer below writes the column, always with a ClaimResult.
  const stored = response as StoredClaimResult;
  if (!stored.ok) return { ...stored, replayed: true };
  return { ...stored, expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt), replayed: true };
}

/**
 * Claims the idempotency key for this transaction, or returns the answer stored under it. A
 * concurrent duplicate waits on the key's row here until the first commits, then replays its
 * answer: a key never claims twice. The key is one per user; used for another event it is a
 * mismatch (the fingerprint does not name the event).
 */
async function reserveKey(trx: Transaction<Database>, claim: PreparedClaim, key: string): Promise<ClaimResult | undefined> {
  const eventId = claim.event.eventId;
  const inserted = await trx
    .insertInto('idempotency_records')
    .values({ user_id: claim.userId, key, event_id: eventId, fingerprint: claim.fingerprint, response: sql`'{}'::jsonb` })
    .onConflict((conflict) => conflict.columns(['user_id', 'key']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  if (inserted !== undefined) return undefined;
  const record = await trx
    .selectFrom('idempotency_records')
    .select(['event_id', 'fingerprint', 'response'])
    .where('user_id', '=', claim.userId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  if (record.fingerprint !== claim.fingerprint || record.event_id !== eventId) throw new IdempotencyMismatchError();
  return replayOf(record.response);
}

async function storeAnswer(trx: Transaction<Database>, claim: PreparedClaim, key: string, result: ClaimResult): Promise<void> {
  await trx
    .updateTable('idempotency_records')
    .set({ response: sql`${JSON.stringify(result)}::jsonb` })
    .where('user_id', '=', claim.userId)
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
// Claims: reads, refusals and the grant

export interface SeatRead {
  readonly seat_index: number;
  readonly version: number;
  readonly free: boolean;
}

/** The listed seats' states, in index order; `lock` takes their row locks in that order. */
export async function readSeats(trx: Transaction<Database>, eventId: string, indexes: readonly number[], lock: boolean): Promise<SeatRead[]> {
  const query = trx
    .selectFrom('seats')
    .select(['seat_index', 'version', seatIsFree.as('free')])
    .where('event_id', '=', eventId)
    .where('seat_index', '=', sql<number>`any(${[...indexes]}::int[])`)
    .orderBy('seat_index');
  return lock ? query.forUpdate().execute() : query.execute();
}

/** Every free seat of the event, with its version, in index order (no locks). */
export async function readFreeSeats(trx: Transaction<Database>, eventId: string): Promise<{ seat_index: number; version: number }[]> {
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

export const soldOut: ClaimRefusal = Object.freeze({ ok: false, reason: 'sold-out', replayed: false, cached: false });

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

/**
 * The refusal for a specific-seats claim, in the engine's order: sold out (no seat of the
 * event free), seats taken (listed in the claim's order), the per-user limit; or undefined.
 */
export async function seatClaimRefusal(
  trx: Transaction<Database>,
  claim: PreparedSeatClaim,
  context: ClaimContext,
  seats: readonly SeatRead[],
): Promise<ClaimRefusal | undefined> {
  const free = new Set(seats.filter((seat) => seat.free).map((seat) => seat.seat_index));
  const taken = claim.indexes.filter((index) => !free.has(index));
  if (taken.length > 0) return (await anySeatFree(trx, claim.event.eventId)) ? seatsTaken(claim, taken) : soldOut;
  return userLimit(claim, context, claim.indexes.length);
}

/** The seats a best-available claim decided to take. */
export interface BestChoice {
  readonly ok: true;
  readonly seats: readonly number[];
}

/**
 * The best-available decision on a free set: a refusal (sold out, not enough seats, the
 * per-user limit, no adjacent block), or the seats to take. `ahead` > 0 aims past that many
 * identical claims (see queuedBestSeats).
 */
export function chooseBestSeats(
  claim: PreparedBestClaim,
  context: ClaimContext,
  freeIndexes: readonly number[],
  ahead = 0,
): ClaimRefusal | BestChoice {
  const available = freeIndexes.length;
  if (available === 0) return soldOut;
  if (available < claim.quantity) return { ok: false, reason: 'not-enough-seats', available, replayed: false };
  const overLimit = userLimit(claim, context, claim.quantity);
  if (overLimit !== undefined) return overLimit;
  const { rows, cols, capacity } = claim.event;
  const free = freeMask(capacity, freeIndexes);
  const best =
    ahead > 0
      ? queuedBestSeats(free, rows, cols, claim.quantity, claim.allowSplit, ahead)
      : findBestSeats(free, rows, cols, claim.quantity, claim.allowSplit);
  if (best === undefined) return { ok: false, reason: 'no-adjacent-block', replayed: false };
  return { ok: true, seats: best.seats };
}

/** The seat write a grant makes: held until now + TTL (by the database clock), or sold. */
export function seatTake(claim: PreparedClaim, context: ClaimContext, indexes: readonly number[]): SeatTake {
  return {
    eventId: claim.event.eventId,
    holdId: claim.holdId,
    userId: claim.userId,
    seatIndexes: indexes,
    expiresAt: claim.holdTtlMs === 0 ? null : new Date(context.now.getTime() + claim.holdTtlMs),
  };
}

export function granted(claim: PreparedClaim, take: SeatTake): ClaimGranted {
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

// ---------------------------------------------------------------------------------------
// Hold commands and the seat map

export interface HoldCommands {
  confirm(ref: HoldRef): Promise<ConfirmResult>;
  release(ref: HoldRef): Promise<ReleaseResult>;
  cancel(ref: HoldRef): Promise<ReleaseResult>;
  seatMap(eventId: string): Promise<SeatMap>;
}

const notFound: HoldRefusal = Object.freeze({ ok: false, reason: 'hold-not-found' });
const expired: HoldRefusal = Object.freeze({ ok: false, reason: 'hold-expired' });

interface OwnHold {
  readonly id: string;
  readonly eventId: string;
  readonly seatIndexes: readonly number[];
  readonly status: HoldStatus;
  /** Held, and past its expiry by the database clock. */
  readonly lapsed: boolean;
  readonly seats: readonly Seat[];
}

/** Thrown to roll a transaction back with an answer. */
class Rollback {
  readonly result: ConfirmResult;

  constructor(result: ConfirmResult) {
    this.result = result;
  }
}

/**
 * The caller's hold, row-locked for the rest of the transaction so commands on one hold run
 * one at a time; undefined for another user's hold or another event's (a stranger learns
 * nothing), and for released or cancelled ones (gone, as in the engine).
 */
async function lockOwnHold(trx: Transaction<Database>, ref: HoldRef, event: EventInfo): Promise<OwnHold | undefined> {
  const row = await trx
    .selectFrom('holds')
    .select(['id', 'event_id', 'user_id', 'seat_indexes', 'status', sql<boolean>`status = 'held' and expires_at <= now()`.as('lapsed')])
    .where('id', '=', ref.holdId)
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined || row.user_id !== ref.userId || row.event_id !== ref.eventId) return undefined;
  if (row.status === 'released' || row.status === 'cancelled') return undefined;
  return {
    id: row.id,
    eventId: row.event_id,
    seatIndexes: row.seat_indexes,
    status: row.status,
    lapsed: row.lapsed,
    seats: row.seat_indexes.map((i) => seatOfIndex(i, event.cols)),
  };
}

/** Expires a held hold found past its expiry (what the sweeper would do), then says so. */
async function expireLapsed(trx: Transaction<Database>, hold: OwnHold): Promise<HoldRefusal> {
  if (await moveHold(trx, hold.id, 'held', 'expired')) await freeSeatsOf(trx, hold.eventId, hold.id);
  return expired;
}

/** Sells a held hold's seats; the row count proves every seat was still this hold's (or free, when late). */
async function sellHeldSeats(trx: Transaction<Database>, hold: OwnHold): Promise<boolean> {
  const update = trx
    .updateTable('seats')
    .set({ state: 'sold', hold_id: hold.id, held_until: null, version: sql`version + 1` })
    .where('event_id', '=', hold.eventId);
  const result = hold.lapsed
    ? // A late payment wins only where nobody took the seat since: still ours, or free.
      await update
        .where('seat_index', '=', sql<number>`any(${[...hold.seatIndexes]}::int[])`)
        .where((eb) => eb.or([eb('hold_id', '=', hold.id), seatIsFree]))
        .executeTakeFirst()
    : await update.where('hold_id', '=', hold.id).where('state', '=', 'held').executeTakeFirst();
  return Number(result.numUpdatedRows) === hold.seatIndexes.length;
}

export function createHoldCommands(db: Kysely<Database>, events: EventCache): HoldCommands {
  async function checkRef(ref: HoldRef): Promise<EventInfo> {
    const eventId = checkId('eventId', ref.eventId);
    checkUserId(ref.userId);
    checkId('holdId', ref.holdId);
    return events.get(eventId);
  }

  return {
    async confirm(ref: HoldRef): Promise<ConfirmResult> {
      const event = await checkRef(ref);
      try {
        return await db.transaction().execute(async (trx): Promise<ConfirmResult> => {
          const hold = await lockOwnHold(trx, ref, event);
          if (hold === undefined) return notFound;
          if (hold.status === 'confirmed') return { ok: true, seats: hold.seats, alreadyConfirmed: true };
          if (hold.status !== 'held') return expired;
          if (!(await sellHeldSeats(trx, hold))) throw new Rollback(expired);
          // The hold row is locked: an expiry cannot have moved it since we read it.
          if (!(await moveHold(trx, hold.id, 'held', 'confirmed'))) throw new Rollback(expired);
          await trx.insertInto('bookings').values({ id: hold.id, event_id: hold.eventId, user_id: ref.userId }).execute();
          return { ok: true, seats: hold.seats, alreadyConfirmed: false };
        });
      } catch (error) {
        if (error instanceof Rollback) return error.result;
        throw error;
      }
    },

    async release(ref: HoldRef): Promise<ReleaseResult> {
      const event = await checkRef(ref);
      return db.transaction().execute(async (trx): Promise<ReleaseResult> => {
        const hold = await lockOwnHold(trx, ref, event);
        if (hold === undefined) return notFound;
        if (hold.status === 'confirmed') return { ok: false, reason: 'wrong-state', status: 'sold' };
        if (hold.status !== 'held') return expired;
        if (hold.lapsed) return expireLapsed(trx, hold);
        await moveHold(trx, hold.id, 'held', 'released');
        await freeSeatsOf(trx, hold.eventId, hold.id);
        return { ok: true, seats: hold.seats };
      });
    },

    /** The hold row stays (status cancelled, for the record); its booking row is deleted. */
    async cancel(ref: HoldRef): Promise<ReleaseResult> {
      const event = await checkRef(ref);
      return db.transaction().execute(async (trx): Promise<ReleaseResult> => {
        const hold = await lockOwnHold(trx, ref, event);
        if (hold === undefined) return notFound;
        if (hold.status === 'held') return hold.lapsed ? expireLapsed(trx, hold) : { ok: false, reason: 'wrong-state', status: 'held' };
        if (hold.status !== 'confirmed') return expired;
        await moveHold(trx, hold.id, 'confirmed', 'cancelled');
        await freeSeatsOf(trx, hold.eventId, hold.id);
        await trx.deleteFrom('bookings').where('id', '=', hold.id).execute();
        return { ok: true, seats: hold.seats };
      });
    },

    async seatMap(eventId: string): Promise<SeatMap> {
      const event = await events.get(checkId('eventId', eventId));
      const rows = await db
        .selectFrom('seats')
        .select(['seat_index', 'state', seatIsFree.as('free')])
        .where('event_id', '=', event.eventId)
        .execute();
      const states = new Array<string>(event.capacity).fill('.');
      let available = event.capacity;
      for (const row of rows) {
        if (row.free) continue;
        states[row.seat_index] = row.state === 'sold' ? 'S' : 'H';
        available--;
      }
      return {
        rows: event.rows,
        cols: event.cols,
        capacity: event.capacity,
        available,
        maxSeatsPerUser: event.maxSeatsPerUser,
        generation: 0,
        states: states.join(''),
      };
    },
  };
}
