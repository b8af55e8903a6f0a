import { sql } from 'kysely';
import type { EventInfo } from './events.js';
import type { Executor } from './store.js';

/**
 * The free seats of an event's rows, from the bit strings the writes keep (see the
 * free-seat-rows migration) and the seats whose hold lapsed: a row costs one short string,
 * whatever its size, and no seat row is read but the lapsed ones.
 */
export class FreeSeatRows {
  readonly #executor: Executor;
  readonly #event: EventInfo;
  /** 0-based row → the seat indexes of that row whose hold lapsed. */
  readonly #lapsed: ReadonlyMap<number, readonly number[]>;
  /** 0-based row → its free seats by state, '1' where free; rows read so far. */
  readonly #rows = new Map<number, string>();

  private constructor(executor: Executor, event: EventInfo, lapsed: ReadonlyMap<number, readonly number[]>) {
    this.#executor = executor;
    this.#event = event;
    this.#lapsed = lapsed;
  }

  /** Reads which seats' holds lapsed (unswept, few); rows come with read(). */
  static async of(executor: Executor, event: EventInfo): Promise<FreeSeatRows> {
    const { rows } = await sql<{ seat_index: number }>`
      select seat_index from ${executor.t.seats}
      where event_id = ${event.eventId} and state = 'held' and held_until < now()`.execute(executor.db);
    const lapsed = new Map<number, number[]>();
    for (const { seat_index } of rows) {
      const row = Math.floor(seat_index / event.cols);
      lapsed.set(row, [...(lapsed.get(row) ?? []), seat_index]);
    }
    return new FreeSeatRows(executor, event, lapsed);
  }

  /**
   * Reads rows [fromRow, toRow) (0-based). With `minRun` > 0 it skips the rows that cannot
   * hold that many adjacent free seats: their longest free run is shorter and no hold in them
   * lapsed.
   */
  async read(fromRow: number, toRow: number, minRun = 0): Promise<void> {
    const { db, t } = this.#executor;
    const lapsedRows = [...this.#lapsed.keys()].map((row) => row + 1);
    const { rows } = await sql<{ row: number; free: string }>`
      select row, free from ${t.seatRows}
      where event_id = ${this.#event.eventId} and row > ${fromRow} and row <= ${toRow}
        and (longest_free >= ${minRun} or row = any(${lapsedRows}::int[]))`.execute(db);
    for (const { row, free } of rows) this.#rows.set(row - 1, free);
  }

  /** The free mask of the first `rows` rows (see best-seats.ts), of the rows read: a row not read reads as taken. */
  mask(rows: number): boolean[] {
    const { cols } = this.#event;
    const mask = new Array<boolean>(rows * cols).fill(false);
    for (const [row, free] of this.#rows) {
      if (row >= rows) continue;
      for (let col = 0; col < cols; col++) if (free.charCodeAt(col) === 49) mask[row * cols + col] = true;
      for (const index of this.#lapsed.get(row) ?? []) mask[index] = true;
    }
    return mask;
  }
}
