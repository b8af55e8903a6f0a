import { AdmissionError } from '../../errors.js';
import type { ClaimResult } from '../../results.js';
import { reserveKey } from '../../store/idempotency-records.js';
import { insertHolds, takeSeatsIfFree, type SeatTake } from '../../store/seat-writes.js';
import type { Store } from '../../store/store.js';
import { writeWinnerBatch, type WinnerAnswer } from '../../store/winner-batch.js';

/** A Redis winner to write, and (with an idempotency key) the answer to store in the same transaction. */
export interface WinnerWrite {
  readonly take: SeatTake;
  readonly answer?: WinnerAnswer;
}

/**
 * 'written': committed. 'conflict': PostgreSQL refused a seat (Redis was stale); nothing was
 * written. { replay }: the idempotency key already has an answer in PostgreSQL (the first try
 * went another path); nothing was written, and that answer is the one to give. { refused }:
 * the key was used for another request, or its first request is still being written; nothing
 * was written.
 */
export type WriteOutcome = 'written' | 'conflict' | { readonly replay: ClaimResult } | { readonly refused: AdmissionError };

export interface GroupCommitSettings {
  /** false: one transaction per winner (the baseline group commit is measured against). Default true. */
  readonly enabled: boolean;
  /** Winners written in one transaction, at most. Default 256. */
  readonly maxBatch: number;
  /** Transactions in flight at once; the next batch forms while they run. Default 4. */
  readonly maxInFlight: number;
}

export const defaultGroupCommitSettings: Readonly<GroupCommitSettings> = Object.freeze({
  enabled: true,
  maxBatch: 256,
  maxInFlight: 4,
});

interface Pending {
  readonly write: WinnerWrite;
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

const ROLL_BACK = Symbol('roll back');
const DEADLOCK_DETECTED = '40P01';

/** Rolls a lone winner's transaction back with the answer its key already had. */
class Replayed {
  readonly result: ClaimResult;

  constructor(result: ClaimResult) {
    this.result = result;
  }
}

/**
 * Writes Redis winners to PostgreSQL. Winners that arrive while transactions are in flight
 * wait for the next batch, which commits them together: one fsync for many winners, and
 * each caller answered only after its own write committed. A batch is one statement
 * (writeWinnerBatch): its seats taken on condition each is free, its holds, bookings and
 * idempotency answers. If any winner lost a seat or found its key answered, the batch rolls
 * back and each winner is written alone, so a stale loser cannot sink the others.
 */
export class GroupCommitter {
  readonly #store: Store;
  readonly #settings: GroupCommitSettings;
  readonly #onBatch: (size: number) => void;
  #queue: Pending[] = [];
  #inFlight = 0;
  #flushScheduled = false;
  readonly #pendingByEvent = new Map<string, number>();
  readonly #drainWaiters = new Map<string, (() => void)[]>();

  constructor(store: Store, settings: Readonly<GroupCommitSettings>, onBatch: (size: number) => void = () => {}) {
    this.#store = store;
    this.#settings = settings;
    this.#onBatch = onBatch;
  }

  write(write: WinnerWrite): Promise<WriteOutcome> {
    const { eventId } = write.take;
    this.#pendingByEvent.set(eventId, (this.#pendingByEvent.get(eventId) ?? 0) + 1);
    const written = new Promise<WriteOutcome>((resolve, reject) => this.#queue.push({ write, resolve, reject }));
    this.#schedule();
    return written.finally(() => this.#settled(eventId));
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

  /** Resolves once every write queued so far has settled. */
  async drainAll(): Promise<void> {
    await Promise.all([...this.#pendingByEvent.keys()].map((eventId) => this.drain(eventId)));
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
      this.#onBatch(batch.length);
      void this.#commit(batch).finally(() => {
        this.#inFlight--;
        this.#schedule();
      });
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    try {
      const writes = batch.map((pending) => pending.write);
      const outcomes = writes.length === 1 ? [await this.#writeOne(writes[0] as WinnerWrite)] : await this.#writeBatch(writes);
      for (const [i, pending] of batch.entries()) pending.resolve(outcomes[i] as WriteOutcome);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  async #writeBatch(writes: readonly WinnerWrite[]): Promise<WriteOutcome[]> {
    const wholeBatch = await this.#store
      .transaction(async (tx) => {
        const takes = writes.map((w) => w.take);
        const answers = writes.flatMap((w) => (w.answer === undefined ? [] : [w.answer]));
        const written = await writeWinnerBatch(tx, takes, answers);
        const everySeat = takes.every((take) => written.seatsTaken.get(take.holdId) === take.seatIndexes.length);
        if (!everySeat || written.answersStored !== answers.length) throw ROLL_BACK;
        return true;
      })
      .catch((error: unknown) => {
        // A lost seat, an answered key, or a deadlock with a writer outside this process: one winner at a time.
        if (error === ROLL_BACK || (error as { code?: unknown }).code === DEADLOCK_DETECTED) return false;
        throw error;
      });
    if (wholeBatch) return writes.map(() => 'written');
    const outcomes: WriteOutcome[] = [];
    for (const write of writes) outcomes.push(await this.#writeOne(write));
    return outcomes;
  }

  async #writeOne(write: WinnerWrite): Promise<WriteOutcome> {
    try {
      await this.#store.transaction(async (tx) => {
        if (write.answer !== undefined) {
          const { ref, fingerprint, result } = write.answer;
          const stored = await reserveKey(tx, ref, fingerprint, result);
          if (stored !== undefined) throw new Replayed(stored);
        }
        if (!(await takeSeatsIfFree(tx, write.take))) throw ROLL_BACK;
        await insertHolds(tx, [write.take]);
      });
      return 'written';
    } catch (error) {
      if (error === ROLL_BACK) return 'conflict';
      if (error instanceof Replayed) return { replay: error.result };
      if (error instanceof AdmissionError) return { refused: error };
      throw error;
    }
  }
}
