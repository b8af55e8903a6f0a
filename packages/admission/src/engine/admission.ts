import { createHash, randomUUID } from 'node:crypto';
import { loadEvent } from './event-loader.js';
import { eventKeys, idempotencyRecordKey } from './keys.js';
import type { ScriptName } from './lua-scripts.js';
import { claimResult, confirmResult, okOrThrow, reapResult, releaseResult, soldOutFreshMs, type ScriptReply } from './replies.js';
import type {
  BestAvailableClaim,
  ClaimResult,
  ConfirmResult,
  EventCounters,
  EventDefinition,
  EventSnapshot,
  HoldRef,
  ReapResult,
  ReleaseResult,
  SeatClaim,
  SeatMap,
} from '../results.js';
import { registerScripts, type RedisClient, type RunScript } from './script-runner.js';
import { seatArgs, seatLabel } from '../seats.js';
import { defaultSettings, type AdmissionSettings } from '../settings.js';
import { SoldOutCache } from './sold-out-cache.js';
import { checkId, checkIdempotencyKey, checkSeatList, checkUserId, checkWhole } from '../validation.js';
import { InvalidInputError } from '../errors.js';

export interface AdmissionOptions extends Partial<AdmissionSettings> {
  /** An ioredis client (standalone or Cluster). Auto-pipelining is welcome. */
  readonly redis: RedisClient;
}

interface ClaimArgs {
  readonly eventId: string;
  readonly userId: string;
  readonly holdId: string;
  readonly holdTtlMs: number;
  readonly idempotencyKey: string | undefined;
}

/**
 * The admission engine: every operation is one atomic Lua script on the event's keys.
 * Create one per process with createAdmission and share it.
 */
export class Admission {
  readonly settings: Readonly<AdmissionSettings>;
  readonly #redis: RedisClient;
  readonly #run: RunScript;
  readonly #soldOut: SoldOutCache;

  constructor(options: AdmissionOptions) {
    const { redis, ...overrides } = options;
    this.settings = Object.freeze({ ...defaultSettings, ...overrides });
    this.#redis = redis;
    this.#run = registerScripts(redis);
    this.#soldOut = new SoldOutCache(this.settings.soldOutCacheMs, this.settings.soldOutCacheMaxEvents);
  }

  /** Creates an empty event; throws EventExistsError if Redis has it already. */
  async createEvent(event: EventDefinition): Promise<number> {
    return this.loadEvent({ ...event, holds: [] }, 'create');
  }

