/**
 * Model-based property test: random command sequences run against the real engine (real
 * Redis, no mock) and against the pure reference model (reference-model.ts). After every
 * command both answers must be deep-equal (thrown InvalidInputError and
 * IdempotencyMismatchError included); at the end of each sequence so must the seat map, the
 * counters and the engine's per-user ledger (its users hash).
 *
 * Each run draws a grid, a per-user limit, an expiry grace, the sold-out cache on or off and
 * a reaping profile ('plain'; 'bounded-reap': reapBatchSize 1-2 with a loaded backlog of due
 * holds; 'short-tombstones': tombstoneMs 1), starts from createEvent or from loadEvent of a
 * random snapshot, then runs up to 30 commands: claimSeats (1-4 seats, some off the grid or
 * listed twice), claimBestAvailable (mostly 1-4, allowSplit true/false/default), hold or
 * book, some with an idempotency key or an explicit (sometimes reused) hold id; retries of
 * earlier claims; confirm, release and cancel by the owner, by another user or on unknown
 * ids; reapExpired, seatMap, counters; a mid-run loadEvent('replace'); and the waitlist:
 * joinWaitlist (mostly 1-3 seats, sometimes more than the limit allows) and leaveWaitlist by the
 * owner, another user or on unknown entries, whose offers (made wherever seats are freed) are
 * holds that the hold commands then confirm, release (decline) or let expire. Besides every
 * answer, the waitlist news each command reports (offers with their seats, entries closed, heads
 * passed over) must be the model's, in order, and at the end so must the line, the entries and
 * the pool. Hand-picked scenarios (EXAMPLES) run first.
 *
 * Offers expire SHORT or LONG like holds: the gate takes offer times of 1 s and more, so for
 * SHORT offers (1-2 ms) the driver sets the event's offer time in its meta hash after each load
 * (the scripts take any); the Redis time each offer was made at is read off its news and checked
 * to lie within the command's [t0, t1].
 *
 * Expiry without sleeping and without timing races: a hold is either SHORT (holdTtlMs 1-2,
 * grace 0-1 ms) or LONG (a deadline of 10 min or more). After a SHORT hold is granted, the
 * driver polls the Redis clock (the one that decides expiry) until it is past the hold's reap
 * deadline, a few ms at most, so the model can treat it as due from the next command on;
 * with 1-ms tombstones it does the same for tombstones after every command. Snapshot holds
 * are either due a second before the run or LONG. A LONG hold cannot expire within a run (the
 * test asserts each run stays under a minute). A slow or loaded machine only makes SHORT
 * holds "more expired": no assertion depends on its speed.
 *
 * Reproduce a failure: MODEL_SEED=<seed printed by the test> node --test packages/admission/test/model.test.ts
 * (MODEL_RUNS=<n> sets the number of runs; MODEL_SHRINK=0 reports the first failure unshrunk).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  IdempotencyMismatchError,
  InvalidInputError,
  createGate,
  eventKeys,
  idempotencyRecordKey,
  limits,
  type EventDefinition,
  type Gate,
  type Seat,
  type SnapshotHold,
} from '@seatgrid/admission/gate';
import { connectRedis, uniqueEventId } from './support.ts';
import { statusName, type Letter, type ModelNews } from './reference-waitlist.ts';
import {
  LONG_DEADLINE_MS,
  ReferenceModel,
  SHORT_DEADLINE_MS,
  type ClaimCommon,
  type ErrorShape,
  type LoadedHold,
  type Outcome,
} from './reference-model.ts';

const redis = connectRedis();

const USERS = ['u1', 'u2', 'u3', 'ü:ser 4'] as const;
const IDEMPOTENCY_KEYS = ['k1', 'k2'] as const;
const LONG_TTL_MS = 10 * 60_000;
const SOLD_OUT_CACHE_MS = 10 * 60_000;
const MAX_RUN_MS = 60_000;

// ---------------------------------------------------------------------------------------
// Commands

type TtlChoice = 'short1' | 'short2' | 'long' | 'default' | 'book' | 'book-with-ttl';
type HoldIdChoice = { readonly kind: 'auto' } | { readonly kind: 'fresh' } | { readonly kind: 'reuse'; readonly pick: number };
type HoldPick = { readonly kind: 'known'; readonly pick: number } | { readonly kind: 'unknown' };
/** A waitlist entry of the run (any status), or an id the engine never saw. */
type EntryPick = HoldPick;
/** Who sends a hold command: the hold's owner, or USERS[i] (who may be the owner too). */
type Actor = 'owner' | number;

interface ClaimFields {
  readonly user: number;
  readonly ttl: TtlChoice;
  readonly holdId: HoldIdChoice;
  readonly idempotencyKey: string | undefined;
}

type Command =
  | ({ readonly op: 'claimSeats'; readonly seats: readonly Seat[] } & ClaimFields)
  | ({ readonly op: 'claimBest'; readonly quantity: number; readonly allowSplit: boolean | undefined } & ClaimFields)
  | { readonly op: 'confirm' | 'release' | 'cancel'; readonly hold: HoldPick; readonly actor: Actor }
  /** Sends an earlier claim again, byte for byte (the client retrying, e.g. after a timeout). */
  | { readonly op: 'retry'; readonly pick: number }
  /** loadEvent('replace') from a new snapshot: the hydrate path, mid-run. */
  | { readonly op: 'reload'; readonly snapshot: readonly SnapshotHoldSpec[] }
  | { readonly op: 'reapExpired' | 'seatMap' | 'counters' }
  | { readonly op: 'join'; readonly user: number; readonly quantity: number }
  | { readonly op: 'leave'; readonly entry: EntryPick; readonly actor: Actor };

/** A claim as the driver sends it: every choice resolved. */
type ClaimCall = {
  readonly userId: string;
  readonly mode: 'hold' | 'book';
  readonly holdTtlMs: number | undefined;
  readonly holdId: string | undefined;
  readonly idempotencyKey: string | undefined;
} & (
  | { readonly op: 'claimSeats'; readonly seats: readonly Seat[] }
  | { readonly op: 'claimBest'; readonly quantity: number; readonly allowSplit: boolean | undefined }
);

