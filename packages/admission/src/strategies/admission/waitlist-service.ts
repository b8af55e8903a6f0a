import { InvalidInputError } from '../../errors.js';
import type { Gate } from '../../gate/gate.js';
import { newEntryId } from '../../gate/waitlist-ids.js';
import { limits } from '../../limits.js';
import type { EntryRef, WaitlistJoinResult, WaitlistLeaveResult } from '../../results.js';
import type { EventCache } from '../../store/event-cache.js';
import type { Shards } from '../../store/shards.js';
import { deleteEntry, findEntry, insertEntry, numberEntry, type WaitlistEntryRecord } from '../../store/waitlist.js';
import { checkId, checkUserId, checkWhole } from '../../validation.js';
import type { AdmissionStrategy } from './admission-strategy.js';
import type { WaitlistWriter } from './waitlist-writer.js';

/** A waitlist entry as the store of record has it, with its place in the line while it waits. */
export interface WaitlistEntry extends WaitlistEntryRecord {
  /** 1 = the head; undefined unless waiting. */
  readonly position?: number;
}

export interface WaitlistServiceOptions {
  readonly shards: Shards;
  readonly events: EventCache;
  readonly gate: Gate;
  readonly strategy: AdmissionStrategy;
  readonly writer: WaitlistWriter;
}

/**
 * The waitlist through the admission strategy: PostgreSQL keeps one active entry per user and
 * event and is the truth of every entry; the gate decides the order and the offers, atomically
 * with the seats they are made of. Every answer waits until what the gate did is written.
 */
export class WaitlistService {
  readonly #options: WaitlistServiceOptions;

  constructor(options: WaitlistServiceOptions) {
    this.#options = options;
  }

  async join(request: { eventId: string; userId: string; quantity: number }): Promise<WaitlistJoinResult> {
    const { shards, events, gate, strategy, writer } = this.#options;
    const event = await events.get(checkId('eventId', request.eventId));
    const store = shards.at(event.shard);
    const userId = checkUserId(request.userId);
    const most = event.maxSeatsPerUser > 0 ? event.maxSeatsPerUser : limits.maxSeatsPerClaim;
    const quantity = checkWhole('quantity', request.quantity, 1, most);
    const entryId = newEntryId();
    const inserted = await insertEntry(store, { entryId, eventId: event.eventId, userId, quantity });
    if (!inserted.inserted) return { ok: false, reason: 'already-waiting', entryId: inserted.activeEntryId };
    let result: WaitlistJoinResult;
    try {
      result = await strategy.viaGate(event, () => gate.waitlist.join({ eventId: event.eventId, userId, quantity, entryId }));
    } catch (error) {
      await deleteEntry(store, entryId);
      throw error;
    }
    if (!result.ok) {
      await deleteEntry(store, entryId);
      return result;
    }
    await numberEntry(store, entryId, result.seq);
    await writer.drain(event.eventId);
    return result;
  }

  async leave(ref: EntryRef): Promise<WaitlistLeaveResult> {
    const { events, gate, strategy, writer } = this.#options;
    const event = await events.get(checkId('eventId', ref.eventId));
    const result = await strategy.viaGate(event, () => gate.waitlist.leave(ref));
    await writer.drain(event.eventId);
    return result;
  }

  async find(entryId: string): Promise<WaitlistEntry | undefined> {
    if (typeof entryId !== 'string' || entryId === '') throw new InvalidInputError('entryId', 'must be an entry id');
    // An entry id names no event: each shard is asked (one indexed lookup each).
    const found = await Promise.all(this.#options.shards.all.map((store) => findEntry(store, entryId)));
    const entry = found.find((candidate) => candidate !== undefined);
    if (entry === undefined || entry.status !== 'waiting') return entry;
    const position = await this.#options.gate.waitlist.position(entry.eventId, entryId).catch(() => undefined);
    return position === undefined ? entry : { ...entry, position };
  }
}
