import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * PostgreSQL is the truth; Redis is a rebuildable index of it. One row a seat carries the
 * seat's current holder, so PostgreSQL itself can refuse a second one: every correct write
 * path takes seats with a conditional UPDATE whose row count it checks (seat-writes.ts).
 * Every table lives in the schema the user chose (default `seatgrid`), never in `public`.
 */
export interface Database {
  events: EventsTable;
  seats: SeatsTable;
  holds: HoldsTable;
  bookings: BookingsTable;
  idempotency_records: IdempotencyRecordsTable;
  event_seat_counts: EventSeatCountsTable;
  seat_rows: SeatRowsTable;
  waitlist_entries: WaitlistEntriesTable;
  event_shards: EventShardsTable;
}

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface EventsTable {
  id: string;
  name: string;
  rows: number;
  cols: number;
  capacity: number;
  /** 0: no limit. */
  max_seats_per_user: number;
  hold_ttl_ms: number;
  waitlist_offer_ms: Generated<number>;
  waiting_room_per_second: number | null;
  waiting_room_ttl_ms: number | null;
  created_at: CreatedAt;
}

export type SeatState = 'free' | 'held' | 'sold';

export interface SeatsTable {
  event_id: string;
  /** 0-based, row-major: (row - 1) * cols + (col - 1). */
  seat_index: number;
  row: number;
  col: number;
  state: Generated<SeatState>;
  hold_id: string | null;
  /** For a held seat, when its hold expires: past it, the seat counts as free. */
  held_until: Date | null;
  version: Generated<number>;
}

export type HoldStatus = 'held' | 'confirmed' | 'released' | 'expired' | 'cancelled';

export interface HoldsTable {
  id: string;
  event_id: string;
  user_id: string;
  seat_indexes: number[];
  status: HoldStatus;
  /** null for a one-step booking. */
  expires_at: Date | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A confirmed hold or a one-step booking; its id is the hold's. */
export interface BookingsTable {
  id: string;
  event_id: string;
  user_id: string;
  created_at: CreatedAt;
}

export interface IdempotencyRecordsTable {
  user_id: string;
  key: string;
  event_id: string;
  fingerprint: string;
  response: unknown;
  created_at: CreatedAt;
}

/** Kept by a trigger on seats: per event and slot, seats taken and seat changes (the slots sum up). */
export interface EventSeatCountsTable {
  event_id: string;
  slot: number;
  taken: number;
  changes: string;
}

export type WaitlistStatus = 'waiting' | 'offered' | 'fulfilled' | 'expired' | 'left';

/** A waitlist entry; seq is the gate's arrival number (null until the gate answered the join). */
/** Kept by a trigger on seats: each row of seats as a bit string of its free seats, and its longest free run. */
export interface SeatRowsTable {
  event_id: string;
  /** 1-based, as seats.row. */
  row: number;
  /** '1' where the seat's state is free, col c at position c (1-based); seats whose hold lapsed read '0'. */
  free: string;
  longest_free: number;
}

export interface WaitlistEntriesTable {
  id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  seq: string | null;
  status: WaitlistStatus;
  offers: Generated<number>;
  skips: Generated<number>;
  hold_id: string | null;
  offer_expires_at: Date | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Where each event of a sharded store lives (kept in shard 0). */
export interface EventShardsTable {
  event_id: string;
  shard: number;
  created_at: CreatedAt;
}

export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
export type HoldRow = Selectable<HoldsTable>;
