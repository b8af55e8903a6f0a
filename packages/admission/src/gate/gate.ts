import { randomUUID } from 'node:crypto';
import { fingerprintOf, holdTtlOf, prepareBestClaim, prepareSeatClaim, type ClaimRequest } from '../claim-request.js';
import { limits } from '../limits.js';
import type {
  BestAvailableClaim,
  ClaimRefusal,
  ClaimResult,
  ConfirmResult,
  EventCounters,
  EventSnapshot,
  ExtendResult,
  HoldRef,
  HoldState,
  ReapResult,
  ReleaseResult,
  SeatClaim,
  SeatMap,
} from '../results.js';
import { seatArgs } from '../seats.js';
import { checkId, checkUserId } from '../validation.js';
import { splitNews, type WaitlistNews } from './waitlist-news.js';
import { withTimeout } from '../with-timeout.js';
import { loadEvent, type LoadMode } from './event-loader.js';
import { checkEvictionRisk, type EvictionRisk } from './eviction-check.js';
import { defaultGateSettings, type GateSettings } from './gate-settings.js';
import { eventKeys, idempotencyRecordKey, leaseKey, stagingKeys } from './keys.js';
import { ChangeStream } from './change-stream.js';
import { RecentGrants } from './recent-grants.js';
import { GateWaitlist } from './gate-waitlist.js';
import {
  claimReply,
  claimResult,
  confirmResult,
  extendResult,
  okOrThrow,
  reapResult,
  releaseResult,
  soldOutFreshMs,
  type ScriptReply,
} from './replies.js';
import { scriptRunner, type RedisClient, type RunScript } from './script-runner.js';
import { SoldOutCache } from './sold-out-cache.js';
import { WaitingRoom } from './waiting-room.js';

/** A claim's answer under an idempotency key, decided outside the gate (by the store of record). */
export interface KnownAnswer {
  readonly userId: string;
  readonly idempotencyKey: string;
  /** The request's fingerprint, as the claim scripts compute it (fingerprintOf). */
  readonly fingerprint: string;
  readonly result: ClaimResult;
  /** How much longer a retry may replay it. */
  readonly ttlMs: number;
}

/** The sold-out cache's answer: the same frozen refusal every time. */
export const CACHED_SOLD_OUT: ClaimRefusal = Object.freeze({ ok: false, reason: 'sold-out', replayed: false, cached: true });

export interface GateOptions extends Partial<GateSettings> {
  /** An ioredis client (standalone or Cluster), yours to close. Auto-pipelining is welcome. */
  readonly redis: RedisClient;
  /**
   * Hears what each call did to an event's waitlist (offers made, entries closed), in order:
   * a store of record keeps them. Default: nothing (the gate alone keeps the waitlist).
   */
  readonly onWaitlistNews?: (eventId: string, news: readonly WaitlistNews[]) => void;
}

const holdStates = Object.freeze({ H: 'held', S: 'sold', X: 'expired' } as const);

type EventScript = 'confirm' | 'release' | 'extend' | 'reap' | 'read' | 'waitlist-join' | 'waitlist-leave';

/**
 * The Redis gate: every operation is one atomic Lua script on the event's keys, and this is
 * the only code that sends Redis commands for them. Create one per process and share it.
 */
export class Gate {
  readonly settings: Readonly<GateSettings>;
  readonly #redis: RedisClient;
  readonly #run: RunScript;
  readonly #soldOut: SoldOutCache;

  readonly #onNews: (eventId: string, news: readonly WaitlistNews[]) => void;
  /** The events' waiting rooms (queue, tickets, admissions). */
  readonly waitingRoom: WaitingRoom;
  /** The events' waitlists (join, leave, what they hold). */
  readonly waitlist: GateWaitlist;
  /** The events' change streams. */
  readonly changes: ChangeStream;
  /** Which events had grants lately, for the reconciler. */
  readonly grants: RecentGrants;

