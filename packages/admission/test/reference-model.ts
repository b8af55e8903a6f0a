/**
 * A pure, in-memory reference model of the admission rules, written from the rules (the Lua
 * under lua/ and the package README are the spec) rather than transliterated from the
 * scripts. It answers with the engine's public result shapes (ClaimResult, ConfirmResult,
 * ReleaseResult, ReapResult, the seat map and counters), or with the AdmissionError the
 * engine would throw, so a driver can compare both answers verbatim.
 *
 * What the model cannot know is handed to it by the driver and is never a decision:
 * - the id of a hold when the claim named none (the engine draws a random UUID);
 * - the Redis-clock time a granted hold was decided at (the driver checks it lies between
 *   two Redis TIME readings taken around the call), so expiresAt compares exactly.
 *
 * Time: the model has no clock, only "the next command". A hold is either SHORT
 * (holdTtlMs + expiryGraceMs at most SHORT_DEADLINE_MS): held in its claim's own answer and
 * past its reap deadline from the next command on; or LONG (at least LONG_DEADLINE_MS): it
 * never expires within a run. Anything in between is refused, so no answer hangs on timing.
 * With `shortTombstones` (tombstoneMs = 1), a tombstone made by one command is due to be
 * forgotten from the next command on. The driver makes both true by polling the Redis clock
 * (the one that decides expiry) past the deadlines before it sends the next command.
 *
 * The waitlist (reference-waitlist.ts) is served wherever the engine frees seats: an expiry,
 * a release, a cancel, a declined offer, and every reap while seats are pooled. Its offers are
 * holds like any, SHORT or LONG by the offer time; the time each offer was made is read off the
 * engine's news by the driver (setOfferClock), like a claim's.
 */
import type {
  ClaimResult,
  ConfirmResult,
  ExpiredHold,
  ReapResult,
  ReleaseResult,
  Seat,
  SeatMap,
  WaitlistJoinResult,
  WaitlistLeaveResult,
} from '@seatgrid/admission';
import { ReferenceWaitlist, statusName, type ModelEntry, type ModelNews } from './reference-waitlist.ts';

export const SHORT_DEADLINE_MS = 50;
export const LONG_DEADLINE_MS = 10 * 60_000;
/** The engine takes a claim naming its own hold id as a resend only this long after the grant. */
const RESEND_WINDOW_MS = 60_000;

export interface ModelConfig {
  readonly rows: number;
  readonly cols: number;
  /** 0: no limit. */
  readonly maxSeatsPerUser: number;
  /** The generation the event was created or loaded with (every grant and read carries it). */
  readonly generation: number;
  readonly expiryGraceMs: number;
  /** The settings' holdTtlMs: used when a claim gives none. */
  readonly defaultHoldTtlMs: number;
  /** The in-process sold-out cache is on, with a staleness bound far beyond a run's length. */
  readonly soldOutCache: boolean;
  /** Due holds each call reaps before deciding, at most. */
  readonly reapBatchSize: number;
  /** tombstoneMs is 1 ms (else 1 h: tombstones then outlive the run). */
  readonly shortTombstones: boolean;
  readonly maxRows: number;
  readonly maxCols: number;
  /** How long a waitlist offer is held (the event's offer time). */
  readonly offerMs: number;
}

/** What the engine throws, comparable with deepEqual. */
export type ErrorShape =
  | { readonly name: 'InvalidInputError'; readonly code: 'INVALID_INPUT'; readonly field: string; readonly message: string }
  | { readonly name: 'IdempotencyMismatchError'; readonly code: 'IDEMPOTENCY_MISMATCH'; readonly message: string };

export type Outcome<T> = { readonly result: T } | { readonly error: ErrorShape };

export interface ClaimCommon {
  readonly userId: string;
  readonly mode: 'hold' | 'book';
  /** undefined: the settings' default. Ignored for 'book'. */
  readonly holdTtlMs: number | undefined;
  readonly idempotencyKey: string | undefined;
}

export interface SeatsRequest extends ClaimCommon {
  readonly seats: readonly Seat[];
}

export interface BestRequest extends ClaimCommon {
  readonly quantity: number;
  readonly allowSplit: boolean | undefined;
}