  /**
   * Replaces (or creates) an event's whole state from a snapshot of the store of record,
   * in bounded steps, swapped in atomically. Returns the new generation.
   */
  async loadEvent(snapshot: EventSnapshot, mode: 'create' | 'replace' = 'replace'): Promise<number> {
    const generation = await loadEvent(this.#run, this.settings, snapshot, mode);
    this.#soldOut.forget(snapshot.eventId);
    return generation;
  }

  /**
   * Fences the event before a re-load: every call on it answers EventNotLoadedError until
   * the next loadEvent swaps in the new state, so nothing is admitted between the store's
   * snapshot and the swap. A fence left by a crashed loader ends at the next load.
   */
  async fence(eventId: string): Promise<void> {
    await this.#redis.hset(eventKeys(this.settings.keyPrefix, checkId('eventId', eventId))[0] as string, 'fenced', '1');
    this.#soldOut.forget(eventId);
  }

  /** Claims exactly these seats, or none of them. */
  async claimSeats(claim: SeatClaim): Promise<ClaimResult> {
    const seats = checkSeatList(claim.seats, this.settings);
    const args = this.#claimArgs(claim);
    const payload = ['seats', ...seats.map(seatLabel).sort()];
    return this.#claim('claim-seats', args, payload, claim.mode, seatArgs(seats));
  }

  /** Claims the best `quantity` free seats (see lua/includes/find-seats.lua for "best"). */
  async claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult> {
    const quantity = checkWhole('quantity', claim.quantity, 1, this.settings.maxSeatsPerClaim);
    const allowSplit = claim.allowSplit ?? true;
    const args = this.#claimArgs(claim);
    const payload = ['best', String(quantity), String(allowSplit)];
    return this.#claim('claim-best', args, payload, claim.mode, [quantity, allowSplit ? 1 : 0, this.settings.maxSeatsPerClaim]);
  }

  /** Makes a hold's seats sold. Confirming twice is harmless (alreadyConfirmed: true). */
  async confirm(ref: HoldRef): Promise<ConfirmResult> {
    const reply = await this.#holdCommand('confirm', ref, []);
    return confirmResult(reply, ref.eventId);
  }

  /** Gives a hold's seats back. */
  async release(ref: HoldRef): Promise<ReleaseResult> {
    return this.#free(ref, 'H');
  }

  /** Cancels a confirmed booking: its seats are free again. */
  async cancel(ref: HoldRef): Promise<ReleaseResult> {
    return this.#free(ref, 'S');
  }

  /** Expires due holds now (every call does so lazily) and says which it expired. */
  async reapExpired(eventId: string): Promise<ReapResult> {
    const reply = await this.#eventCall('reap', checkId('eventId', eventId), []);
    return reapResult(reply, eventId);
  }

  /** The seat map, one character a seat ('.' free, 'H' held, 'S' sold). */
  async seatMap(eventId: string): Promise<SeatMap> {
    const reply = await this.#read(eventId, true);
    return { ...countersOf(reply), states: String(reply[6]) };
  }

  /**
   * Where a hold stands in Redis: 'held', 'sold', 'expired' (a tombstone), or undefined when
   * Redis has no record of it (never granted, forgotten, or removed by a re-hydration).
   */
  async holdStatus(eventId: string, holdId: string): Promise<'held' | 'sold' | 'expired' | undefined> {
    const holdsKey = eventKeys(this.settings.keyPrefix, checkId('eventId', eventId))[2] as string;
    const record = await this.#redis.hget(holdsKey, checkId('holdId', holdId));
    return record === null ? undefined : ({ H: 'held', S: 'sold', X: 'expired' } as const)[record[0] as 'H' | 'S' | 'X'];
  }

  /** The counters without the map: one small reply. */
  async counters(eventId: string): Promise<EventCounters> {
    return countersOf(await this.#read(eventId, false));
  }

  #claimArgs(claim: SeatClaim | BestAvailableClaim): ClaimArgs {
    const mode = claim.mode ?? 'hold';
    if (mode !== 'hold' && mode !== 'book') throw new InvalidInputError('mode', "must be 'hold' or 'book'");
    const holdTtlMs = mode === 'book' ? 0 : checkWhole('holdTtlMs', claim.holdTtlMs ?? this.settings.holdTtlMs, 1, 2 ** 40);
    return {
      eventId: checkId('eventId', claim.eventId),
      userId: checkUserId(claim.userId),
      holdId: claim.holdId === undefined ? randomUUID() : checkId('holdId', claim.holdId),
      holdTtlMs,
      idempotencyKey: claim.idempotencyKey === undefined ? undefined : checkIdempotencyKey(claim.idempotencyKey),
    };
  }

  async #claim(
    script: 'claim-seats' | 'claim-best',
    args: ClaimArgs,
    payload: readonly string[],
    mode: string | undefined,
    extraArgs: readonly (string | number)[],
  ): Promise<ClaimResult> {
    // A retry with a key must reach Redis: its stored answer may be a success.
    if (args.idempotencyKey === undefined && this.#soldOut.isSoldOut(args.eventId)) {
      return { ok: false, reason: 'sold-out', replayed: false, cached: true };
    }
    const { keyPrefix } = this.settings;
    const idemKey = idempotencyRecordKey(keyPrefix, args.eventId, args.userId, args.idempotencyKey);
    const fingerprint =
      args.idempotencyKey === undefined
        ? ''
        : createHash('sha256').update(JSON.stringify([...payload, mode ?? 'hold', args.holdTtlMs])).digest('base64url');
    const reply = await this.#run(script, [...eventKeys(keyPrefix, args.eventId), idemKey], [
      this.settings.reapBatchSize,
      this.settings.tombstoneMs,
      args.userId,
      args.holdId,
      args.holdTtlMs,
      this.settings.expiryGraceMs,
      fingerprint,
      this.settings.idempotencyTtlMs,
      ...extraArgs,
    ]);
    const freshMs = soldOutFreshMs(reply);
    if (freshMs !== undefined) this.#soldOut.markSoldOut(args.eventId, freshMs);
    return claimResult(reply, args.eventId);
  }

  async #free(ref: HoldRef, expected: 'H' | 'S'): Promise<ReleaseResult> {
    const result = releaseResult(await this.#holdCommand('release', ref, [expected]), ref.eventId);
    if (result.ok) this.#soldOut.forget(ref.eventId);
    return result;
  }

  #holdCommand(script: 'confirm' | 'release', ref: HoldRef, extraArgs: readonly string[]): Promise<ScriptReply> {
    const eventId = checkId('eventId', ref.eventId);
    return this.#eventCall(script, eventId, [checkUserId(ref.userId), checkId('holdId', ref.holdId), ...extraArgs]);
  }

  async #read(eventId: string, withSeats: boolean): Promise<ScriptReply> {
    const reply = await this.#eventCall('read', checkId('eventId', eventId), [withSeats ? '1' : '0']);
    return okOrThrow(reply, eventId);
  }

  /** Runs a script that takes the six event keys and the reap settings first. */
  #eventCall(script: ScriptName, eventId: string, args: readonly (string | number)[]): Promise<ScriptReply> {
    return this.#run(script, eventKeys(this.settings.keyPrefix, eventId), [
      this.settings.reapBatchSize,
      this.settings.tombstoneMs,
      ...args,
    ]);
  }
}

function countersOf(reply: ScriptReply): EventCounters {
  const rows = Number(reply[1]);
  const cols = Number(reply[2]);
  return {
    rows,
    cols,
    capacity: rows * cols,
    available: Number(reply[3]),
    generation: Number(reply[4]),
    maxSeatsPerUser: Number(reply[5]),
  };
}

/** Creates the admission engine on an ioredis client; see AdmissionSettings for the options. */
export function createAdmission(options: AdmissionOptions): Admission {
  return new Admission(options);
}
