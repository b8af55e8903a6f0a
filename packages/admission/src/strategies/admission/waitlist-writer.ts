import type { WaitlistNews } from '../../gate/waitlist-news.js';
import { freeSeatsOf, insertHolds, moveHold, takeSeatsIfFree, type SeatTake } from '../../store/seat-writes.js';
import type { Store } from '../../store/store.js';
import { closeEntry, recordOffer, recordSkips } from '../../store/waitlist.js';

const closedStatus = Object.freeze({ F: 'fulfilled', E: 'expired', L: 'left' } as const);

/** An offer PostgreSQL could not record: one of its seats is taken there (Redis was stale). */
class OfferConflict extends Error {}

export interface WaitlistWriterOptions {
  /** The store of the event's shard. */
  readonly storeFor: (eventId: string) => Promise<Store>;
  /** The event's Redis state disagrees with PostgreSQL: reload it. */
  readonly onConflict: (eventId: string) => void;
  readonly onError: (error: unknown) => void;
  /** Each piece of news once written (for metrics). */
  readonly onWritten: (eventId: string, news: WaitlistNews) => void;
}

/**
 * Writes what the gate did to a waitlist into PostgreSQL, in the order it happened, one
 * event's news after another's: an offer is its hold (its seats taken on condition they are
 * free, as every writer takes seats) and its entry marked offered, in one transaction; an
 * entry closed is marked so (an offer declined from the waitlist also gives its hold back).
 * If the process dies first, the reconciler finds the difference and reloads the event from
 * PostgreSQL, whose waitlist is the truth: the offer is made again.
 */
export class WaitlistWriter {
  readonly #options: WaitlistWriterOptions;
  readonly #queues = new Map<string, Promise<void>>();

  constructor(options: WaitlistWriterOptions) {
    this.#options = options;
  }

  write(eventId: string, news: readonly WaitlistNews[]): void {
    const previous = this.#queues.get(eventId) ?? Promise.resolve();
    const next = previous.then(() => this.#writeAll(eventId, news));
    this.#queues.set(eventId, next);
    void next.finally(() => {
      if (this.#queues.get(eventId) === next) this.#queues.delete(eventId);
    });
  }

  /** Resolves once the event's news written so far has landed. */
  async drain(eventId: string): Promise<void> {
    await this.#queues.get(eventId);
  }

  async drainAll(): Promise<void> {
    await Promise.all([...this.#queues.values()]);
  }

  async #writeAll(eventId: string, news: readonly WaitlistNews[]): Promise<void> {
    for (const item of news) {
      try {
        await this.#writeOne(eventId, item);
        this.#options.onWritten(eventId, item);
      } catch (error) {
        if (error instanceof OfferConflict) this.#options.onConflict(eventId);
        else this.#options.onError(error);
      }
    }
  }

  async #writeOne(eventId: string, news: WaitlistNews): Promise<void> {
    const store = await this.#options.storeFor(eventId);
    if (news.kind === 'skip') {
      await recordSkips(store, news.entryId, news.skips);
      return;
    }
    if (news.kind === 'offer') {
      const take: SeatTake = {
        eventId,
        holdId: news.holdId,
        userId: news.userId,
        seatIndexes: news.seats,
        expiresAt: new Date(news.expiresAt),
      };
      await store.transaction(async (tx) => {
        if (!(await takeSeatsIfFree(tx, take))) throw new OfferConflict();
        await insertHolds(tx, [take]);
        await recordOffer(tx, news.entryId, news.holdId, take.expiresAt as Date);
      });
      return;
    }
    await store.transaction(async (tx) => {
      // Left with an offer (from the waitlist, not by releasing the hold): the hold goes back too.
      if (news.status === 'L' && news.holdId !== '') {
        const hold = await tx.db.selectFrom('holds').select(['seat_indexes']).where('id', '=', news.holdId).executeTakeFirst();
        if (hold !== undefined && (await moveHold(tx, news.holdId, 'held', 'released'))) {
          await freeSeatsOf(tx, eventId, news.holdId, hold.seat_indexes);
        }
      }
      await closeEntry(tx, news.entryId, closedStatus[news.status]);
    });
  }
}
