import { limits } from '../limits.js';
import type { EntryRef, WaitlistJoinResult, WaitlistLeaveResult } from '../results.js';
import { checkId, checkUserId, checkWhole } from '../validation.js';
import { eventKeys } from './keys.js';
import type { ScriptReply } from './replies.js';
import type { RedisClient } from './script-runner.js';
import { checkEntryId, newEntryId, POOL_HOLD } from './waitlist-ids.js';
import { joinResult, leaveResult } from './waitlist-replies.js';

/** Runs one of the event's scripts with the gate's reap settings; the gate's own. */
export type WaitlistScriptCall = (
  script: 'waitlist-join' | 'waitlist-leave',
  eventId: string,
  args: readonly (string | number)[],
) => Promise<ScriptReply>;

/** Where the holds and the waitlist are in an event's keys (lua/includes/event-keys.lua). */
const HOLDS = 2;
const WAITLIST = 8;

/**
 * An event's waitlist in Redis (lua/includes/waitlist.lua): join, leave, and what the
 * waitlist holds now. Offers are made by the scripts that free seats, not here.
 */
export class GateWaitlist {
  readonly #redis: RedisClient;
  readonly #keyPrefix: string;
  readonly #call: WaitlistScriptCall;

  constructor(redis: RedisClient, keyPrefix: string, call: WaitlistScriptCall) {
    this.#redis = redis;
    this.#keyPrefix = keyPrefix;
    this.#call = call;
  }

  /**
   * Puts the user on the event's waitlist for `quantity` seats (an offer at once when seats
   * are free for them). `entryId`: a fresh id, random when absent.
   */
  async join(request: { eventId: string; userId: string; quantity: number; entryId?: string }): Promise<WaitlistJoinResult> {
    const eventId = checkId('eventId', request.eventId);
    const entryId = request.entryId === undefined ? newEntryId() : checkEntryId(request.entryId);
    const quantity = checkWhole('quantity', request.quantity, 1, limits.maxSeatsPerClaim);
    const reply = await this.#call('waitlist-join', eventId, [checkUserId(request.userId), entryId, quantity, limits.maxSeatsPerClaim]);
    return joinResult(reply, eventId, entryId);
  }

  /** Takes the user's entry off the waitlist (declining its offer, when it has one). */
  async leave(ref: EntryRef): Promise<WaitlistLeaveResult> {
    const eventId = checkId('eventId', ref.eventId);
    const reply = await this.#call('waitlist-leave', eventId, [checkUserId(ref.userId), checkEntryId(ref.entryId)]);
    return leaveResult(reply, eventId);
  }

  /** The entry's place in the waitlist (1 = the head), or undefined when it is not waiting. */
  async position(eventId: string, entryId: string): Promise<number | undefined> {
    const rank = await this.#redis.zrank(this.#key(eventId, WAITLIST), checkEntryId(entryId));
    return rank === null ? undefined : rank + 1;
  }

  /** Entries waiting now. */
  async length(eventId: string): Promise<number> {
    // The sentinel member is not an entry.
    return Math.max(0, (await this.#redis.zcard(this.#key(eventId, WAITLIST))) - 1);
  }

  /** The seats gathering for the head of the waitlist (held, for nobody yet), as 0-based indices. */
  async pool(eventId: string): Promise<number[]> {
    const record = await this.#redis.hget(this.#key(eventId, HOLDS), POOL_HOLD);
    return record === null
      ? []
      : (record.split(':')[2] ?? '')
          .split(',')
          .filter((s) => s !== '')
          .map(Number);
  }

  #key(eventId: string, part: number): string {
    return eventKeys(this.#keyPrefix, checkId('eventId', eventId))[part] as string;
  }
}
