import { randomBytes, randomUUID } from 'node:crypto';
import { AdmissionRequiredError, NoWaitingRoomError } from '../errors.js';
import type { QueueTicket, WaitingRoomSettings } from '../results.js';
import { checkId, checkUserId } from '../validation.js';
import type { GateSettings } from './gate-settings.js';
import { ticketKey, waitingRoomKeys } from './keys.js';
import { okOrThrow, unexpectedReply, type ScriptReply } from './replies.js';
import { ResultCode } from './result-codes.js';
import type { RedisClient, RunScript } from './script-runner.js';

const ticketStatuses = Object.freeze({ W: 'waiting', A: 'admitted', D: 'done', X: 'expired' } as const);

/** A ticket names its event for a day: longer than any on-sale's queue. */
const TICKET_TTL_SECONDS = 24 * 60 * 60;

/**
 * The waiting room's Redis side (lua/includes/waiting-room.lua): open it, queue, read a
 * ticket, check an admission. Kept in Redis only: a Redis that loses it loses the queue
 * (tickets and admissions); buyers queue again, nobody gets in without an admission.
 */
export class WaitingRoom {
  readonly #redis: RedisClient;
  readonly #run: RunScript;
  readonly #settings: GateSettings;

  constructor(redis: RedisClient, run: RunScript, settings: GateSettings) {
    this.#redis = redis;
    this.#run = run;
    this.#settings = settings;
  }

  async open(eventId: string, room: WaitingRoomSettings): Promise<void> {
    const [roomKey] = waitingRoomKeys(this.#settings.keyPrefix, checkId('eventId', eventId));
    okOrThrow(await this.#run('queue-open', [roomKey as string], [room.admitPerSecond, room.admissionTtlMs]), eventId);
  }

  async join(eventId: string, userId: string): Promise<QueueTicket> {
    const ticket = randomUUID();
    const keys = waitingRoomKeys(this.#settings.keyPrefix, checkId('eventId', eventId));
    const reply = await this.#run('queue-join', keys, [checkUserId(userId), ticket, randomBytes(18).toString('hex')]);
    const answer = ticketOf(reply, eventId);
    if (answer.ticket === ticket) await this.#redis.set(ticketKey(this.#settings.keyPrefix, ticket), eventId, 'EX', TICKET_TTL_SECONDS);
    return answer;
  }

  /** The ticket's state for its owner; undefined for an unknown ticket or someone else's. */
  async status(ticket: string, userId: string): Promise<QueueTicket | undefined> {
    const eventId = await this.#redis.get(ticketKey(this.#settings.keyPrefix, checkId('ticket', ticket)));
    if (eventId === null) return undefined;
    const reply = await this.#run('queue-status', waitingRoomKeys(this.#settings.keyPrefix, eventId), [checkUserId(userId), ticket]);
    if (Number(reply[0]) === ResultCode.TICKET_NOT_FOUND) return undefined;
    return ticketOf(reply, eventId);
  }

  /** Throws AdmissionRequiredError unless `token` admits `userId`; `done`: the user's claim was granted. */
  async admit(eventId: string, userId: string, token: string | undefined, done: boolean): Promise<void> {
    if (token === undefined || token.length > 200) throw new AdmissionRequiredError(eventId);
    const reply = await this.#run('queue-admit', waitingRoomKeys(this.#settings.keyPrefix, eventId), [userId, token, done ? '1' : '0']);
    if (Number(reply[0]) === ResultCode.OK) return;
    if (Number(reply[0]) === ResultCode.ADMISSION_REQUIRED) throw new AdmissionRequiredError(eventId);
    if (Number(reply[0]) === ResultCode.NO_WAITING_ROOM) throw new NoWaitingRoomError(eventId);
    unexpectedReply(reply);
  }
}

function ticketOf(reply: ScriptReply, eventId: string): QueueTicket {
  if (Number(reply[0]) === ResultCode.NO_WAITING_ROOM) throw new NoWaitingRoomError(eventId);
  if (Number(reply[0]) !== ResultCode.OK) unexpectedReply(reply);
  const status = ticketStatuses[String(reply[2]) as keyof typeof ticketStatuses];
  const token = String(reply[4]);
  return {
    ticket: String(reply[1]),
    eventId,
    status,
    ...(status === 'waiting' ? { position: Number(reply[3]), estimatedWaitSeconds: Number(reply[6]) } : {}),
    ...(token === '' ? {} : { admissionToken: token, expiresAt: new Date(Number(reply[5])) }),
  };
}
