import { createHash, randomUUID } from 'node:crypto';
import { InvalidInputError } from './errors.js';
import { limits } from './limits.js';
import type { BestAvailableClaim, SeatClaim } from './results.js';
import { seatLabel, type Seat } from './seats.js';
import { checkId, checkIdempotencyKey, checkSeatList, checkUserId, checkWhole } from './validation.js';

/**
 * A claim after validation, the same for the Redis gate and the PostgreSQL strategies: they
 * accept and refuse exactly the same input, and fingerprint it the same way, so an
 * idempotency key means one request whichever path serves it.
 */
interface ClaimRequestBase {
  readonly eventId: string;
  readonly userId: string;
  readonly holdId: string;
  /** The caller named the hold id (a random one never collides). */
  readonly explicitHoldId: boolean;
  readonly mode: 'hold' | 'book';
  /** The TTL the claim asked for; undefined: the event's (or the gate's) default. */
  readonly askedTtlMs: number | undefined;
  readonly idempotencyKey: string | undefined;
  /** The waiting room's admission, when the event has one (not part of "the same request"). */
  readonly admissionToken: string | undefined;
}

export interface SeatClaimRequest extends ClaimRequestBase {
  readonly kind: 'seats';
  readonly seats: readonly Seat[];
}

export interface BestClaimRequest extends ClaimRequestBase {
  readonly kind: 'best';
  readonly quantity: number;
  readonly allowSplit: boolean;
}

export type ClaimRequest = SeatClaimRequest | BestClaimRequest;

function prepareBase(claim: SeatClaim | BestAvailableClaim): ClaimRequestBase {
  const mode = claim.mode ?? 'hold';
  if (mode !== 'hold' && mode !== 'book') throw new InvalidInputError('mode', "must be 'hold' or 'book'");
  const askedTtlMs =
    mode === 'book' || claim.holdTtlMs === undefined ? undefined : checkWhole('holdTtlMs', claim.holdTtlMs, 1, limits.maxHoldTtlMs);
  return {
    eventId: checkId('eventId', claim.eventId),
    userId: checkUserId(claim.userId),
    holdId: claim.holdId === undefined ? randomUUID() : checkId('holdId', claim.holdId),
    explicitHoldId: claim.holdId !== undefined,
    mode,
    askedTtlMs,
    idempotencyKey: claim.idempotencyKey === undefined ? undefined : checkIdempotencyKey(claim.idempotencyKey),
    admissionToken: typeof claim.admissionToken === 'string' ? claim.admissionToken : undefined,
  };
}

export function prepareSeatClaim(claim: SeatClaim): SeatClaimRequest {
  const seats = checkSeatList(claim.seats, limits);
  return { ...prepareBase(claim), kind: 'seats', seats };
}

export function prepareBestClaim(claim: BestAvailableClaim): BestClaimRequest {
  const quantity = checkWhole('quantity', claim.quantity, 1, limits.maxSeatsPerClaim);
  if (claim.allowSplit !== undefined && typeof claim.allowSplit !== 'boolean') {
    throw new InvalidInputError('allowSplit', 'must be true or false');
  }
  return { ...prepareBase(claim), kind: 'best', quantity, allowSplit: claim.allowSplit ?? true };
}

/** The hold TTL the claim runs with: 0 sells at once. */
export function holdTtlOf(request: ClaimRequest, defaultTtlMs: number): number {
  return request.mode === 'book' ? 0 : (request.askedTtlMs ?? defaultTtlMs);
}

/** "The same request" for an idempotency key: '' without a key. */
export function fingerprintOf(request: ClaimRequest, holdTtlMs: number): string {
  if (request.idempotencyKey === undefined) return '';
  const what =
    request.kind === 'seats'
      ? ['seats', ...request.seats.map(seatLabel).sort()]
      : ['best', String(request.quantity), String(request.allowSplit)];
  return createHash('sha256')
    .update(JSON.stringify([...what, request.mode, holdTtlMs]))
    .digest('base64url');
}