type Profile = 'plain' | 'bounded-reap' | 'short-tombstones';

interface RunConfig {
  readonly rows: number;
  readonly cols: number;
  readonly maxSeatsPerUser: number;
  readonly expiryGraceMs: number;
  readonly soldOutCache: boolean;
  readonly profile: Profile;
  readonly reapBatchSize: number;
  /** The event's waitlist offer time: 1-2 ms (SHORT offers) or LONG_TTL_MS. */
  readonly offerMs: number;
}

/** A hold of the snapshot a run may start from; 'due' holds expired before the run began. */
interface SnapshotHoldSpec {
  readonly seats: readonly Seat[];
  readonly user: number;
  readonly kind: 'due' | 'long' | 'sold';
  /** Due holds with the same tie share a deadline (Redis then orders them by id). */
  readonly tie: number;
}

interface Scenario {
  readonly config: RunConfig;
  /** undefined: createEvent; else loadEvent from a snapshot with these holds. */
  readonly snapshot: readonly SnapshotHoldSpec[] | undefined;
  readonly commands: readonly Command[];
}

type SeatDefect = 'none' | 'duplicate' | 'off-this-grid' | 'off-any-grid';

/**
 * 1-4 distinct seats of the grid; sometimes with a defect: a seat listed twice, a coordinate
 * just off this grid (the script's check) or off any grid (the client's check).
 */
function seatListArb(config: RunConfig): fc.Arbitrary<Seat[]> {
  const seat = fc.record({ row: fc.integer({ min: 1, max: config.rows }), col: fc.integer({ min: 1, max: config.cols }) });
  const defect = fc.oneof(
    { weight: 12, arbitrary: fc.constant<SeatDefect>('none') },
    { weight: 1, arbitrary: fc.constantFrom<SeatDefect>('duplicate', 'off-this-grid', 'off-any-grid') },
  );
  return fc
    .tuple(
      fc.uniqueArray(seat, { minLength: 1, maxLength: 4, selector: (s) => `${s.row}:${s.col}` }),
      defect,
      fc.nat(7),
      fc.nat(7),
      fc.boolean(),
    )
    .map(([seats, kind, at, to, onRow]) => {
      const list: Seat[] = [...seats];
      const victim = list[at % list.length] as Seat;
      const limit = onRow ? config.rows : config.cols;
      const bad = kind === 'off-this-grid' ? limit + 1 + (at % 2) : at % 2 === 0 ? 0 : 1001;
      if (kind === 'duplicate') list.splice(to % (list.length + 1), 0, { ...victim });
      else if (kind !== 'none') list[at % list.length] = onRow ? { ...victim, row: bad } : { ...victim, col: bad };
      return list;
    });
}

const ttlArb: fc.Arbitrary<TtlChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<TtlChoice>('short1', 'short2') },
  { weight: 3, arbitrary: fc.constantFrom<TtlChoice>('long', 'default') },
  { weight: 2, arbitrary: fc.constantFrom<TtlChoice>('book', 'book-with-ttl') },
);

const holdIdArb: fc.Arbitrary<HoldIdChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'auto' } as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'fresh' } as const) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reuse' as const), pick: fc.nat(63) }) },
);

const idempotencyKeyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom(...IDEMPOTENCY_KEYS) },
);

const holdPickArb: fc.Arbitrary<HoldPick> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('known' as const), pick: fc.nat(63) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unknown' } as const) },
);

const actorArb: fc.Arbitrary<Actor> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('owner' as const) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: USERS.length - 1 }) },
);

const userArb = fc.integer({ min: 0, max: USERS.length - 1 });

function commandArb(config: RunConfig): fc.Arbitrary<Command> {
  const claimFields = { user: userArb, ttl: ttlArb, holdId: holdIdArb, idempotencyKey: idempotencyKeyArb };
  const holdCommand = (op: 'confirm' | 'release' | 'cancel') => fc.record({ op: fc.constant(op), hold: holdPickArb, actor: actorArb });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ op: fc.constant('claimSeats' as const), seats: seatListArb(config), ...claimFields }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('claimBest' as const),
        // Mostly 1-4; sometimes a group up to the whole grid (no row block; long reap rounds).
        quantity: fc.oneof(
          { weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) },
          { weight: 1, arbitrary: fc.integer({ min: 5, max: Math.max(5, config.rows * config.cols) }) },
        ),
        allowSplit: fc.constantFrom(true, false, undefined),
        ...claimFields,
      }),
    },
    { weight: 4, arbitrary: holdCommand('confirm') },
    { weight: 3, arbitrary: holdCommand('release') },
    { weight: 3, arbitrary: holdCommand('cancel') },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('retry' as const), pick: fc.nat(63) }) },
    { weight: config.profile === 'bounded-reap' ? 3 : 1, arbitrary: fc.constant({ op: 'reapExpired' } as const) },
    { weight: 1, arbitrary: fc.constantFrom({ op: 'seatMap' } as const, { op: 'counters' } as const) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('reload' as const), snapshot: snapshotArb(config) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('join' as const),
        user: userArb,
        // Mostly what fits a small grid; sometimes more than the limit (or any claim) allows.
        quantity: fc.oneof(
          { weight: 10, arbitrary: fc.integer({ min: 1, max: 3 }) },
          { weight: 2, arbitrary: fc.integer({ min: 4, max: 8 }) },
          { weight: 1, arbitrary: fc.constantFrom(0, 101) },
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('leave' as const), entry: holdPickArb, actor: actorArb }) },
  );
}

