import type { Seat } from './seats.js';

/** An event's definition: a rows × cols grid of seats. */
export interface EventDefinition {
  readonly eventId: string;
  readonly rows: number;
  readonly cols: number;
  /** Seats one user may hold or buy in this event; 0 (the default) for no limit. */
  readonly maxSeatsPerUser?: number;
}

/** A hold or booking inside an event snapshot (the hydrate path). */
export interface SnapshotHold {
  readonly holdId: string;
  readonly userId: string;
  readonly status: 'held' | 'sold';
  readonly seats: readonly Seat[];
  /** When a held hold expires; ignored for sold ones. */
  readonly expiresAt?: Date;
}

/** A waitlist entry inside an event snapshot (the hydrate path), in arrival order. */
export interface SnapshotEntry {
  readonly entryId: string;
  readonly userId: string;
  readonly quantity: number;
  /** Arrival order: 1 arrived first. */
  readonly seq: number;
  readonly status: 'waiting' | 'offered';
  /** Offers made so far. */
  readonly offers: number;
  /** Times later entries were served before it while it was at the head. */
  readonly skips: number;
  /** An offered entry's offer: a held hold in the snapshot. */
  readonly holdId?: string;
  readonly offerExpiresAt?: Date;
}

/** The whole state of an event, to replace what Redis has (or create it). */
export interface EventSnapshot extends EventDefinition {
  readonly holds: readonly SnapshotHold[];
  /** The waitlist's waiting and offered entries, in arrival order. Default none. */
  readonly waitlist?: readonly SnapshotEntry[];
  /** How long a waitlist offer is held. Default 5 min. */
  readonly waitlistOfferMs?: number;
  /** The event's waiting room, if it has one. */
  readonly waitingRoom?: WaitingRoomSettings;
}

/** A waiting room: buyers are admitted first come first served at this pace. */
export interface WaitingRoomSettings {
  /** Admissions a second. */
  readonly admitPerSecond: number;
  /** An admission unused this long expires (and makes room for the next). */
  readonly admissionTtlMs: number;
}

/** A waiting-room ticket as its holder sees it. */
export interface QueueTicket {
  readonly ticket: string;
  readonly eventId: string;
  readonly status: 'waiting' | 'admitted' | 'done' | 'expired';
  /** Place in the queue, 1 = next; only while waiting. */
  readonly position?: number;
  /** What claims send (Admission-Token) once admitted; only while admitted or done. */
  readonly admissionToken?: string;
  /** When the admission expires. */
  readonly expiresAt?: Date;
  /** At the room's pace, while waiting. */
  readonly estimatedWaitSeconds?: number;
}

/** A waitlist entry's state. */
export type WaitlistStatus = 'waiting' | 'offered' | 'fulfilled' | 'expired' | 'left';

/** What joining the waitlist answered. */
export type WaitlistJoinResult =
  | {
      readonly ok: true;
      readonly entryId: string;
      readonly status: 'waiting' | 'offered';
      /** Place in the line, 1 = the head; 0 once offered. */
      readonly position: number;
      /** The entry's arrival number on the event (1 arrived first). */
      readonly seq: number;
      /** When offered at once: the offer's hold, and when it expires. */
      readonly holdId?: string;
      readonly offerExpiresAt?: Date;
    }
  | { readonly ok: false; readonly reason: 'already-waiting'; readonly entryId: string }
  | { readonly ok: false; readonly reason: 'user-limit'; readonly limit: number; readonly current: number };

/** Names a waitlist entry of one user. */
export interface EntryRef {
  readonly eventId: string;
  readonly entryId: string;
  readonly userId: string;
}

export type WaitlistLeaveResult =
  | { readonly ok: true; readonly previous: 'waiting' | 'offered' }
  | { readonly ok: false; readonly reason: 'entry-not-found' }
  | { readonly ok: false; readonly reason: 'entry-closed'; readonly status: WaitlistStatus };

