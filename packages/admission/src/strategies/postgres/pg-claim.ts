import { fingerprintOf, holdTtlOf, type BestClaimRequest, type ClaimRequest, type SeatClaimRequest } from '../../claim-request.js';
import { InvalidInputError } from '../../errors.js';
import { seatIndex, seatLabel } from '../../seats.js';
import type { EventCache } from '../../store/event-cache.js';
import type { EventInfo } from '../../store/events.js';

/** What a claim on the PostgreSQL path knows once its event is read. */
interface PgClaimBase {
  readonly event: EventInfo;
  /** 0 sells at once. */
  readonly holdTtlMs: number;
  /** "The same request" for the idempotency key: '' without a key. */
  readonly fingerprint: string;
}

export type PgSeatClaim = SeatClaimRequest &
  PgClaimBase & {
    /** The seats' indexes, in the claim's order. */
    readonly indexes: readonly number[];
  };

export type PgBestClaim = BestClaimRequest & PgClaimBase;

export type PgClaim = PgSeatClaim | PgBestClaim;

/** Looks the claim's event up and checks what needs the event (the seats are on its grid). */
export async function withEvent(request: SeatClaimRequest, events: EventCache): Promise<PgSeatClaim>;
export async function withEvent(request: BestClaimRequest, events: EventCache): Promise<PgBestClaim>;
export async function withEvent(request: ClaimRequest, events: EventCache): Promise<PgClaim> {
  const event = await events.get(request.eventId);
  const holdTtlMs = holdTtlOf(request, event.holdTtlMs);
  const base = { event, holdTtlMs, fingerprint: fingerprintOf(request, holdTtlMs) };
  if (request.kind === 'best') return { ...request, ...base };
  const offGrid = request.seats.find((seat) => seat.row > event.rows || seat.col > event.cols);
  if (offGrid !== undefined) throw new InvalidInputError('seats', `seat ${seatLabel(offGrid)} is not on the grid`);
  return { ...request, ...base, indexes: request.seats.map((seat) => seatIndex(seat, event.cols)) };
}