const configArb: fc.Arbitrary<RunConfig> = fc
  .record({
    grid: fc.constantFrom([3, 4], [4, 5], [2, 3], [1, 6], [3, 8]),
    maxSeatsPerUser: fc.constantFrom(0, 0, 2, 3, 5),
    expiryGraceMs: fc.constantFrom(0, 0, 1, 10 * 60_000),
    soldOutCache: fc.boolean(),
    profile: fc.constantFrom<Profile>('plain', 'plain', 'bounded-reap', 'short-tombstones'),
    smallBatch: fc.constantFrom(1, 2),
    offerMs: fc.constantFrom(1, 2, LONG_TTL_MS),
  })
  .map(({ grid, profile, smallBatch, soldOutCache, ...rest }) => ({
    rows: grid[0] as number,
    cols: grid[1] as number,
    ...rest,
    profile,
    // Short tombstones' forget times are known to a few ms only: the model needs the cache off.
    soldOutCache: soldOutCache && profile !== 'short-tombstones',
    reapBatchSize: profile === 'bounded-reap' ? smallBatch : 100,
  }));

/** Disjoint groups of 1-3 seats, each a due, long or sold hold of some user. */
function snapshotArb(config: RunConfig): fc.Arbitrary<SnapshotHoldSpec[]> {
  const seats = Array.from({ length: config.rows * config.cols }, (_, i) => ({
    row: Math.floor(i / config.cols) + 1,
    col: (i % config.cols) + 1,
  }));
  const holdArb = fc.record({
    size: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) }),
    user: userArb,
    kind: fc.oneof(
      { weight: 4, arbitrary: fc.constant('due' as const) },
      { weight: 1, arbitrary: fc.constantFrom('long' as const, 'sold' as const) },
    ),
    tie: fc.integer({ min: 0, max: 2 }),
  });
  // Seats go to the holds in a random order; up to every seat of the grid (a backlog of due
  // holds longer than many reap batches). Fewer holds is simpler: that is how it shrinks.
  return fc
    .record({
      order: fc.shuffledSubarray(seats, { minLength: seats.length }),
      specs: fc.array(holdArb, { maxLength: seats.length, size: 'max' }),
    })
    .map(({ order, specs }) => {
      const holds: SnapshotHoldSpec[] = [];
      let next = 0;
      for (const { size, ...rest } of specs) {
        if (next >= order.length) break;
        holds.push({ ...rest, seats: order.slice(next, next + size) });
        next += size;
      }
      return holds;
    });
}

const scenarioArb: fc.Arbitrary<Scenario> = configArb.chain((config) =>
  fc.record({
    config: fc.constant(config),
    // A bounded reap batch only matters with a backlog of due holds, which a snapshot makes.
    snapshot:
      config.profile === 'bounded-reap'
        ? snapshotArb(config)
        : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: snapshotArb(config) }),
    commands: fc.array(commandArb(config), { minLength: 1, maxLength: 30, size: 'max' }),
  }),
);

// ---------------------------------------------------------------------------------------
// Driver

/** The Redis server's clock, in ms, exactly as the scripts read it. */
async function redisNowMs(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Polls the Redis clock until it reads at least `ms` (a few ms at most, see the top). */
async function untilRedisClockReaches(ms: number): Promise<void> {
  while ((await redisNowMs()) < ms);
}

/** Runs an engine call; the errors the model predicts become values, anything else throws. */
async function capture<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { result: await call() };
  } catch (error) {
    let shape: ErrorShape;
    if (error instanceof InvalidInputError) {
      shape = { name: 'InvalidInputError', code: 'INVALID_INPUT', field: error.field, message: error.message };
    } else if (error instanceof IdempotencyMismatchError) {
      shape = { name: 'IdempotencyMismatchError', code: 'IDEMPOTENCY_MISMATCH', message: error.message };
    } else {
      throw error;
    }
    assert.equal(error.name, shape.name);
    assert.equal(error.code, shape.code);
    return { error: shape };
  }
}