/** What the driver tells the model about a claim (see the top of the file). */
export interface ClaimContext {
  /** The claim's explicit holdId, or the one the engine generated. */
  readonly holdId: string;
  readonly explicitHoldId: boolean;
  /** Redis-clock ms the claim was decided at. */
  readonly now: number;
}

/** A hold of the snapshot an event was loaded from (EventSnapshot's holds). */
export interface LoadedHold {
  readonly holdId: string;
  readonly userId: string;
  readonly status: 'held' | 'sold';
  readonly seats: readonly Seat[];
  /** For a held hold: its reap deadline (expiresAt + expiryGraceMs). */
  readonly deadline: number;
}

export interface HoldRefArgs {
  readonly holdId: string;
  readonly userId: string;
}

type HoldStatus = 'held' | 'sold' | 'expired';

interface ModelHold {
  readonly holdId: string;
  readonly userId: string;
  status: HoldStatus;
  /** Seat indices (row-major, 0-based) in the order the claim answered them. */
  readonly seats: readonly number[];
  /** A held hold's reap deadline (expiresAt + expiryGraceMs). */
  readonly deadline: number;
  /** In the expiry set and due: a held hold past its deadline, or a tombstone to forget. */
  due: boolean;
  /** A SHORT hold: its deadline falls within the run. */
  readonly short: boolean;
}

interface FreeRun {
  readonly row: number;
  /** Index of the run's first seat. */
  readonly first: number;
  readonly length: number;
}

interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly result: ClaimResult;
}

/** The gate's bound on a claim's (and a waitlist entry's) seats. */
const MAX_SEATS_PER_CLAIM = 100;

/** How many extra reap rounds best-available makes while it cannot be met. */
const EXTRA_REAP_ROUNDS = 16;

function inputError(field: string, message: string): { error: ErrorShape } {
  return { error: { name: 'InvalidInputError', code: 'INVALID_INPUT', field, message: `${field}: ${message}` } };
}

const MISMATCH: { error: ErrorShape } = {
  error: {
    name: 'IdempotencyMismatchError',
    code: 'IDEMPOTENCY_MISMATCH',
    message: 'this idempotency key was used with a different request',
  },
};

