/**
 * The waitlist part of the reference model (reference-model.ts), written from the rule the
 * package states (lua/includes/waitlist.lua's header is the spec):
 *
 * - Entries wait in arrival order (seq); one active entry (waiting or offered) per user.
 * - Seats freed while anyone waits go to the waiters in the same call. The head gets an offer
 *   (a hold in its user's name for the event's offer time) when its quantity fits in the free
 *   and pooled seats; else, while the head was passed over fewer than 3 times, the first later
 *   entry that fits (among the next 32) is served instead (the head counts one more pass);
 *   else every free seat goes into the pool, held for the head and nobody else.
 * - An offer takes the pooled seats first (front first), the rest as best-available (split
 *   allowed) among the free ones. A served entry whose user could no longer take its quantity
 *   under the per-user limit ends 'E' instead.
 * - One call makes 16 offers at most; free seats left while anyone waits go into the pool, and
 *   every later call's reap serves the pool again. With nobody waiting the pool is given back.
 * - An offer confirmed ends its entry 'F', expired 'E', released or left 'L'.
 *
 * It reports each call's news as the gate does (onWaitlistNews): offers, entries closed, heads
 * passed over, in order, so the driver compares them with the engine's.
 */
import type { WaitlistStatus } from '@seatgrid/admission';

const SKIPS = 3;
const SCAN = 32;
const OFFERS_PER_CALL = 16;

export type Letter = 'W' | 'O' | 'F' | 'E' | 'L';

export const statusName: Readonly<Record<Letter, WaitlistStatus>> = {
  W: 'waiting',
  O: 'offered',
  F: 'fulfilled',
  E: 'expired',
  L: 'left',
};

/** What the engine reports a call did to the waitlist (the gate's onWaitlistNews). */
export type ModelNews =
  | {
      readonly kind: 'offer';
      readonly entryId: string;
      readonly holdId: string;
      readonly userId: string;
      readonly expiresAt: number;
      readonly seats: readonly number[];
    }
  | { readonly kind: 'closed'; readonly entryId: string; readonly holdId: string; readonly status: 'F' | 'E' | 'L' }
  | { readonly kind: 'skip'; readonly entryId: string; readonly skips: number };

export interface ModelEntry {
  readonly entryId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly seq: number;
  status: Letter;
  offers: number;
  skips: number;
  holdId: string;
  offerExpiresAt: number;
}

/** What the waitlist needs of the seat model. */
export interface WaitlistSeats {
  readonly maxSeatsPerUser: number;
  /** Free seats ('.'), not counting the pool. */
  available(): number;
  /** Every free seat, ascending. */
  freeSeats(): number[];
  /** The best `quantity` free seats, split allowed (there are enough). */
  bestSeats(quantity: number): number[];
  markSeats(seats: readonly number[], state: '.' | 'H'): void;
  /** Seats the user holds or owns (the engine's users hash). */
  userSeats(userId: string): number;
  /** Makes the offer's hold in the user's name. */
  takeOffer(holdId: string, userId: string, seats: readonly number[], expiresAt: number): void;
  /** When the offer made as `holdId` expires: the Redis time the engine made it at, plus the offer time. */
  offerExpiresAt(holdId: string): number;
}

export class ReferenceWaitlist {
  readonly #seats: WaitlistSeats;
  readonly #entries = new Map<string, ModelEntry>();
  /** Offer hold id -> its entry. */
  readonly #offerOf = new Map<string, string>();
  /** User -> their active entry (waiting or offered). */
  readonly #activeOf = new Map<string, string>();
  #pool: number[] = [];
  #seq = 0;
  #news: ModelNews[] = [];

  constructor(seats: WaitlistSeats) {
    this.#seats = seats;
  }

  /** A load from a snapshot without a waitlist: everything is forgotten. */
  reset(): void {
    this.#entries.clear();
    this.#offerOf.clear();
    this.#activeOf.clear();
    this.#pool = [];
    this.#seq = 0;
  }

  /** The news since the last call, in order. */
  takeNews(): ModelNews[] {
    const news = this.#news;
    this.#news = [];
    return news;
  }

  get pool(): readonly number[] {
    return this.#pool;
  }

  entry(entryId: string): ModelEntry | undefined {
    return this.#entries.get(entryId);
  }