function ttlOf(choice: TtlChoice): { mode: 'hold' | 'book'; holdTtlMs: number | undefined } {
  switch (choice) {
    case 'short1':
      return { mode: 'hold', holdTtlMs: 1 };
    case 'short2':
      return { mode: 'hold', holdTtlMs: 2 };
    case 'long':
      return { mode: 'hold', holdTtlMs: LONG_TTL_MS };
    case 'default':
      return { mode: 'hold', holdTtlMs: undefined };
    case 'book':
      return { mode: 'book', holdTtlMs: undefined };
    case 'book-with-ttl':
      return { mode: 'book', holdTtlMs: 1 }; // ignored for a sale
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface RunStats {
  runs: number;
  snapshotRuns: number;
  snapshotHolds: number;
  commands: number;
  byProfile: Record<Profile, number>;
  outcomes: Map<string, number>;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

class Run {
  /** The last version and map a read saw. */
  #lastRead: { version: number; states: string } | undefined;
  readonly #admission: Gate;
  readonly #model: ReferenceModel;
  readonly #eventId: string;
  readonly #config: RunConfig;
  readonly #stats: RunStats;
  /** Every hold the engine granted in this run, in order: hold commands pick from these. */
  readonly #known: { holdId: string; userId: string }[] = [];
  /** Every claim request sent, as sent: retries pick from these. */
  readonly #sent: ClaimCall[] = [];
  readonly #trace: string[] = [];
  #freshIds = 0;
  #unknownIds = 0;
  /** The Redis-clock ms the next command must not start before. */
  #settleAt = 0;
  /** Where the gate reports its waitlist news (onWaitlistNews), and what the current command's engine call reported. */
  readonly #newsFeed: ModelNews[];
  #engineNews: ModelNews[] = [];
  /** The Redis clock when the current command began. */
  #startedAt = 0;
  /** Every waitlist entry id the engine accepted, with its user: leave picks from these. */
  readonly #entries: { entryId: string; userId: string }[] = [];
  #entryIds = 0;

  constructor(admission: Gate, model: ReferenceModel, eventId: string, config: RunConfig, stats: RunStats, newsFeed: ModelNews[]) {
    this.#newsFeed = newsFeed;
    this.#admission = admission;
    this.#model = model;
    this.#eventId = eventId;
    this.#config = config;
    this.#stats = stats;
  }

  #fail(what: string, actual: unknown, expected: unknown): never {
    throw new assert.AssertionError({
      message:
        `engine and model disagree on ${what} (event ${this.#eventId}, config ${JSON.stringify(this.#config)})\n` +
        `  engine: ${JSON.stringify(actual)}\n  model:  ${JSON.stringify(expected)}\n` +
        `  trace (engine answers):\n  ${this.#trace.slice(-40).join('\n  ')}`,
      actual,
      expected,
      operator: 'deepStrictEqual',
    });
  }

  /** The version only grows, and two reads at the same version saw the same map (the model's, which the comparison checks). */
  #sameVersionSameMap(what: string, version: number, states: string): void {
    const last = this.#lastRead;
    if (last !== undefined) {
      assert.ok(version >= last.version, `${what}: the version went back from ${last.version} to ${version}`);
      if (version === last.version) assert.equal(states, last.states, `${what}: the map changed at the same version ${version}`);
    }
    this.#lastRead = { version, states };
  }

  #same(what: string, actual: unknown, expected: unknown): void {
    try {
      assert.deepStrictEqual(actual, expected);
    } catch {
      this.#fail(what, actual, expected);
    }
  }

  #count(op: string, outcome: Outcome<unknown>): void {
    if ('error' in outcome) {
      bump(this.#stats.outcomes, `${op}: ${outcome.error.name}`);
      return;
    }
    const result = outcome.result as { ok: boolean; reason?: string; replayed?: boolean; cached?: boolean; alreadyConfirmed?: boolean };
    let label = result.ok ? 'ok' : (result.reason ?? '?');
    if (result.replayed) label += ' (replayed)';
    if (result.cached) label += ' (cached)';
    if (result.alreadyConfirmed) label += ' (again)';
    bump(this.#stats.outcomes, `${op}: ${label}`);
  }

  #explicitHoldId(choice: HoldIdChoice): string | undefined {
    if (choice.kind === 'auto') return undefined;
    if (choice.kind === 'reuse' && this.#known.length > 0) return this.#known[choice.pick % this.#known.length]?.holdId;
    return `x-${++this.#freshIds}`;
  }

  /** Turns a generated claim into the exact request the driver sends (and may resend). */
  #resolve(cmd: Extract<Command, { op: 'claimSeats' | 'claimBest' }>): ClaimCall {
    const { mode, holdTtlMs } = ttlOf(cmd.ttl);
    const common = {
      userId: USERS[cmd.user] as string,
      mode,
      holdTtlMs,
      holdId: this.#explicitHoldId(cmd.holdId),
      idempotencyKey: cmd.idempotencyKey,
    };
    return cmd.op === 'claimSeats'
      ? { op: 'claimSeats', ...common, seats: cmd.seats }
      : { op: 'claimBest', ...common, quantity: cmd.quantity, allowSplit: cmd.allowSplit };
  }

  async #claim(call: ClaimCall, index: number, label: string): Promise<void> {
    const { userId, mode, holdTtlMs, holdId, idempotencyKey } = call;
    const common: ClaimCommon = { userId, mode, holdTtlMs, idempotencyKey };
    const base = {
      eventId: this.#eventId,
      userId,
      mode,
      ...(holdTtlMs === undefined ? {} : { holdTtlMs }),
      ...(holdId === undefined ? {} : { holdId }),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    };

    const t0 = await redisNowMs();
    const engine =
      call.op === 'claimSeats'
        ? await capture(() => this.#admission.claimSeats({ ...base, seats: call.seats }))
        : await capture(() =>
            this.#admission.claimBestAvailable({
              ...base,
              quantity: call.quantity,
              ...(call.allowSplit === undefined ? {} : { allowSplit: call.allowSplit }),
            }),
          );
    const t1 = await this.#engineAnswered(index);
    this.#trace.push(`#${index} ${label} ${JSON.stringify(call)} -> ${JSON.stringify(engine)}`);
    this.#count(label, engine);

    const fresh = 'result' in engine && engine.result.ok && !engine.result.replayed ? engine.result : undefined;
    // The one thing the model cannot decide: the Redis time the engine decided at, read off
    // a fresh hold's expiresAt once it is shown to lie within [t0, t1] (+ TTL).
    const ttl = mode === 'book' ? 0 : (holdTtlMs ?? this.#admission.settings.holdTtlMs);
    // A named id of a hold the engine may still have: a grant can be that hold's, answered
    // again (the command counts as resent), with the expiry it was granted with earlier.
    const maybeResent = holdId !== undefined && this.#known.some((known) => known.holdId === holdId);
    let now = t0;
    if (fresh?.expiresAt) {
      const decidedAt = fresh.expiresAt.getTime() - ttl;
      if (decidedAt >= t0 && decidedAt <= t1) now = decidedAt;
      else if (!maybeResent) this.#fail(`command #${index}'s expiresAt - holdTtlMs`, decidedAt, `within [${t0}, ${t1}]`);
    }
    const context = { holdId: holdId ?? fresh?.holdId ?? '<none: the engine granted nothing>', explicitHoldId: holdId !== undefined, now };
    const model =
      call.op === 'claimSeats'
        ? this.#model.claimSeats({ ...common, seats: call.seats }, context)
        : this.#model.claimBestAvailable({ ...common, quantity: call.quantity, allowSplit: call.allowSplit }, context);
    this.#same(`command #${index} (${label})`, engine, model);

    if (!fresh) return;
    if (holdId === undefined && !UUID.test(fresh.holdId)) this.#fail('a generated hold id', fresh.holdId, 'a UUID');
    this.#known.push({ holdId: fresh.holdId, userId });
    if (fresh.expiresAt && ttl + this.#config.expiryGraceMs <= SHORT_DEADLINE_MS) {
      // A SHORT hold: the next command must find it past its reap deadline.
      this.#settleAt = Math.max(this.#settleAt, fresh.expiresAt.getTime() + this.#config.expiryGraceMs);
    } else if (fresh.expiresAt) {
      assert.ok(ttl + this.#config.expiryGraceMs >= LONG_DEADLINE_MS);
    }
  }

  /** A hold the engine knows of without a claim (loaded from a snapshot). */
  remember(holdId: string, userId: string): void {
    this.#known.push({ holdId, userId });
  }

  #holdRef(pick: HoldPick, actor: Actor): { holdId: string; userId: string } {
    const known = pick.kind === 'known' && this.#known.length > 0 ? this.#known[pick.pick % this.#known.length] : undefined;
    const holdId = known?.holdId ?? `no-such-hold-${++this.#unknownIds}`;
    const userId = actor === 'owner' ? (known?.userId ?? (USERS[0] as string)) : (USERS[actor] as string);
    return { holdId, userId };
  }

  async #command(cmd: Command, index: number): Promise<void> {
    switch (cmd.op) {
      case 'claimSeats':
      case 'claimBest': {
        const call = this.#resolve(cmd);
        this.#sent.push(call);
        return this.#claim(call, index, cmd.op);
      }
      case 'retry': {
        const call = this.#sent[cmd.pick % Math.max(1, this.#sent.length)];
        if (call) return this.#claim(call, index, `retry ${call.op}`);
        return bump(this.#stats.outcomes, 'retry: nothing sent yet');
      }
      case 'confirm':
      case 'release':
      case 'cancel': {
        const ref = this.#holdRef(cmd.hold, cmd.actor);
        const engine = await this.#admission[cmd.op]({ eventId: this.#eventId, ...ref });
        await this.#engineAnswered(index);
        this.#trace.push(`#${index} ${cmd.op} ${JSON.stringify(ref)} -> ${JSON.stringify(engine)}`);
        this.#count(cmd.op, { result: engine });
        return this.#same(`command #${index} (${cmd.op})`, engine, this.#model[cmd.op](ref));
      }
      case 'reapExpired': {
        const engine = await this.#admission.reapExpired(this.#eventId);
        await this.#engineAnswered(index);
        this.#trace.push(`#${index} reapExpired -> ${JSON.stringify(engine)}`);
        bump(
          this.#stats.outcomes,
          `reapExpired: ${engine.expired.length > 0 ? 'expired some' : 'none'}${engine.moreDue ? ', moreDue' : ''}`,
        );
        return this.#same(`command #${index} (reapExpired)`, engine, this.#model.reapExpired());
      }
      case 'reload': {
        const grace = this.#config.expiryGraceMs;
        const loadedAt = await redisNowMs();
        const holds = snapshotHolds(cmd.snapshot, loadedAt, grace, `r${index}`);
        const engine = await this.#admission.loadEvent(
          { ...eventDefinition(this.#eventId, this.#config), holds: holds.map((hold) => toSnapshotHold(hold, grace)) },
          'replace',
        );
        await setOfferTime(this.#admission, this.#eventId, this.#config);
        await this.#engineAnswered(index);
        this.#trace.push(`#${index} reload ${JSON.stringify(holds)} -> generation ${engine}`);
        bump(this.#stats.outcomes, `reload: ${holds.length > 0 ? 'holds' : 'empty'}`);
        this.#same(`command #${index} (reload: the generation)`, engine, this.#model.reload(holds, loadedAt));
        for (const hold of holds) this.remember(hold.holdId, hold.userId);
        return;
      }
      case 'seatMap': {
        const { version, ...engine } = await this.#admission.seatMap(this.#eventId);
        await this.#engineAnswered(index);
        this.#trace.push(`#${index} seatMap -> ${JSON.stringify(engine)} at version ${version}`);
        const { version: _none, ...expected } = this.#model.seatMap();
        this.#sameVersionSameMap(`command #${index} (seatMap)`, version, expected.states);
        return this.#same(`command #${index} (seatMap)`, engine, expected);
      }
      case 'counters': {
        const { version, ...engine } = await this.#admission.counters(this.#eventId);
        await this.#engineAnswered(index);
        const { states, version: _none, ...expected } = this.#model.seatMap();
        this.#trace.push(`#${index} counters -> ${JSON.stringify(engine)} at version ${version}`);
        this.#sameVersionSameMap(`command #${index} (counters)`, version, states);
        return this.#same(`command #${index} (counters)`, engine, expected);
      }
      case 'join': {
        const userId = USERS[cmd.user] as string;
        const request = { userId, entryId: `wl${++this.#entryIds}`, quantity: cmd.quantity };
        const engine = await capture(() => this.#admission.waitlist.join({ eventId: this.#eventId, ...request }));
        await this.#engineAnswered(index);
        this.#trace.push(`#${index} join ${JSON.stringify(request)} -> ${JSON.stringify(engine)}`);
        this.#count('join', engine);
        if ('result' in engine && engine.result.ok) this.#entries.push({ entryId: request.entryId, userId });
        return this.#same(`command #${index} (join)`, engine, this.#model.joinWaitlist(request));
      }
      case 'leave': {
        const known =
          cmd.entry.kind === 'known' && this.#entries.length > 0 ? this.#entries[cmd.entry.pick % this.#entries.length] : undefined;
        const entryId = known?.entryId ?? `no-such-entry-${++this.#unknownIds}`;
        const userId = cmd.actor === 'owner' ? (known?.userId ?? (USERS[0] as string)) : (USERS[cmd.actor] as string);
        const engine = await this.#admission.waitlist.leave({ eventId: this.#eventId, entryId, userId });
        await this.#engineAnswered(index);
        this.#trace.push(`#${index} leave ${JSON.stringify({ entryId, userId })} -> ${JSON.stringify(engine)}`);
        this.#count('leave', { result: engine });
        return this.#same(`command #${index} (leave)`, engine, this.#model.leaveWaitlist({ entryId, userId }));
      }
    }
  }

  /**
   * Right after the engine's call: takes the waitlist news it reported, checks each offer was
   * made within the command (its expiry less the offer time lies in [start, now]) and gives the
   * model those times, the one thing it cannot know. Returns the Redis clock now.
   */
  async #engineAnswered(index: number): Promise<number> {
    const now = await redisNowMs();
    this.#engineNews = this.#newsFeed.splice(0);
    const times = new Map<string, number>();
    for (const item of this.#engineNews) {
      if (item.kind !== 'offer') continue;
      const madeAt = item.expiresAt - this.#config.offerMs;
      if (madeAt < this.#startedAt || madeAt > now)
        this.#fail(`command #${index}'s offer time`, madeAt, `within [${this.#startedAt}, ${now}]`);
      times.set(item.holdId, item.expiresAt);
    }
    this.#model.setOfferClock(times, this.#startedAt + this.#config.offerMs);
    return now;
  }

  /** The command's waitlist news must be the model's; its offers become holds the hold commands may pick. */
  #sameNews(index: number): void {
    const expected = this.#model.takeNews();
    this.#trace.push(`#${index} news ${JSON.stringify(this.#engineNews)}`);
    this.#same(`command #${index}'s waitlist news`, this.#engineNews, expected);
    for (const item of this.#engineNews) {
      bump(this.#stats.outcomes, `news: ${item.kind === 'closed' ? `closed ${item.status}` : item.kind}`);
      if (item.kind !== 'offer') continue;
      this.#known.push({ holdId: item.holdId, userId: item.userId });
      // A SHORT offer: the next command must find it past its reap deadline.
      if (this.#config.offerMs + this.#config.expiryGraceMs <= SHORT_DEADLINE_MS) {
        this.#settleAt = Math.max(this.#settleAt, item.expiresAt + this.#config.expiryGraceMs);
      }
    }
    this.#engineNews = [];
  }

  async step(cmd: Command, index: number): Promise<void> {
    this.#stats.commands++;
    await untilRedisClockReaches(this.#settleAt);
    this.#model.tick();
    this.#newsFeed.length = 0;
    this.#engineNews = [];
    this.#startedAt = await redisNowMs();
    await this.#command(cmd, index);
    this.#sameNews(index);
    if (this.#config.profile === 'short-tombstones') {
      // Tombstones this command made (forget time = its Redis time + 1 ms) are due next.
      this.#settleAt = Math.max(this.#settleAt, (await redisNowMs()) + 1);
    }
  }

  /** The end state: seat map, counters and the per-user seat counts behind the user limit. */
  async finish(): Promise<void> {
    await untilRedisClockReaches(this.#settleAt);
    this.#model.tick();
    this.#newsFeed.length = 0;
    this.#startedAt = await redisNowMs();
    const { version, ...finalMap } = await this.#admission.seatMap(this.#eventId);
    await this.#engineAnswered(-1);
    const { version: _none, ...expectedMap } = this.#model.seatMap();
    this.#sameVersionSameMap('the final seat map', version, expectedMap.states);
    this.#same('the final seat map', finalMap, expectedMap);
    this.#sameNews(-1);
    // That read may have made SHORT offers: past their deadlines before the next one, as between commands.
    await untilRedisClockReaches(this.#settleAt);
    this.#model.tick();
    this.#startedAt = await redisNowMs();
    const { version: countersVersion, ...finalCounters } = await this.#admission.counters(this.#eventId);
    await this.#engineAnswered(-2);
    const { states, version: _also, ...counters } = this.#model.seatMap();
    this.#sameVersionSameMap('the final counters', countersVersion, states);
    this.#same('the final counters', finalCounters, counters);
    this.#sameNews(-2);
    // The users hash (the documented layout, keys from eventKeys) is what the limit counts.
    const usersKey = eventKeys(this.#admission.settings.keyPrefix, this.#eventId)[5] as string;
    // Fields starting with a control character are the engine's own (the key's sentinel, lists
    // of held hold ids, waitlist entries), not counts: user ids have none.
    const perUser = Object.fromEntries(
      Object.entries(await redis.hgetall(usersKey))
        .filter(([field]) => field.charCodeAt(0) >= 0x20)
        .map(([user, n]) => [user, Number(n)]),
    );
    this.#same('the final per-user seat counts', perUser, this.#model.userCounts());
    await this.#sameWaitlist();
  }

  /** The line, every entry's record and the pool, as the engine keeps them (the keys from eventKeys). */
  async #sameWaitlist(): Promise<void> {
    const keys = eventKeys(this.#admission.settings.keyPrefix, this.#eventId);
    // Members and fields starting with a control character are the engine's own (sentinels, offer links).
    const ours = (name: string) => name.charCodeAt(0) >= 0x20;
    const line = (await redis.zrange(keys[8] as string, '0', '-1')).filter(ours);
    this.#same('the final waitlist', line, this.#model.waitlist.waitingIds());
    const records = Object.entries(await redis.hgetall(keys[9] as string))
      .filter(([field]) => ours(field))
      .map(([entryId, record]) => {
        const [status, quantity, seq, offers, skips, offerExpiresAt, holdId, ...user] = record.split(':');
        return {
          entryId,
          userId: user.join(':'),
          quantity: Number(quantity),
          seq: Number(seq),
          status: statusName[status as Letter],
          offers: Number(offers),
          skips: Number(skips),
          holdId,
          offerExpiresAt: Number(offerExpiresAt),
        };
      })
      .sort((a, b) => a.seq - b.seq);
    const expected = this.#model.waitlist
      .entries()
      .map((e) => ({ ...e, status: statusName[e.status] }))
      .sort((a, b) => a.seq - b.seq);
    this.#same('the final waitlist entries', records, expected);
    this.#same('the final pool', await this.#admission.waitlist.pool(this.#eventId), [...this.#model.waitlist.pool]);
  }
}

/** The event's offer time as the run wants it: the gate loads 1 s at least, the scripts read any from the meta hash. */
async function setOfferTime(gate: Gate, eventId: string, config: RunConfig): Promise<void> {
  if (config.offerMs !== LONG_TTL_MS)
    await redis.hset(eventKeys(gate.settings.keyPrefix, eventId)[0] as string, 'offerMs', String(config.offerMs));
}

/** The event as every load gives it; the offer time is LONG here (see setOfferTime). */
function eventDefinition(eventId: string, config: RunConfig): EventDefinition & { readonly waitlistOfferMs: number } {
  return { eventId, rows: config.rows, cols: config.cols, maxSeatsPerUser: config.maxSeatsPerUser, waitlistOfferMs: LONG_TTL_MS };
}

/** Due holds expired a second before `now` (a backlog to reap); long ones outlive the run. */
function snapshotHolds(specs: readonly SnapshotHoldSpec[], now: number, graceMs: number, idPrefix: string): LoadedHold[] {
  return specs.map((spec, i) => {
    const expiresAt = spec.kind === 'due' ? now - graceMs - 1_000 - spec.tie : now + LONG_TTL_MS + spec.tie;
    return {
      holdId: `${idPrefix}-${i}`,
      userId: USERS[spec.user] as string,
      status: spec.kind === 'sold' ? 'sold' : 'held',
      seats: spec.seats,
      deadline: expiresAt + graceMs,
    };
  });
}

function toSnapshotHold(hold: LoadedHold, graceMs: number): SnapshotHold {
  const { deadline, ...rest } = hold;
  return hold.status === 'sold' ? rest : { ...rest, expiresAt: new Date(deadline - graceMs) };
}

async function runScenario(scenario: Scenario, stats: RunStats): Promise<void> {
  const { config } = scenario;
  const newsFeed: ModelNews[] = [];
  const admission = createGate({
    redis,
    expiryGraceMs: config.expiryGraceMs,
    soldOutCacheMs: config.soldOutCache ? SOLD_OUT_CACHE_MS : 0,
    reapBatchSize: config.reapBatchSize,
    tombstoneMs: config.profile === 'short-tombstones' ? 1 : 60 * 60_000,
    holdTtlMs: LONG_TTL_MS,
    onWaitlistNews: (_eventId, news) => newsFeed.push(...(news as readonly ModelNews[])),
  });
  const eventId = uniqueEventId('model');
  const started = performance.now();
  stats.runs++;
  if (scenario.snapshot !== undefined) stats.snapshotRuns++;
  stats.byProfile[config.profile]++;
  try {
    const event = eventDefinition(eventId, config);
    let generation: number;
    let loaded: LoadedHold[] = [];
    const loadedAt = await redisNowMs();
    if (scenario.snapshot === undefined) {
      generation = await admission.loadEvent({ ...event, holds: [] });
    } else {
      stats.snapshotHolds += scenario.snapshot.length;
      loaded = snapshotHolds(scenario.snapshot, loadedAt, config.expiryGraceMs, 'snap');
      generation = await admission.loadEvent(
        { ...event, holds: loaded.map((hold) => toSnapshotHold(hold, config.expiryGraceMs)) },
        'replace',
      );
    }
    const model = new ReferenceModel({
      rows: config.rows,
      cols: config.cols,
      maxSeatsPerUser: config.maxSeatsPerUser,
      generation,
      expiryGraceMs: config.expiryGraceMs,
      defaultHoldTtlMs: admission.settings.holdTtlMs,
      soldOutCache: config.soldOutCache,
      reapBatchSize: config.reapBatchSize,
      shortTombstones: config.profile === 'short-tombstones',
      maxRows: limits.maxRows,
      maxCols: limits.maxCols,
      offerMs: config.offerMs,
    });
    assert.equal(generation, 1, 'a new event starts at generation 1');
    await setOfferTime(admission, eventId, config);
    model.loadHolds(loaded, loadedAt);
    const run = new Run(admission, model, eventId, config, stats, newsFeed);
    for (const hold of loaded) run.remember(hold.holdId, hold.userId);
    for (const [index, command] of scenario.commands.entries()) await run.step(command, index);
    await run.finish();
    // LONG holds (10 min) and the sold-out cache (10 min) must outlive the run by far.
    assert.ok(performance.now() - started < MAX_RUN_MS, 'a run took so long that a LONG hold might have expired');
  } finally {
    const { keyPrefix } = admission.settings;
    const idempotencyKeys = USERS.flatMap((user) => IDEMPOTENCY_KEYS.map((key) => idempotencyRecordKey(keyPrefix, eventId, user, key)));
    await redis.unlink(...eventKeys(keyPrefix, eventId), ...idempotencyKeys);
  }
}

// ---------------------------------------------------------------------------------------
// Hand-picked scenarios, run first (fast-check `examples`): corners random runs rarely reach.

const claimDefaults = { user: 0, ttl: 'book', holdId: { kind: 'auto' }, idempotencyKey: undefined } as const;
const best = (quantity: number, allowSplit?: boolean): Command => ({ op: 'claimBest', quantity, allowSplit, ...claimDefaults });
const specific = (...seats: Seat[]): Command => ({ op: 'claimSeats', seats, ...claimDefaults });
const grid = (rows: number, cols: number): Seat[] =>
  Array.from({ length: rows * cols }, (_, i) => ({ row: Math.floor(i / cols) + 1, col: (i % cols) + 1 }));

const EXAMPLES: Scenario[] = [
  {
    // The per-user limit counts held and sold seats, and "an expired hold blocks nobody":
    // u1's only hold expired a second ago, so u1 may claim a seat under a limit of 1, even
    // when that hold lies beyond this call's reap batch (here: 1, after u2's expired hold).
    config: {
      rows: 1,
      cols: 3,
      maxSeatsPerUser: 1,
      expiryGraceMs: 0,
      soldOutCache: false,
      profile: 'bounded-reap',
      reapBatchSize: 1,
      offerMs: LONG_TTL_MS,
    },
    snapshot: [
      { seats: [{ row: 1, col: 1 }], user: 1, kind: 'due', tie: 0 },
      { seats: [{ row: 1, col: 2 }], user: 0, kind: 'due', tie: 0 },
    ],
    commands: [
      { op: 'claimSeats', seats: [{ row: 1, col: 3 }], user: 0, ttl: 'long', holdId: { kind: 'auto' }, idempotencyKey: undefined },
    ],
  },
  {
    // 24 due holds, one deadline (Redis orders them by id: snap-0, snap-1, snap-10, ...), a
    // batch of 1: best-available reaps 1 + 16 more rounds, then gives up; a specific claim
    // frees the seat it touches; reapExpired takes one more and says more are due.
    config: {
      rows: 2,
      cols: 12,
      maxSeatsPerUser: 0,
      expiryGraceMs: 0,
      soldOutCache: false,
      profile: 'bounded-reap',
      reapBatchSize: 1,
      offerMs: LONG_TTL_MS,
    },
    snapshot: grid(2, 12).map((seat, i) => ({ seats: [seat], user: i % 4, kind: 'due', tie: 0 })),
    commands: [best(24), specific({ row: 2, col: 12 }), { op: 'reapExpired' }, { op: 'seatMap' }, best(20, false), { op: 'counters' }],
  },
  {
    // Best-available preferences: a tidy block in the front-most such row beats a stranding
    // run further forward and an exact run further back; an exact run wins within its row.
    config: {
      rows: 3,
      cols: 4,
      maxSeatsPerUser: 0,
      expiryGraceMs: 0,
      soldOutCache: false,
      profile: 'plain',
      reapBatchSize: 100,
      offerMs: LONG_TTL_MS,
    },
    snapshot: [
      { seats: [{ row: 1, col: 1 }], user: 1, kind: 'sold', tie: 0 },
      {
        seats: [
          { row: 3, col: 1 },
          { row: 3, col: 2 },
        ],
        user: 2,
        kind: 'long',
        tie: 0,
      },
    ],
    commands: [best(2), best(2), best(2), best(2), best(2), best(1), best(1), { op: 'seatMap' }],
  },
  {
    // The sold-out cache answers before the script sees the request (an off-grid seat too),
    // and this process's own release clears it.
    config: {
      rows: 1,
      cols: 2,
      maxSeatsPerUser: 0,
      expiryGraceMs: 0,
      soldOutCache: true,
      profile: 'plain',
      reapBatchSize: 100,
      offerMs: LONG_TTL_MS,
    },
    snapshot: undefined,
    commands: [
      { op: 'claimBest', quantity: 2, allowSplit: undefined, user: 1, ttl: 'long', holdId: { kind: 'auto' }, idempotencyKey: undefined },
      best(1),
      specific({ row: 1, col: 3 }),
      { op: 'release', hold: { kind: 'known', pick: 0 }, actor: 'owner' },
      specific({ row: 1, col: 3 }),
      best(1),
    ],
  },
  {
    // The waitlist's skip rule: a head of 3 that does not fit is passed over for later entries
    // of 1 three times; the next seat (a declined offer) gathers for it, and so do the next two,
    // until it fits; its offer, confirmed, fulfils it. The seats belong to u4 (one hold each).
    config: {
      rows: 1,
      cols: 6,
      maxSeatsPerUser: 0,
      expiryGraceMs: 0,
      soldOutCache: false,
      profile: 'plain',
      reapBatchSize: 100,
      offerMs: LONG_TTL_MS,
    },
    snapshot: grid(1, 6).map((seat) => ({ seats: [seat], user: 3, kind: 'long', tie: 0 })),
    commands: [
      { op: 'join', user: 0, quantity: 3 },
      { op: 'join', user: 1, quantity: 1 },
      { op: 'join', user: 2, quantity: 1 },
      { op: 'join', user: 3, quantity: 1 },
      ...[0, 1, 2, 6, 3].map((pick): Command => ({ op: 'release', hold: { kind: 'known', pick }, actor: 'owner' })),
      { op: 'seatMap' },
      best(1),
      { op: 'release', hold: { kind: 'known', pick: 4 }, actor: 'owner' },
      { op: 'confirm', hold: { kind: 'known', pick: 9 }, actor: 'owner' },
      { op: 'leave', entry: { kind: 'known', pick: 0 }, actor: 'owner' },
      { op: 'counters' },
    ],
  },
  {
    // SHORT offers: each expires by the next command and passes on (a read is enough); an
    // entry whose offer expired is closed; the last offer, confirmed late, is refused.
    config: {
      rows: 1,
      cols: 2,
      maxSeatsPerUser: 1,
      expiryGraceMs: 0,
      soldOutCache: true,
      profile: 'plain',
      reapBatchSize: 100,
      offerMs: 1,
    },
    snapshot: [
      { seats: [{ row: 1, col: 1 }], user: 2, kind: 'long', tie: 0 },
      { seats: [{ row: 1, col: 2 }], user: 3, kind: 'sold', tie: 0 },
    ],
    commands: [
      { op: 'join', user: 0, quantity: 1 },
      { op: 'join', user: 1, quantity: 2 },
      { op: 'join', user: 1, quantity: 1 },
      best(1),
      { op: 'release', hold: { kind: 'known', pick: 0 }, actor: 'owner' },
      { op: 'seatMap' },
      { op: 'leave', entry: { kind: 'known', pick: 0 }, actor: 'owner' },
      { op: 'confirm', hold: { kind: 'known', pick: 3 }, actor: 'owner' },
      { op: 'join', user: 0, quantity: 1 },
      { op: 'cancel', hold: { kind: 'known', pick: 1 }, actor: 'owner' },
      { op: 'reapExpired' },
    ],
  },
];

test('the engine answers every random command sequence exactly as the reference model does', async (t) => {
  const seed = process.env.MODEL_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.MODEL_SEED);
  const numRuns = Number(process.env.MODEL_RUNS ?? 200);
  t.diagnostic(`seed ${seed} (rerun with MODEL_SEED=${seed})`);
  const stats: RunStats = {
    runs: 0,
    snapshotRuns: 0,
    snapshotHolds: 0,
    commands: 0,
    byProfile: { plain: 0, 'bounded-reap': 0, 'short-tombstones': 0 },
    outcomes: new Map(),
  };
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(scenarioArb, (scenario) => runScenario(scenario, stats)),
    { seed, numRuns, endOnFailure: process.env.MODEL_SHRINK === '0', examples: EXAMPLES.map((scenario) => [scenario]) },
  );
  t.diagnostic(
    `${stats.runs} runs (${EXAMPLES.length} hand-picked; ${JSON.stringify(stats.byProfile)}; ${stats.snapshotRuns} loaded from snapshots of ${stats.snapshotHolds} holds), ` +
      `${stats.commands} commands, ${Math.round(performance.now() - started)} ms`,
  );
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries([...stats.outcomes].sort()))}`);
});