function isWhole(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function byDeadlineThenId(a: ModelHold, b: ModelHold): number {
  // Redis orders a sorted set by score, then by member bytes (hold ids are ASCII).
  return a.deadline - b.deadline || (a.holdId < b.holdId ? -1 : a.holdId > b.holdId ? 1 : 0);
}

function blockOf(first: number, length: number): number[] {
  return Array.from({ length }, (_, i) => first + i);
}

/**
 * Steps 1 and 2 of the best-available rule among `runs`: in the front-most row with a run of
 * exactly `quantity` or one at least two longer, the leftmost exact run, else the leftmost
 * longer one; else the front-most, leftmost run exactly one longer.
 */
function adjacentRun(runs: readonly FreeRun[], quantity: number): FreeRun | undefined {
  const tidy = runs.filter((run) => run.length === quantity || run.length >= quantity + 2);
  if (tidy.length > 0) {
    const frontRow = Math.min(...tidy.map((run) => run.row));
    const inRow = tidy.filter((run) => run.row === frontRow);
    return inRow.find((run) => run.length === quantity) ?? inRow[0];
  }
  return runs.find((run) => run.length === quantity + 1);
}

export class ReferenceModel {
  readonly config: ModelConfig;
  /** '.' free, 'H' held, 'S' sold: what seatMap().states must be. */
  readonly #seats: string[];
  /** Every hold Redis still remembers: held, sold, or an expired tombstone. */
  readonly #holds = new Map<string, ModelHold>();
  /** Holds (or tombstones) that become due at the next tick. */
  #dueNext: ModelHold[] = [];
  #soldOutCached = false;
  #generation: number;
  readonly #idempotency = new Map<string, IdempotencyRecord>();
  readonly #waitlist: ReferenceWaitlist;
  /** When each offer of the current command expires, by hold id (the engine's news). */
  #offerClock: { times: ReadonlyMap<string, number>; fallback: number } = { times: new Map(), fallback: 0 };

  constructor(config: ModelConfig) {
    if (config.shortTombstones && (config.reapBatchSize < 100 || config.soldOutCache)) {
      // Tombstones' forget times are not known to the ms: their order in a small batch, and a
      // cached sold-out bounded by them, would hang on timing.
      throw new Error('the model supports short tombstones only with an unbounded reap batch and no sold-out cache');
    }
    this.config = config;
    this.#generation = config.generation;
    this.#seats = Array.from({ length: config.rows * config.cols }, () => '.');
    this.#classifyDeadline(config.offerMs + config.expiryGraceMs);
    this.#waitlist = new ReferenceWaitlist({
      maxSeatsPerUser: config.maxSeatsPerUser,
      available: () => this.available,
      freeSeats: () => this.#seats.flatMap((state, i) => (state === '.' ? [i] : [])),
      bestSeats: (quantity) => {
        const seats = this.bestSeats(quantity, true);
        if (seats === undefined) throw new Error('the waitlist served more seats than are free');
        return seats;
      },
      markSeats: (seats, state) => {
        for (const seat of seats) this.#seats[seat] = state;
      },
      userSeats: (userId) => this.userCounts()[userId] ?? 0,
      takeOffer: (holdId, userId, seats, expiresAt) => this.#takeOffer(holdId, userId, seats, expiresAt),
      offerExpiresAt: (holdId) => this.#offerClock.times.get(holdId) ?? this.#offerClock.fallback,
    });
  }

  /** The engine's time for each offer the next command makes (from its news); others get `fallback`. */
  setOfferClock(times: ReadonlyMap<string, number>, fallback: number): void {
    this.#offerClock = { times, fallback };
  }

  /** What the commands since the last call did to the waitlist, as the engine reports it. */
  takeNews(): ModelNews[] {
    return this.#waitlist.takeNews();
  }

  get waitlist(): ReferenceWaitlist {
    return this.#waitlist;
  }

  #classifyDeadline(deadlineMs: number): 'short' | 'long' {
    if (deadlineMs <= SHORT_DEADLINE_MS) return 'short';
    if (deadlineMs >= LONG_DEADLINE_MS) return 'long';
    throw new Error(`the model cannot tell whether a hold with a ${deadlineMs} ms deadline expires within a run`);
  }

  #takeOffer(holdId: string, userId: string, seats: readonly number[], expiresAt: number): void {
    const short = this.#classifyDeadline(this.config.offerMs + this.config.expiryGraceMs) === 'short';
    const hold: ModelHold = { holdId, userId, status: 'held', seats, deadline: expiresAt + this.config.expiryGraceMs, due: false, short };
    for (const seat of seats) this.#seats[seat] = 'H';
    this.#holds.set(holdId, hold);
    if (short) this.#dueNext.push(hold);
  }

  /**
   * The state loadEvent builds from a snapshot, as seen at Redis time `now` (read before the
   * load): a held hold whose deadline has passed is due at once (a backlog to reap); any other
   * held hold must stay unexpired through the run.
   */
  loadHolds(holds: readonly LoadedHold[], now: number): void {
    for (const loaded of holds) {
      const due = loaded.status === 'held' && loaded.deadline <= now;
      if (loaded.status === 'held' && !due && loaded.deadline < now + LONG_DEADLINE_MS) {
        throw new Error(`a loaded hold with deadline ${loaded.deadline} might expire within the run`);
      }
      const hold: ModelHold = {
        holdId: loaded.holdId,
        userId: loaded.userId,
        status: loaded.status,
        seats: loaded.seats.map((seat) => this.#indexOf(seat)),
        deadline: loaded.status === 'held' ? loaded.deadline : Infinity,
        due,
        short: due,
      };
      for (const seat of hold.seats) this.#seats[seat] = hold.status === 'sold' ? 'S' : 'H';
      this.#holds.set(hold.holdId, hold);
    }
  }

  /**
   * loadEvent in 'replace' mode: the snapshot's state replaces the whole event and the
   * generation goes up by one; this process forgets its sold-out answer. Idempotency records
   * live under their own keys and survive (a retry still gets its stored answer).
   */
  reload(holds: readonly LoadedHold[], now: number): number {
    this.#holds.clear();
    this.#seats.fill('.');
    this.#dueNext = [];
    this.#soldOutCached = false;
    this.#generation++;
    this.#waitlist.reset();
    this.loadHolds(holds, now);
    return this.#generation;
  }

  // ---------------------------------------------------------------------------------------
  // Time and lazy expiry

  /** Call before every command: what the previous command made SHORT is due now. */
  tick(): void {
    for (const hold of this.#dueNext) {
      if (this.#holds.get(hold.holdId) === hold && hold.status !== 'sold') hold.due = true;
    }
    this.#dueNext = [];
  }

  /** SHORT, LONG, or a sale; refuses durations whose expiry within a run is a matter of timing. */
  #classify(request: ClaimCommon): 'short' | 'long' | 'sale' {
    if (request.mode === 'book') return 'sale';
    return this.#classifyDeadline(this.#ttl(request) + this.config.expiryGraceMs);
  }

  #ttl(request: ClaimCommon): number {
    return request.mode === 'book' ? 0 : (request.holdTtlMs ?? this.config.defaultHoldTtlMs);
  }

  /** Entries of the expiry set that are due, in the order Redis reaps them. */
  #dueEntries(): ModelHold[] {
    return [...this.#holds.values()].filter((hold) => hold.due).sort(byDeadlineThenId);
  }

  /** An expired offer ends its entry; the seats go to the waitlist first. */
  #expire(hold: ModelHold): void {
    this.#waitlist.closeOffer(hold.holdId, 'E');
    hold.status = 'expired';
    hold.due = false;
    this.#freeSeats(hold);
    if (this.config.shortTombstones) this.#dueNext.push(hold);
    this.#waitlist.serve();
  }

  /** One reap batch: expires due held holds, forgets due tombstones; returns the expired. */
  #reapBatch(): ModelHold[] {
    const expired: ModelHold[] = [];
    for (const hold of this.#dueEntries().slice(0, this.config.reapBatchSize)) {
      if (hold.status === 'held') {
        this.#expire(hold);
        expired.push(hold);
      } else {
        this.#holds.delete(hold.holdId);
      }
    }
    // Seats pooled for the waitlist go on to the waiters before anything else is decided.
    if (this.#waitlist.pool.length > 0) this.#waitlist.serve();
    return expired;
  }

  // ---------------------------------------------------------------------------------------
  // Derived state

  get available(): number {
    return this.#seats.filter((state) => state === '.').length;
  }

  /**
   * The engine's per-user ledger (its users hash): seats of held and sold holds, including
   * held holds past their deadline that no call has reaped yet; users with none left out.
   */
  userCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const hold of this.#holds.values()) {
      if (hold.status === 'expired') continue;
      counts[hold.userId] = (counts[hold.userId] ?? 0) + hold.seats.length;
    }
    return counts;
  }

  #seatOf(index: number): Seat {
    return { row: Math.floor(index / this.config.cols) + 1, col: (index % this.config.cols) + 1 };
  }

  #indexOf(seat: Seat): number {
    return (seat.row - 1) * this.config.cols + (seat.col - 1);
  }

  #onGrid(seat: Seat): boolean {
    return isWhole(seat.row, 1, this.config.rows) && isWhole(seat.col, 1, this.config.cols);
  }

  #ownerOf(seat: number): ModelHold | undefined {
    for (const hold of this.#holds.values()) {
      if (hold.status !== 'expired' && hold.seats.includes(seat)) return hold;
    }
    return undefined;
  }

  #freeSeats(hold: ModelHold): void {
    for (const seat of hold.seats) this.#seats[seat] = '.';
  }

  // ---------------------------------------------------------------------------------------
  // Claims

  /** Validation the client does before any round trip (range, duplicates). */
  #checkSeatList(seats: readonly Seat[]): { error: ErrorShape } | undefined {
    const seen = new Set<string>();
    for (const [i, seat] of seats.entries()) {
      if (!isWhole(seat.row, 1, this.config.maxRows)) {
        return inputError(`seats[${i}].row`, `must be a whole number from 1 to ${this.config.maxRows}`);
      }
      if (!isWhole(seat.col, 1, this.config.maxCols)) {
        return inputError(`seats[${i}].col`, `must be a whole number from 1 to ${this.config.maxCols}`);
      }
      const label = `${seat.row}:${seat.col}`;
      if (seen.has(label)) return inputError(`seats[${i}]`, `seat ${label} is listed twice`);
      seen.add(label);
    }
    return undefined;
  }

  /**
   * Before the script: the sold-out cache answers a claim without a key; a claim with a key
   * replays its stored answer, or is refused when the key was used for another request.
   */
  #beforeDecision(request: ClaimCommon, fingerprint: string, context: ClaimContext): Outcome<ClaimResult> | undefined {
    if (request.idempotencyKey === undefined) {
      if (this.#soldOutCached) return { result: { ok: false, reason: 'sold-out', replayed: false, cached: true } };
      return undefined;
    }
    const record = this.#idempotency.get(JSON.stringify([request.userId, request.idempotencyKey]));
    if (!record) return undefined;
    if (record.fingerprint !== fingerprint) return MISMATCH;
    // The grant of this very call's (named) hold id: the command resent, not a retry.
    const resent = context.explicitHoldId && record.result.ok && record.result.holdId === context.holdId;
    return { result: { ...record.result, replayed: !resent } };
  }

  #remember(request: ClaimCommon, fingerprint: string, result: ClaimResult): Outcome<ClaimResult> {
    if (request.idempotencyKey !== undefined) {
      this.#idempotency.set(JSON.stringify([request.userId, request.idempotencyKey]), { fingerprint, result });
    }
    return { result };
  }

  /** "The same request": the same kind, seat set (any order) or quantity/split, mode and TTL. */
  #fingerprint(request: ClaimCommon, what: unknown): string {
    return JSON.stringify([what, request.mode, this.#ttl(request)]);
  }

  #soldOut(): ClaimResult {
    // The cache keeps the answer until the next expiry Redis knows of: not at all while a
    // due hold is still unreaped, or a SHORT one (an offer this call made) is about to be due;
    // for the rest of the run otherwise (LONG holds only).
    const shortHeld = [...this.#holds.values()].some((hold) => hold.status === 'held' && hold.short);
    if (this.config.soldOutCache && this.#dueEntries().length === 0 && !shortHeld) this.#soldOutCached = true;
    return { ok: false, reason: 'sold-out', replayed: false, cached: false };
  }

  /**
   * The limit counts the user's held and sold seats. Before refusing, the engine expires
   * that user's own due holds (in the order they were taken), reaped by the batch or not:
   * an expired hold blocks nobody.
   */
  #overLimit(userId: string, wanted: number): ClaimResult | undefined {
    const limit = this.config.maxSeatsPerUser;
    if (limit <= 0) return undefined;
    const current = () => this.userCounts()[userId] ?? 0;
    if (current() + wanted <= limit) return undefined;
    for (const hold of this.#holds.values()) {
      if (hold.userId === userId && hold.status === 'held' && hold.due) this.#expire(hold);
    }
    if (current() + wanted <= limit) return undefined;
    return { ok: false, reason: 'user-limit', limit, current: current(), replayed: false };
  }

  #grant(request: ClaimCommon, context: ClaimContext, seats: readonly number[]): ClaimResult {
    const kind = this.#classify(request);
    const expiresAt = kind === 'sale' ? null : context.now + this.#ttl(request);
    const hold: ModelHold = {
      holdId: context.holdId,
      userId: request.userId,
      status: kind === 'sale' ? 'sold' : 'held',
      seats,
      deadline: expiresAt === null ? Infinity : expiresAt + this.config.expiryGraceMs,
      due: false,
      short: kind === 'short',
    };
    for (const seat of seats) this.#seats[seat] = kind === 'sale' ? 'S' : 'H';
    this.#holds.set(hold.holdId, hold);
    if (kind === 'short') this.#dueNext.push(hold);
    return {
      ok: true,
      holdId: hold.holdId,
      status: kind === 'sale' ? 'sold' : 'held',
      expiresAt: expiresAt === null ? null : new Date(expiresAt),
      generation: this.#generation,
      seats: seats.map((seat) => this.#seatOf(seat)),
      replayed: false,
    };
  }

  /**
   * A named hold id Redis still has (held, sold or tombstone, even a due one) is refused,
   * unless it is this very claim's grant, as it left it: the command resent after its reply
   * was lost (same user, same seat set or quantity, held with this TTL and granted within the
   * last minute, or sold with no expiry). That one answers the grant again. undefined: the id
   * is free.
   */
  #resentOrTaken(
    request: ClaimCommon,
    context: ClaimContext,
    sameRequest: (seats: readonly number[]) => boolean,
  ): Outcome<ClaimResult> | undefined {
    const hold = context.explicitHoldId ? this.#holds.get(context.holdId) : undefined;
    if (hold === undefined) return undefined;
    const sale = this.#classify(request) === 'sale';
    // A held one must have been granted with this TTL within the resend window (a minute).
    const grantedAt = hold.deadline - this.config.expiryGraceMs - this.#ttl(request);
    const asGranted = sale
      ? hold.status === 'sold' && hold.deadline === Infinity
      : hold.status === 'held' && grantedAt <= context.now && grantedAt >= context.now - RESEND_WINDOW_MS;
    if (hold.userId !== request.userId || !asGranted || !sameRequest(hold.seats)) return inputError('holdId', 'rejected by the engine');
    return {
      result: {
        ok: true,
        holdId: hold.holdId,
        status: sale ? 'sold' : 'held',
        expiresAt: sale ? null : new Date(hold.deadline - this.config.expiryGraceMs),
        generation: this.#generation,
        seats: hold.seats.map((seat) => this.#seatOf(seat)),
        replayed: false,
      },
    };
  }

  claimSeats(request: SeatsRequest, context: ClaimContext): Outcome<ClaimResult> {
    this.#classify(request);
    const shapeError = this.#checkSeatList(request.seats);
    if (shapeError) return shapeError;
    const fingerprint = this.#fingerprint(request, ['seats', request.seats.map((s) => `${s.row}:${s.col}`).sort()]);
    const early = this.#beforeDecision(request, fingerprint, context);
    if (early) return early;
    // The script reads its input (every seat on this grid) before it looks at the hold id.
    const offGrid = request.seats.find((seat) => !this.#onGrid(seat));
    if (offGrid) return inputError('seats', `seat ${offGrid.row}:${offGrid.col} is not on the grid`);
    const resent = this.#resentOrTaken(request, context, (held) => {
      const listed = new Set(request.seats.map((seat) => this.#indexOf(seat)));
      return held.length === request.seats.length && held.every((seat) => listed.has(seat));
    });
    if (resent) return resent;

    this.#reapBatch();
    const indices = request.seats.map((seat) => this.#indexOf(seat));
    // A seat still held by a due hold beyond the batch is freed when the claim touches it.
    for (const seat of indices) {
      const owner = this.#ownerOf(seat);
      if (owner?.status === 'held' && owner.due) this.#expire(owner);
    }
    const decide = (): ClaimResult => {
      if (this.available === 0) return this.#soldOut();
      const taken = request.seats.filter((seat) => this.#seats[this.#indexOf(seat)] !== '.');
      if (taken.length > 0) {
        return { ok: false, reason: 'seats-taken', takenSeats: taken.map((s) => ({ row: s.row, col: s.col })), replayed: false };
      }
      return this.#overLimit(request.userId, indices.length) ?? this.#grant(request, context, indices);
    };
    return this.#remember(request, fingerprint, decide());
  }

  claimBestAvailable(request: BestRequest, context: ClaimContext): Outcome<ClaimResult> {
    this.#classify(request);
    const allowSplit = request.allowSplit ?? true;
    const fingerprint = this.#fingerprint(request, ['best', request.quantity, allowSplit]);
    const early = this.#beforeDecision(request, fingerprint, context);
    if (early) return early;
    const resent = this.#resentOrTaken(request, context, (held) => held.length === request.quantity);
    if (resent) return resent;

    this.#reapBatch();
    // More rounds while the claim cannot be met and a round still expires something.
    for (let round = 0; round < EXTRA_REAP_ROUNDS && this.available < request.quantity; round++) {
      if (this.#reapBatch().length === 0) break;
    }
    const decide = (): ClaimResult => {
      const available = this.available;
      if (available === 0) return this.#soldOut();
      if (available < request.quantity) return { ok: false, reason: 'not-enough-seats', available, replayed: false };
      const overLimit = this.#overLimit(request.userId, request.quantity);
      if (overLimit) return overLimit;
      const seats = this.bestSeats(request.quantity, allowSplit);
      if (!seats) return { ok: false, reason: 'no-adjacent-block', replayed: false };
      return this.#grant(request, context, seats);
    };
    return this.#remember(request, fingerprint, decide());
  }

  /** Every maximal run of free seats, front row first, left to right. */
  #freeRuns(): FreeRun[] {
    const runs: FreeRun[] = [];
    const { rows, cols } = this.config;
    for (let row = 0; row < rows; row++) {
      let col = 0;
      while (col < cols) {
        if (this.#seats[row * cols + col] !== '.') {
          col++;
          continue;
        }
        const start = col;
        while (col < cols && this.#seats[row * cols + col] === '.') col++;
        runs.push({ row, first: row * cols + start, length: col - start });
      }
    }
    return runs;
  }

  /**
   * The best-available rule (README, lua/includes/find-seats.lua), stated declaratively:
   * 1. In the front-most row that has a run of exactly `quantity` free seats or one at least
   *    two longer ("tidy": it strands no single seat): the leftmost exact run there, else the
   *    leftmost longer run there (its left end). An exact run in a row further back loses.
   * 2. Else the front-most, leftmost run exactly one longer (it strands one seat), left end.
   * 3. Else, when splitting is allowed: whole runs, longest first (front-most/leftmost first
   *    among equals), each taken while it fits in what is left; then what is left from the
   *    left end of a run not taken, chosen as in 1 and 2.
   * Returns seat indices in the order they are taken, or undefined.
   */
  bestSeats(quantity: number, allowSplit: boolean): number[] | undefined {
    const runs = this.#freeRuns();
    const block = adjacentRun(runs, quantity);
    if (block) return blockOf(block.first, quantity);
    if (!allowSplit) return undefined;
    const ordered = [...runs].sort((a, b) => b.length - a.length || a.first - b.first);
    const seats: number[] = [];
    const taken = new Set<FreeRun>();
    for (const run of ordered) {
      if (run.length > quantity - seats.length) continue;
      seats.push(...blockOf(run.first, run.length));
      taken.add(run);
      if (seats.length === quantity) return seats;
    }
    const left = quantity - seats.length;
    const last = adjacentRun(
      runs.filter((run) => !taken.has(run)),
      left,
    );
    return last === undefined ? undefined : [...seats, ...blockOf(last.first, left)];
  }

  // ---------------------------------------------------------------------------------------
  // Hold commands

  /** The caller's own live hold (reaping first), or the refusal. A stranger learns nothing. */
  #ownHold(ref: HoldRefArgs): ModelHold | { ok: false; reason: 'hold-not-found' | 'hold-expired' } {
    const found = this.#holds.get(ref.holdId);
    if (!found || found.userId !== ref.userId) return { ok: false, reason: 'hold-not-found' };
    this.#reapBatch();
    const hold = this.#holds.get(ref.holdId);
    // The reap may just have forgotten its tombstone: then it is as unknown as any.
    if (!hold) return { ok: false, reason: 'hold-not-found' };
    if (hold.status === 'held' && hold.due) this.#expire(hold);
    if (hold.status === 'expired') return { ok: false, reason: 'hold-expired' };
    return hold;
  }

  confirm(ref: HoldRefArgs): ConfirmResult {
    const hold = this.#ownHold(ref);
    if ('ok' in hold) return hold;
    const alreadyConfirmed = hold.status === 'sold';
    if (!alreadyConfirmed) {
      hold.status = 'sold';
      for (const seat of hold.seats) this.#seats[seat] = 'S';
      this.#waitlist.closeOffer(hold.holdId, 'F');
    }
    return { ok: true, alreadyConfirmed, seats: hold.seats.map((seat) => this.#seatOf(seat)) };
  }

  /** Release (expected 'held') or cancel (expected 'sold'). */
  #free(ref: HoldRefArgs, expected: 'held' | 'sold'): ReleaseResult {
    const hold = this.#ownHold(ref);
    if ('ok' in hold) return hold;
    if (hold.status !== expected) {
      return { ok: false, reason: 'wrong-state', status: hold.status === 'sold' ? 'sold' : 'held' };
    }
    // A released offer is a declined one; the seats go to the waitlist first.
    if (expected === 'held') this.#waitlist.closeOffer(hold.holdId, 'L');
    this.#holds.delete(hold.holdId);
    this.#freeSeats(hold);
    this.#waitlist.serve();
    this.#soldOutCached = false;
    return { ok: true, seats: hold.seats.map((seat) => this.#seatOf(seat)) };
  }

  release(ref: HoldRefArgs): ReleaseResult {
    return this.#free(ref, 'held');
  }

  cancel(ref: HoldRefArgs): ReleaseResult {
    return this.#free(ref, 'sold');
  }

  // ---------------------------------------------------------------------------------------
  // The waitlist

  /** joinWaitlist with an explicit (fresh) entry id. */
  joinWaitlist(request: { userId: string; entryId: string; quantity: number }): Outcome<WaitlistJoinResult> {
    const { userId, entryId, quantity } = request;
    if (!isWhole(quantity, 1, MAX_SEATS_PER_CLAIM))
      return inputError('quantity', `must be a whole number from 1 to ${MAX_SEATS_PER_CLAIM}`);
    const limit = this.config.maxSeatsPerUser;
    if (quantity > (limit > 0 ? limit : MAX_SEATS_PER_CLAIM)) return inputError('quantity', 'rejected by the engine');
    const active = this.#waitlist.activeEntryOf(userId);
    if (active !== undefined) return { result: { ok: false, reason: 'already-waiting', entryId: active } };
    const current = this.userCounts()[userId] ?? 0;
    if (limit > 0 && current + quantity > limit) return { result: { ok: false, reason: 'user-limit', limit, current } };
    this.#reapBatch();
    const seq = this.#waitlist.add(entryId, userId, quantity);
    this.#waitlist.serve();
    const entry = this.#waitlist.entry(entryId) as ModelEntry;
    const offered = entry.status === 'O';
    return {
      result: {
        ok: true,
        entryId,
        status: offered ? 'offered' : 'waiting',
        position: this.#waitlist.position(entryId),
        seq,
        ...(offered ? { holdId: entry.holdId, offerExpiresAt: new Date(entry.offerExpiresAt) } : {}),
      },
    };
  }

  /** A waiting entry leaves its place; an offered one declines its offer (the seats go to the next). */
  leaveWaitlist(ref: { userId: string; entryId: string }): WaitlistLeaveResult {
    const found = this.#waitlist.entry(ref.entryId);
    if (found === undefined || found.userId !== ref.userId) return { ok: false, reason: 'entry-not-found' };
    this.#reapBatch();
    if (found.status !== 'W' && found.status !== 'O') return { ok: false, reason: 'entry-closed', status: statusName[found.status] };
    const previous = found.status === 'O' ? 'offered' : 'waiting';
    if (found.status === 'O') {
      const hold = this.#holds.get(found.holdId) as ModelHold;
      this.#waitlist.closeOffer(hold.holdId, 'L');
      this.#holds.delete(hold.holdId);
      this.#freeSeats(hold);
    } else {
      this.#waitlist.leaveWaiting(found);
    }
    this.#waitlist.serve();
    return { ok: true, previous };
  }

  /** One reap batch, in the order Redis reaps; moreDue when due entries remain. */
  reapExpired(): ReapResult {
    const expired: ExpiredHold[] = this.#reapBatch().map((hold) => ({
      holdId: hold.holdId,
      userId: hold.userId,
      seats: hold.seats.map((seat) => this.#seatOf(seat)),
    }));
    return { expired, moreDue: this.#dueEntries().length > 0 };
  }

  /** What seatMap() answers; a read reaps one batch first, like every call. */
  seatMap(): SeatMap {
    this.#reapBatch();
    const { rows, cols, maxSeatsPerUser } = this.config;
    const generation = this.#generation;
    // The version is the engine's own (it jumps at every load): the harness checks it apart.
    return {
      rows,
      cols,
      capacity: rows * cols,
      available: this.available,
      generation,
      maxSeatsPerUser,
      version: 0,
      states: this.#seats.join(''),
    };
  }
}
