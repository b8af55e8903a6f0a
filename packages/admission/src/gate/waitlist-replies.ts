import type { WaitlistJoinResult, WaitlistLeaveResult, WaitlistStatus } from '../results.js';
import { throwIfError, unexpectedReply, type ScriptReply } from './replies.js';
import { ResultCode } from './result-codes.js';

const statusNames: Readonly<Record<string, WaitlistStatus>> = Object.freeze({
  W: 'waiting',
  O: 'offered',
  F: 'fulfilled',
  E: 'expired',
  L: 'left',
});

/** A waitlist status letter of the scripts, by name. */
export function waitlistStatus(letter: unknown): WaitlistStatus {
  const status = statusNames[String(letter)];
  if (status === undefined) throw new Error(`unknown waitlist status ${String(letter)}`);
  return status;
}

export function joinResult(reply: ScriptReply, eventId: string, entryId: string): WaitlistJoinResult {
  throwIfError(reply, eventId);
  switch (Number(reply[0])) {
    case ResultCode.OK: {
      const status = waitlistStatus(reply[1]) === 'offered' ? 'offered' : 'waiting';
      const offerExpiresAt = Number(reply[4]);
      return {
        ok: true,
        entryId,
        status,
        position: Number(reply[2]),
        seq: Number(reply[5]),
        ...(status === 'offered' ? { holdId: String(reply[3]), offerExpiresAt: new Date(offerExpiresAt) } : {}),
      };
    }
    case ResultCode.ALREADY_WAITING:
      return { ok: false, reason: 'already-waiting', entryId: String(reply[1]) };
    case ResultCode.USER_LIMIT:
      return { ok: false, reason: 'user-limit', limit: Number(reply[2]), current: Number(reply[3]) };
    default:
      return unexpectedReply(reply);
  }
}

export function leaveResult(reply: ScriptReply, eventId: string): WaitlistLeaveResult {
  throwIfError(reply, eventId);
  switch (Number(reply[0])) {
    case ResultCode.OK:
      return { ok: true, previous: waitlistStatus(reply[1]) === 'offered' ? 'offered' : 'waiting' };
    case ResultCode.ENTRY_NOT_FOUND:
      return { ok: false, reason: 'entry-not-found' };
    case ResultCode.ENTRY_CLOSED:
      return { ok: false, reason: 'entry-closed', status: waitlistStatus(reply[1]) };
    default:
      return unexpectedReply(reply);
  }
}
