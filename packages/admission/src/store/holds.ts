import { seatOfIndex, type Seat } from '../seats.js';
import type { HoldStatus } from './database.js';
import type { Executor } from './store.js';

export interface HoldRecord {
  readonly holdId: string;
  readonly eventId: string;
  readonly userId: string;
  readonly status: HoldStatus;
  readonly seats: readonly Seat[];
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
}

/** A hold (or booking: same id) by its id alone, as an API that names only the hold needs. */
export async function findHold({ db }: Executor, holdId: string): Promise<HoldRecord | undefined> {
  const row = await db
    .selectFrom('holds')
    .innerJoin('events', 'events.id', 'holds.event_id')
    .select([
      'holds.id',
      'holds.event_id',
      'holds.user_id',
      'holds.status',
      'holds.seat_indexes',
      'holds.expires_at',
      'holds.created_at',
      'events.cols',
    ])
    .where('holds.id', '=', holdId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    holdId: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    status: row.status,
    seats: row.seat_indexes.map((index) => seatOfIndex(index, row.cols)),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}