  entries(): readonly ModelEntry[] {
    return [...this.#entries.values()];
  }

  activeEntryOf(userId: string): string | undefined {
    return this.#activeOf.get(userId);
  }

  /** Waiting entries by arrival. */
  waitingIds(): string[] {
    return [...this.#entries.values()]
      .filter((e) => e.status === 'W')
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.entryId);
  }

  /** 1 = the head; 0 when not waiting. */
  position(entryId: string): number {
    return this.waitingIds().indexOf(entryId) + 1;
  }

  /** A new waiting entry at the back; returns its seq. */
  add(entryId: string, userId: string, quantity: number): number {
    const seq = ++this.#seq;
    this.#entries.set(entryId, { entryId, userId, quantity, seq, status: 'W', offers: 0, skips: 0, holdId: '', offerExpiresAt: 0 });
    this.#activeOf.set(userId, entryId);
    return seq;
  }

  /** A waiting entry leaves (the caller serves the waitlist after). */
  leaveWaiting(entry: ModelEntry): void {
    entry.status = 'L';
    this.#activeOf.delete(entry.userId);
    this.#news.push({ kind: 'closed', entryId: entry.entryId, holdId: '', status: 'L' });
  }

  /** An offer hold leaves its entry: confirmed, expired or declined. No-op for any other hold. */
  closeOffer(holdId: string, status: 'F' | 'E' | 'L'): void {
    const entryId = this.#offerOf.get(holdId);
    if (entryId === undefined) return;
    const entry = this.#entries.get(entryId) as ModelEntry;
    entry.status = status;
    this.#offerOf.delete(holdId);
    this.#activeOf.delete(entry.userId);
    this.#news.push({ kind: 'closed', entryId, holdId, status });
  }

  /** Gives the seats free and pooled to the waiters, by the rule above. */
  serve(): void {
    for (let offers = 0; offers < OFFERS_PER_CALL; offers++) {
      const ids = this.waitingIds().slice(0, SCAN + 1);
      const headId = ids[0];
      if (headId === undefined) {
        this.#releasePool();
        return;
      }
      const seats = this.#seats.available() + this.#pool.length;
      const head = this.#entries.get(headId) as ModelEntry;
      let served: ModelEntry | undefined;
      if (head.quantity <= seats) {
        served = head;
      } else if (head.skips < SKIPS) {
        served = ids
          .slice(1)
          .map((id) => this.#entries.get(id) as ModelEntry)
          .find((e) => e.quantity <= seats);
        if (served !== undefined) {
          head.skips++;
          this.#news.push({ kind: 'skip', entryId: headId, skips: head.skips });
        }
      }
      if (served === undefined) {
        this.#poolFreeSeats();
        return;
      }
      const limit = this.#seats.maxSeatsPerUser;
      if (limit <= 0 || this.#seats.userSeats(served.userId) + served.quantity <= limit) {
        this.#offer(served);
      } else {
        served.status = 'E';
        this.#activeOf.delete(served.userId);
        this.#news.push({ kind: 'closed', entryId: served.entryId, holdId: '', status: 'E' });
      }
    }
    if (this.waitingIds().length > 0) this.#poolFreeSeats();
  }

  #offer(entry: ModelEntry): void {
    const fromPool = Math.min(entry.quantity, this.#pool.length);
    const seats = fromPool < entry.quantity ? this.#seats.bestSeats(entry.quantity - fromPool) : [];
    seats.push(...this.#pool.slice(0, fromPool));
    this.#pool = this.#pool.slice(fromPool);
    entry.offers++;
    entry.holdId = `${entry.entryId}-${entry.offers}`;
    entry.offerExpiresAt = this.#seats.offerExpiresAt(entry.holdId);
    entry.status = 'O';
    this.#seats.takeOffer(entry.holdId, entry.userId, seats, entry.offerExpiresAt);
    this.#offerOf.set(entry.holdId, entry.entryId);
    this.#news.push({
      kind: 'offer',
      entryId: entry.entryId,
      holdId: entry.holdId,
      userId: entry.userId,
      expiresAt: entry.offerExpiresAt,
      seats,
    });
  }

  #poolFreeSeats(): void {
    const freed = this.#seats.freeSeats();
    if (freed.length === 0) return;
    this.#seats.markSeats(freed, 'H');
    this.#pool = [...this.#pool, ...freed].sort((a, b) => a - b);
  }

  #releasePool(): void {
    this.#seats.markSeats(this.#pool, '.');
    this.#pool = [];
  }
}
