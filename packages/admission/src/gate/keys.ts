import { createHash } from 'node:crypto';

/**
 * Every key of an event shares one hash tag, `{ev:<eventId>}`, so a Redis Cluster keeps
 * them in one slot and a script may touch them all. Scripts never build key names: the
 * names are made here and passed in KEYS.
 */
const EVENT_PARTS = ['meta', 'seats', 'holds', 'expiry', 'owners', 'users', 'runs', 'stream', 'waitlist', 'entries'] as const;

export type EventKeys = readonly string[];

function eventTag(prefix: string, eventId: string): string {
  return `${prefix}:{ev:${eventId}}`;
}

/** The live keys of an event, in the order every event script takes them (lua/includes/event-keys.lua). */
export function eventKeys(prefix: string, eventId: string): EventKeys {
  const tag = eventTag(prefix, eventId);
  return EVENT_PARTS.map((part) => `${tag}:${part}`);
}

/** The staging copy a load builds before it swaps it in. */
export function stagingKeys(prefix: string, eventId: string): EventKeys {
  const tag = eventTag(prefix, eventId);
  return EVENT_PARTS.map((part) => `${tag}:load:${part}`);
}

/**
 * One idempotency record, scoped to its user; hashed so any key text makes a safe name.
 * Without a key the scripts still need a name in the event's slot; they never touch it.
 */
export function idempotencyRecordKey(prefix: string, eventId: string, userId: string, key: string | undefined): string {
  if (key === undefined) return `${eventTag(prefix, eventId)}:idem:none`;
  const digest = createHash('sha256').update(userId).update('\0').update(key).digest('base64url');
  return `${eventTag(prefix, eventId)}:idem:${digest}`;
}

/** A background job's lease on one event (`name`: the job), in the event's slot. */
export function leaseKey(prefix: string, eventId: string, name: string): string {
  return `${eventTag(prefix, eventId)}:lease:${name}`;
}

/** The waiting room's keys in the order the queue scripts take them; the event's meta last. */
export function waitingRoomKeys(prefix: string, eventId: string): readonly string[] {
  const tag = eventTag(prefix, eventId);
  return [`${tag}:room`, `${tag}:queue`, `${tag}:tickets`, `${tag}:admitted`, `${tag}:meta`];
}

/** Which event a waiting-room ticket is for (outside the event's slot: a ticket names no event). */
export function ticketKey(prefix: string, ticket: string): string {
  return `${prefix}:ticket:${ticket}`;
}

/**
 * Events with recent Redis grants, by time: a winner whose process dies before its
 * PostgreSQL write leaves a trace only here. One key, outside every event's slot.
 */
export function recentGrantsKey(prefix: string): string {
  return `${prefix}:recent-grants`;
}