  constructor(options: GateOptions) {
    const { redis, onWaitlistNews, ...overrides } = options;
    this.settings = Object.freeze({ ...defaultGateSettings, ...overrides });
    this.#redis = redis;
    this.#run = scriptRunner(redis);
    this.#onNews = onWaitlistNews ?? (() => {});
    this.waitingRoom = new WaitingRoom(redis, this.#run, this.settings);
    this.waitlist = new GateWaitlist(redis, this.settings.keyPrefix, (script, eventId, args) => this.#eventCall(script, eventId, args));
    this.changes = new ChangeStream(redis, this.settings.keyPrefix);
    this.grants = new RecentGrants(redis, this.settings.keyPrefix);
    this.#soldOut = new SoldOutCache(this.settings.soldOutCacheMs, this.settings.soldOutCacheMaxEvents);
  }

  /** The script runner for calls on one event: it takes the waitlist news off each reply. */
  #runFor(eventId: string): RunScript {
    return async (name, keys, args) => {
      const { reply, news } = splitNews(await this.#run(name, keys, args));
      if (news.length > 0) this.#onNews(eventId, news);
      return reply;
    };
  }

  /**
   * Loads an event's whole state (its holds; none for a new event) in bounded steps, swapped in
   * atomically. 'create' refuses an event Redis has already (EventExistsError); 'fill' (a
   * load after EventNotLoadedError) refuses one that another process loaded whole meanwhile,
   * since its copy may hold grants not yet in the snapshot; 'replace' (a fenced re-load)
   * overwrites it. Returns the new generation.
   */
  async loadEvent(snapshot: EventSnapshot, mode: LoadMode = 'create'): Promise<number> {
    const generation = await loadEvent(this.#runFor(snapshot.eventId), this.settings, snapshot, mode);
    if (snapshot.waitingRoom !== undefined) await this.waitingRoom.open(snapshot.eventId, snapshot.waitingRoom);
    this.#soldOut.forget(snapshot.eventId);
    return generation;
  }

  /** Whether a load of the event is under way: some loader's staged copy exists (from its first step until its swap). */
  async loadStaged(eventId: string): Promise<boolean> {
    const [stagedMeta] = stagingKeys(this.settings.keyPrefix, checkId('eventId', eventId));
    return (await this.#redis.exists(stagedMeta as string)) === 1;
  }

  /**
   * Fences the event before a re-load: every call on it answers EventNotLoadedError until
   * the next loadEvent swaps in the new state, so nothing is admitted between the store's
   * snapshot and the swap. A fence left by a crashed loader ends at the next load.
   */
  async fence(eventId: string): Promise<void> {
    await this.#redis.hset(this.#keys(checkId('eventId', eventId)).meta, 'fenced', '1');
    this.#soldOut.forget(eventId);
  }

  /** Claims exactly these seats, or none of them. Bad input rejects (InvalidInputError); it never throws. */
  async claimSeats(claim: SeatClaim): Promise<ClaimResult> {
    return this.claim(prepareSeatClaim(claim));
  }

  /** Claims the best `quantity` free seats (see lua/includes/find-seats.lua for "best"). */
  async claimBestAvailable(claim: BestAvailableClaim): Promise<ClaimResult> {
    return this.claim(prepareBestClaim(claim));
  }

  /**
   * Whether this process's sold-out cache says the event is sold out now (no I/O): what a claim
   * without an idempotency key would hear at once. At most soldOutCacheMs old, never past the
   * next hold expiry Redis reported.
   */
  knowsSoldOut(eventId: string): boolean {
    return this.#soldOut.isSoldOut(eventId);
  }

  /** A claim already validated (the strategies prepare it once for every path). */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    // A retry with a key must reach Redis: its stored answer may be a success.
    if (request.idempotencyKey === undefined && this.#soldOut.isSoldOut(request.eventId)) return CACHED_SOLD_OUT;
    const holdTtlMs = holdTtlOf(request, this.settings.holdTtlMs);
    const { keyPrefix } = this.settings;
    const idemKey = idempotencyRecordKey(keyPrefix, request.eventId, request.userId, request.idempotencyKey);
    const script = request.kind === 'seats' ? 'claim-seats' : 'claim-best';
    const what =
      request.kind === 'seats' ? seatArgs(request.seats) : [request.quantity, request.allowSplit ? 1 : 0, limits.maxSeatsPerClaim];
    const reply = await this.#runFor(request.eventId)(
      script,
      [...eventKeys(keyPrefix, request.eventId), idemKey],
      [
        this.settings.reapBatchSize,
        this.settings.tombstoneMs,
        request.userId,
        request.holdId,
        holdTtlMs,
        this.settings.expiryGraceMs,
        fingerprintOf(request, holdTtlMs),
        this.settings.idempotencyTtlMs,
        ...what,
      ],
    );
    const freshMs = soldOutFreshMs(reply);
    if (freshMs !== undefined) this.#soldOut.markSoldOut(request.eventId, freshMs);
    return claimResult(reply, request.eventId);
  }

  /** Makes a hold's seats sold. Confirming twice is harmless (alreadyConfirmed: true). */
  async confirm(ref: HoldRef): Promise<ConfirmResult> {
    return confirmResult(await this.#holdCommand('confirm', ref, []), ref.eventId);
  }

  /** Gives a hold's seats back. */
  release(ref: HoldRef): Promise<ReleaseResult> {
    return this.#free(ref, 'H');
  }

  /** Cancels a confirmed booking: its seats are free again. */
  cancel(ref: HoldRef): Promise<ReleaseResult> {
    return this.#free(ref, 'S');
  }

  /** Moves a held hold's expiry to `expiresAt` (later only): the store of record decided it, and keeps the cap. */
  async extend(ref: HoldRef, expiresAt: Date): Promise<ExtendResult> {
    const reply = await this.#holdCommand('extend', ref, [String(expiresAt.getTime()), String(this.settings.expiryGraceMs)]);
    return extendResult(reply, ref.eventId);
  }

  /** Expires due holds now (every call does so lazily) and says which it expired. */
  async reapExpired(eventId: string): Promise<ReapResult> {
    return reapResult(await this.#eventCall('reap', checkId('eventId', eventId), []), eventId);
  }

  /** The seat map, one character a seat ('.' free, 'H' held, 'S' sold). */
  async seatMap(eventId: string): Promise<SeatMap> {
    const reply = await this.#read(eventId, true);
    return { ...countersOf(reply), states: String(reply[6]) };
  }

  /** The counters without the map: one small reply. */
  async counters(eventId: string): Promise<EventCounters> {
    return countersOf(await this.#read(eventId, false));
  }

  /**
   * Where a hold stands in Redis: 'held', 'sold', 'expired' (a tombstone), or undefined when
   * Redis has no record of it (never granted, forgotten, or removed by a re-hydration).
   */
  async holdStatus(eventId: string, holdId: string): Promise<HoldState | undefined> {
    const record = await this.#redis.hget(this.#keys(checkId('eventId', eventId)).holds, checkId('holdId', holdId));
    return record === null ? undefined : holdStates[record[0] as keyof typeof holdStates];
  }

  /**
   * Stores answers the store of record has for the event's idempotency keys, as the claim
   * scripts store their own, so a retry reaching the gate replays the answer it was given on
   * another path (or before Redis lost its records) instead of being decided afresh.
   */
  async rememberAnswers(eventId: string, answers: readonly KnownAnswer[]): Promise<void> {
    const id = checkId('eventId', eventId);
    await Promise.all(
      answers.map((answer) =>
        this.#redis.set(
          idempotencyRecordKey(this.settings.keyPrefix, id, answer.userId, answer.idempotencyKey),
          `${answer.fingerprint}\n${JSON.stringify(claimReply(answer.result))}`,
          'PX',
          Math.max(1, Math.floor(answer.ttlMs)),
        ),
      ),
    );
  }

  /** Deletes a claim's stored idempotent answer, so a retry claims afresh. */
  async forgetAnswer(eventId: string, userId: string, idempotencyKey: string): Promise<void> {
    await this.#redis.del(idempotencyRecordKey(this.settings.keyPrefix, checkId('eventId', eventId), checkUserId(userId), idempotencyKey));
  }

  /**
   * Runs `work` under the event's lease `name` unless some process holds it (then answers
   * undefined without running it): background jobs of every process take turns this way, one
   * pass per event at a time. The lease runs out after `ttlMs` should its holder die.
   */
  async withLease<T>(eventId: string, name: string, ttlMs: number, work: () => Promise<T>): Promise<T | undefined> {
    const key = leaseKey(this.settings.keyPrefix, checkId('eventId', eventId), name);
    const token = randomUUID();
    if ((await this.#redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
    try {
      return await work();
    } finally {
      await this.#run('release-lease', [key], [token]).catch(() => {});
    }
  }

  /** Whether Redis answers a PING within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<boolean> {
    return withTimeout(this.#redis.ping(), timeoutMs, () => new Error('PING timed out')).then(
      () => true,
      () => false,
    );
  }

  /** Whether Redis's maxmemory-policy may evict the gate's keys; answers within `timeoutMs`. */
  evictionRisk(timeoutMs: number): Promise<EvictionRisk> {
    return checkEvictionRisk(this.#redis, timeoutMs);
  }

  #keys(eventId: string) {
    const keys = eventKeys(this.settings.keyPrefix, eventId);
    return { meta: keys[0] as string, holds: keys[2] as string };
  }

  async #free(ref: HoldRef, expected: 'H' | 'S'): Promise<ReleaseResult> {
    const result = releaseResult(await this.#holdCommand('release', ref, [expected]), ref.eventId);
    if (result.ok) this.#soldOut.forget(ref.eventId);
    return result;
  }

  #holdCommand(script: 'confirm' | 'release' | 'extend', ref: HoldRef, extraArgs: readonly string[]): Promise<ScriptReply> {
    const eventId = checkId('eventId', ref.eventId);
    return this.#eventCall(script, eventId, [checkUserId(ref.userId), checkId('holdId', ref.holdId), ...extraArgs]);
  }

  async #read(eventId: string, withSeats: boolean): Promise<ScriptReply> {
    const reply = await this.#eventCall('read', checkId('eventId', eventId), [withSeats ? '1' : '0']);
    return okOrThrow(reply, eventId);
  }

  /** Runs a script that takes the event's keys and the reap settings first. */
  #eventCall(script: EventScript, eventId: string, args: readonly (string | number)[]): Promise<ScriptReply> {
    return this.#runFor(eventId)(script, eventKeys(this.settings.keyPrefix, eventId), [
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
    version: Number(reply[7]),
  };
}

/** Creates the Redis gate on an ioredis client; see GateSettings for the options. */
export function createGate(options: GateOptions): Gate {
  return new Gate(options);
}