/** What a claim asks for; exactly one of the two claim kinds is used per call. */
interface ClaimBase {
  readonly eventId: string;
  readonly userId: string;
  /** 'hold' (default) keeps the seats until confirmed or expired; 'book' sells them at once. */
  readonly mode?: 'hold' | 'book';
  /** Hold duration for this claim; the settings' holdTtlMs when absent. */
  readonly holdTtlMs?: number;
  /** Same key and same request: the stored answer, nothing claimed twice. Scoped per user. */
  readonly idempotencyKey?: string;
  /** Id for the new hold; a random UUID when absent. */
  readonly holdId?: string;
  /** On an event with a waiting room: the token the user was admitted with. */
  readonly admissionToken?: string;
}

export interface SeatClaim extends ClaimBase {
  readonly seats: readonly Seat[];
}

export interface BestAvailableClaim extends ClaimBase {
  readonly quantity: number;
  /** When no adjacent block exists: seats in several pieces (true, default) or none. */
  readonly allowSplit?: boolean;
}

export interface ClaimGranted {
  readonly ok: true;
  readonly holdId: string;
  readonly status: 'held' | 'sold';
  readonly seats: readonly Seat[];
  /** When the hold expires; null for a sale. */
  readonly expiresAt: Date | null;
  /** The event's load generation the claim was decided on. */
  readonly generation: number;
  /** True when this is the stored answer of an earlier call with the same idempotency key. */
  readonly replayed: boolean;
}

export type ClaimRefusal =
  | { readonly ok: false; readonly reason: 'sold-out'; readonly replayed: boolean; readonly cached: boolean }
  | { readonly ok: false; readonly reason: 'seats-taken'; readonly takenSeats: readonly Seat[]; readonly replayed: boolean }
  | { readonly ok: false; readonly reason: 'not-enough-seats'; readonly available: number; readonly replayed: boolean }
  | { readonly ok: false; readonly reason: 'no-adjacent-block'; readonly replayed: boolean }
  | { readonly ok: false; readonly reason: 'user-limit'; readonly limit: number; readonly current: number; readonly replayed: boolean };

export type ClaimResult = ClaimGranted | ClaimRefusal;

/** Where a hold stands: held (expires), sold (a confirmed hold or a booking), or expired. */
export type HoldState = 'held' | 'sold' | 'expired';

/** Names a hold (or booking) of one user. */
export interface HoldRef {
  readonly eventId: string;
  readonly holdId: string;
  readonly userId: string;
}

export type HoldRefusal =
  | { readonly ok: false; readonly reason: 'hold-not-found' }
  | { readonly ok: false; readonly reason: 'hold-expired' }
  /** A booking asked to be released, or a hold to be cancelled. */
  | { readonly ok: false; readonly reason: 'wrong-state'; readonly status: 'held' | 'sold' };

export type ConfirmResult = { readonly ok: true; readonly seats: readonly Seat[]; readonly alreadyConfirmed: boolean } | HoldRefusal;

export type ReleaseResult = { readonly ok: true; readonly seats: readonly Seat[] } | HoldRefusal;

/** An extended hold's new expiry; 'extension-limit': it lives as long as it may already. */
export type ExtendResult =
  | { readonly ok: true; readonly expiresAt: Date }
  | HoldRefusal
  | { readonly ok: false; readonly reason: 'extension-limit' };

export interface ExpiredHold {
  readonly holdId: string;
  readonly userId: string;
  readonly seats: readonly Seat[];
}

export interface ReapResult {
  readonly expired: readonly ExpiredHold[];
  /** More holds are due than one batch handles: call again. */
  readonly moreDue: boolean;
}

export interface EventCounters {
  readonly rows: number;
  readonly cols: number;
  readonly capacity: number;
  readonly available: number;
  readonly maxSeatsPerUser: number;
  /** Bumped by every load: tells a hydrated event from the one before. */
  readonly generation: number;
  /**
   * The event's version: it grows with every change of its seats (and jumps at every load), so
   * two reads at the same version saw the same map. 0 where the strategy keeps none.
   */
  readonly version: number;
}

/** The seat map: `states` has one character a seat, row-major: '.' free, 'H' held, 'S' sold. */
export interface SeatMap extends EventCounters {
  readonly states: string;
}

/** The map as one string a row, row 1 first. */
export function seatMapRows(map: SeatMap): string[] {
  const rows: string[] = [];
  for (let row = 0; row < map.rows; row++) rows.push(map.states.slice(row * map.cols, (row + 1) * map.cols));
  return rows;
}
