import {
  AdmissionError,
  EventExistsError,
  EventNotLoadedError,
  IdempotencyMismatchError,
  InvalidInputError,
  LoadConflictError,
} from '../errors.js';
import { ResultCode, resultCodeName } from './result-codes.js';
import type { ClaimResult, ConfirmResult, ExpiredHold, ExtendResult, HoldRefusal, ReapResult, ReleaseResult } from '../results.js';
import { seatsFromReply } from '../seats.js';

/**
 * The one mapper from script replies to results and errors. Refusals become typed
 * results; everything a caller must act on becomes an AdmissionError.
 */
export type ScriptReply = readonly unknown[];

function codeOf(reply: ScriptReply): number {
  return Number(reply[0]);
}

/** Throws the error a non-business code stands for; returns for OK and refusals. */
export function throwIfError(reply: ScriptReply, eventId: string): void {
  const code = codeOf(reply);
  switch (code) {
    case ResultCode.NOT_LOADED:
      throw new EventNotLoadedError(eventId);
    case ResultCode.EVENT_EXISTS:
      throw new EventExistsError(eventId);
    case ResultCode.IDEMPOTENCY_MISMATCH:
      throw new IdempotencyMismatchError();
    case ResultCode.LOAD_MISMATCH:
      throw new LoadConflictError(eventId, reply[1] === 'evicted' ? 'evicted' : 'superseded');
    case ResultCode.INVALID_SEAT:
      throw new InvalidInputError('seats', `seat ${reply[1]}:${reply[2]} is not on the grid`);
    case ResultCode.DUPLICATE_SEAT:
      throw new InvalidInputError('seats', `seat ${reply[1]}:${reply[2]} is listed twice`);
    case ResultCode.INVALID_ARGUMENT:
      throw new InvalidInputError(String(reply[1]), 'rejected by the engine');
  }
}

export function unexpectedReply(reply: ScriptReply): never {
  const name = resultCodeName(codeOf(reply)) ?? String(reply[0]);
  throw new AdmissionError('UNEXPECTED_REPLY', `unexpected script reply ${name}`);
}

export function claimResult(reply: ScriptReply, eventId: string): ClaimResult {
  throwIfError(reply, eventId);
  const replayed = reply[1] === 1;
  switch (codeOf(reply)) {
    case ResultCode.OK: {
      const expiresAt = Number(reply[4]);
      return {
        ok: true,
        holdId: String(reply[2]),
        status: reply[3] === 'sold' ? 'sold' : 'held',
        expiresAt: expiresAt > 0 ? new Date(expiresAt) : null,
        generation: Number(reply[5]),
        seats: seatsFromReply(reply, 6),
        replayed,
      };
    }
    case ResultCode.SOLD_OUT:
      return { ok: false, reason: 'sold-out', replayed, cached: false };
    case ResultCode.SEATS_TAKEN:
      return { ok: false, reason: 'seats-taken', takenSeats: seatsFromReply(reply, 2), replayed };
    case ResultCode.NOT_ENOUGH_SEATS:
      return { ok: false, reason: 'not-enough-seats', available: Number(reply[2]), replayed };
    case ResultCode.NO_ADJACENT_BLOCK:
      return { ok: false, reason: 'no-adjacent-block', replayed };
    case ResultCode.USER_LIMIT:
      return { ok: false, reason: 'user-limit', limit: Number(reply[2]), current: Number(reply[3]), replayed };
    default:
      return unexpectedReply(reply);
  }
}

/**
 * A claim result as the claim scripts reply it (and store it under an idempotency key): the
 * inverse of claimResult, for answers decided elsewhere (see Gate.rememberAnswers).
 */
export function claimReply(result: ClaimResult): unknown[] {
  const pairs = (seats: readonly { row: number; col: number }[]) => seats.flatMap((seat) => [seat.row, seat.col]);
  if (result.ok) {
    return [ResultCode.OK, 0, result.holdId, result.status, result.expiresAt?.getTime() ?? 0, result.generation, ...pairs(result.seats)];
  }
  switch (result.reason) {
    case 'sold-out':
      return [ResultCode.SOLD_OUT, 0, -1];
    case 'seats-taken':
      return [ResultCode.SEATS_TAKEN, 0, ...pairs(result.takenSeats)];
    case 'not-enough-seats':
      return [ResultCode.NOT_ENOUGH_SEATS, 0, result.available];
    case 'no-adjacent-block':
      return [ResultCode.NO_ADJACENT_BLOCK, 0];
    case 'user-limit':
      return [ResultCode.USER_LIMIT, 0, result.limit, result.current];
  }
}

/** For a SOLD_OUT reply: how long the answer may be cached (ms; -1: no hold will expire). */
export function soldOutFreshMs(reply: ScriptReply): number | undefined {
  return codeOf(reply) === ResultCode.SOLD_OUT && reply[1] === 0 ? Number(reply[2]) : undefined;
}

function holdRefusal(reply: ScriptReply): HoldRefusal {
  switch (codeOf(reply)) {
    case ResultCode.HOLD_NOT_FOUND:
      return { ok: false, reason: 'hold-not-found' };
    case ResultCode.HOLD_EXPIRED:
      return { ok: false, reason: 'hold-expired' };
    case ResultCode.WRONG_STATE:
      return { ok: false, reason: 'wrong-state', status: reply[1] === 'S' ? 'sold' : 'held' };
    default:
      return unexpectedReply(reply);
  }
}

export function confirmResult(reply: ScriptReply, eventId: string): ConfirmResult {
  throwIfError(reply, eventId);
  if (codeOf(reply) !== ResultCode.OK) return holdRefusal(reply);
  return { ok: true, alreadyConfirmed: reply[1] === 1, seats: seatsFromReply(reply, 2) };
}

export function releaseResult(reply: ScriptReply, eventId: string): ReleaseResult {
  throwIfError(reply, eventId);
  if (codeOf(reply) !== ResultCode.OK) return holdRefusal(reply);
  return { ok: true, seats: seatsFromReply(reply, 1) };
}

export function extendResult(reply: ScriptReply, eventId: string): ExtendResult {
  throwIfError(reply, eventId);
  if (codeOf(reply) !== ResultCode.OK) return holdRefusal(reply);
  return { ok: true, expiresAt: new Date(Number(reply[1])) };
}

export function reapResult(reply: ScriptReply, eventId: string): ReapResult {
  throwIfError(reply, eventId);
  if (codeOf(reply) !== ResultCode.OK) unexpectedReply(reply);
  const expired: ExpiredHold[] = [];
  for (let i = 2; i < reply.length; ) {
    const count = Number(reply[i + 2]);
    expired.push({ holdId: String(reply[i]), userId: String(reply[i + 1]), seats: seatsFromReply(reply, i + 3, count) });
    i += 3 + 2 * count;
  }
  return { expired, moreDue: reply[1] === 1 };
}

/** OK or throw: for the load steps, whose success carries no refusal. */
export function okOrThrow(reply: ScriptReply, eventId: string): ScriptReply {
  throwIfError(reply, eventId);
  if (codeOf(reply) !== ResultCode.OK) unexpectedReply(reply);
  return reply;
}
