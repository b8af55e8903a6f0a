import { sql } from 'kysely';
import type { EventInfo } from './events.js';
import type { Executor } from './store.js';

/**
 * The free seats of an event's rows, from the bit strings the writes keep (see the
 * free-seat-rows migration) and the seats whose hold lapsed but is not swept yet: a row costs
 * one short string, whatever its size, and no seat row is read but the lapsed ones.
 */
export class FreeSeatRows {
  readonly #executor: Executor;
  readonly #event: EventInfo;
  /** 0-based row → its free seats by state ('1' free), and the seat indexes whose hold lapsed; rows read so far. */
  readonly #rows = new Map<number, { readonly free: string; readonly lapsed: readonly number[] }>();

  constructor(executor: Executor, event: EventInfo) {
    this.#executor = executor;
    this.#event = event;
  }

  /**
   * Reads rows [fromRow, toRow) (0-based). With `minRun` > 0 it skips the rows that cannot
   * hold that many adjacent free seats: their longest free run is shorter and no hold in them
   * lapsed.
   */
  async read(fromRow: number, toRow: number, minRun = 0): Promise<void> {
    const { db, t } = this.#executor;
    const eventId = this.#event.eventId;
    const { rows } = await sql<{ row: number; free: string; lapsed: number[] | null }>`
      with lapsed as materialized (
        select row, array_agg(seat_index) as seats from ${t.seats}
        where event_id = ${eventId} and state = 'held' and held_until < now() and row > ${fromRow} and row <= ${toRow}
        group by row)
      select kept.row, kept.free, lapsed.seats as lapsed
      from ${t.seatRows} as kept left join lapsed using (row)
      where kept.event_id = ${eventId} and kept.row > ${fromRow} and kept.row <= ${toRow}
        and (kept.longest_free >= ${minRun} or lapsed.seats is not null)`.execute(db);
    for (const { row, free, lapsed } of rows) this.#rows.set(row - 1, { free, lapsed: lapsed ?? [] });
  }

  /** The free mask of the first `rows` rows (see best-seats.ts), of the rows read: a row not read reads as taken. */
  mask(rows: number): boolean[] {
    const { cols } = this.#event;
    const mask = new Array<boolean>(rows * cols).fill(false);
    for (const [row, { free, lapsed }] of this.#rows) {
      if (row >= rows) continue;
      for (let col = 0; col < cols; col++) if (free.charCodeAt(col) === 49) mask[row * cols + col] = true;
      for (const index of lapsed) mask[index] = true;
    }
    return mask;
  }
}
