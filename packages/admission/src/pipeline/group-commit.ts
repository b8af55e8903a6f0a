import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import { insertHold, lockSeatsInOrder, takeSeatsIfFree, type SeatTake } from '../store/seat-writes.js';

/** 'conflict': PostgreSQL refused a seat (Redis was stale); nothing of the take was written. */
export type WriteOutcome = 'written' | 'conflict';

export interface GroupCommitSettings {
  /** false: one transaction per winner (the baseline group commit is measured against). */
  readonly enabled: boolean;
  /** Winners written in one transaction, at most. */
  readonly maxBatch: number;
  /** Transactions in flight at once; the next batch forms while they run. */
  readonly maxInFlight: number;
}

export const defaultGroupCommitSettings: Readonly<GroupCommitSettings> = Object.freeze({
  enabled: true,
  maxBatch: 256,
  maxInFlight: 4,
});

interface Pending {
  readonly take: SeatTake;
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

const ROLL_BACK = Symbol('roll back');
const DEADLOCK_DETECTED = '40P01';

/**
 * Writes Redis winners to PostgreSQL. Winners that arrive while transactions are in flight
 * wait for the next batch, which commits them together: one fsync for many winners, and
 * each caller answered only after its own write committed. A batch is one UPDATE of all its
 * seats, conditional on each being free, and one INSERT of all its holds. If any winner
 * lost a seat, the batch rolls back and each winner is written alone, so a stale loser
 * cannot sink the others.
 */
export class GroupCommitter {
  readonly #db: Kysely<Database>;
  readonly #settings: GroupCommitSettings;
  #queue: Pending[] = [];
  #inFlight = 0;
  #flushScheduled = false;
  readonly #pendingByEvent = new Map<string, number>();
  readonly #drainWaiters = new Map<string, (() => void)[]>();

  constructor(db: Kysely<Database>, settings: Partial<GroupCommitSettings> = {}) {
    this.#db = db;
    this.#settings = { ...defaultGroupCommitSettings, ...settings };
  }

  write(take: SeatTake): Promise<WriteOutcome> {
    this.#pendingByEvent.set(take.eventId, (this.#pendingByEvent.get(take.eventId) ?? 0) + 1);
    const written = new Promise<WriteOutcome>((resolve, reject) => this.#queue.push({ take, resolve, reject }));
    this.#schedule();
    return written.finally(() => this.#settled(take.eventId));
  }

  /** Resolves once every write of this event queued so far has settled. */
  drain(eventId: string): Promise<void> {
    if (!this.#pendingByEvent.get(eventId)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#drainWaiters.get(eventId) ?? [];
      waiters.push(resolve);
      this.#drainWaiters.set(eventId, waiters);
    });
  }

  #settled(eventId: string): void {
    const left = (this.#pendingByEvent.get(eventId) ?? 1) - 1;
    if (left > 0) {
      this.#pendingByEvent.set(eventId, left);
      return;
    }
    this.#pendingByEvent.delete(eventId);
    for (const wake of this.#drainWaiters.get(eventId) ?? []) wake();
    this.#drainWaiters.delete(eventId);
  }

  #schedule(): void {
    if (this.#flushScheduled || this.#inFlight >= this.#settings.maxInFlight || this.#queue.length === 0) return;
    this.#flushScheduled = true;
    // One event-loop turn lets the winners of this turn join the batch.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const batchSize = this.#settings.enabled ? this.#settings.maxBatch : 1;
    while (this.#inFlight < this.#settings.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, batchSize);
      this.#inFlight++;
      void this.#commit(batch).finally(() => {
        this.#inFlight--;
        this.#schedule();
      });
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    try {
      const outcomes = batch.length === 1 ? [await this.#writeOne((batch[0] as Pending).take)] : await this.#writeBatch(batch);
      batch.forEach((pending, i) => pending.resolve(outcomes[i] as WriteOutcome));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  async #writeBatch(batch: Pending[]): Promise<WriteOutcome[]> {
    const takes = batch.map((pending) => pending.take);
    const wholeBatch = await this.#db
      .transaction()
      .execute(async (trx) => {
        const seats = takes.flatMap((take) => take.seatIndexes.map((index) => ({ take, index })));
        // The join below would lock in its own order: lock in index order first.
        await lockSeatsInOrder(trx, seats.map((s) => ({ eventId: s.take.eventId, seatIndex: s.index })));
        const taken = await sql<{ hold_id: string }>`
          update seats as s
          set state = case when v.until is null then 'sold' else 'held' end,
              hold_id = v.hold_id, held_until = v.until, version = s.version + 1
          from unnest(${seats.map((s) => s.take.eventId)}::text[], ${seats.map((s) => s.index)}::int[],
                      ${seats.map((s) => s.take.holdId)}::text[], ${seats.map((s) => s.take.expiresAt)}::timestamptz[])
               as v(event_id, seat_index, hold_id, until)
          where s.event_id = v.event_id and s.seat_index = v.seat_index
            and (s.state = 'free' or (s.state = 'held' and s.held_until < now()))
          returning v.hold_id`.execute(trx);
        const seatsTaken = new Map<string, number>();
        for (const row of taken.rows) seatsTaken.set(row.hold_id, (seatsTaken.get(row.hold_id) ?? 0) + 1);
        if (!takes.every((take) => seatsTaken.get(take.holdId) === take.seatIndexes.length)) throw ROLL_BACK;
        await trx
          .insertInto('holds')
          .values(takes.map((take) => ({
            id: take.holdId,
            event_id: take.eventId,
            user_id: take.userId,
            seat_indexes: [...take.seatIndexes],
            status: take.expiresAt === null ? ('confirmed' as const) : ('held' as const),
            expires_at: take.expiresAt,
          })))
          .execute();
        const sales = takes.filter((take) => take.expiresAt === null);
        if (sales.length > 0) {
          await trx.insertInto('bookings').values(sales.map((take) => ({ id: take.holdId, event_id: take.eventId, user_id: take.userId }))).execute();
        }
        return true;
      })
      .catch((error: unknown) => {
        // A lost seat, or a deadlock with a writer outside this process: one winner at a time.
        if (error === ROLL_BACK || (error as { code?: unknown }).code === DEADLOCK_DETECTED) return false;
        throw error;
      });
    if (wholeBatch) return takes.map(() => 'written');
    const outcomes: WriteOutcome[] = [];
    for (const take of takes) outcomes.push(await this.#writeOne(take));
    return outcomes;
  }

  async #writeOne(take: SeatTake): Promise<WriteOutcome> {
    const written = await this.#db
      .transaction()
      .execute(async (trx) => {
        if (!(await takeSeatsIfFree(trx, take))) throw ROLL_BACK;
        await insertHold(trx, take);
        return true;
      })
      .catch((error: unknown) => {
        if (error === ROLL_BACK) return false;
        throw error;
      });
    return written ? 'written' : 'conflict';
  }
}
