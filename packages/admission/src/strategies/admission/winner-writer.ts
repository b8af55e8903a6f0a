import type { ClaimRequest } from '../../claim-request.js';
import { EventNotLoadedError, IdempotencyInFlightError } from '../../errors.js';
import type { Gate } from '../../gate/gate.js';
import type { ClaimGranted, ClaimResult } from '../../results.js';
import { seatIndex } from '../../seats.js';
import type { EventInfo } from '../../store/events.js';
import type { SeatTake } from '../../store/seat-writes.js';
import type { Shards } from '../../store/shards.js';
import { endStep, startStep } from '../../tracing.js';
import type { GroupCommitter, WinnerWrite, WriteOutcome } from './group-commit.js';
import type { Hydrator } from './hydrator.js';
import type { WriteLatency } from './write-latency.js';

/**
 * Fault injection for tests and chaos runs, called after a Redis win and before its
 * PostgreSQL write: 'fail' makes the write fail; 'vanish' returns as if the process died
 * (no write, no compensation).
 */
export type WinnerFault = (take: SeatTake) => 'write' | 'fail' | 'vanish';

/** A Redis win given back, as the 'compensation' event reports it. */
export interface Compensation {
  readonly eventId: string;
  readonly holdId: string;
  /** 'pg-error': the write failed; 'pg-refused': PostgreSQL had a seat taken; 'replayed': the key was answered on another path; 'refused': the key belongs to another request. */
  readonly reason: 'pg-error' | 'pg-refused' | 'replayed' | 'refused';
}

export interface WinnerWriterOptions {
  readonly gate: Gate;
  readonly shards: Shards;
  /** One group committer a shard. */
  readonly committers: readonly GroupCommitter[];
  readonly hydrator: Hydrator;
  /** Times every write to PostgreSQL. */
  readonly latency: WriteLatency;
  readonly onCompensation: (compensation: Compensation) => void;
  readonly onBackgroundError: (error: unknown) => void;
  readonly fault?: WinnerFault | undefined;
}

/**
 * Makes Redis winners durable: each is written to PostgreSQL (through the group committer,
 * with its idempotent answer in the same transaction) and answered only after its commit.
 * A winner PostgreSQL refuses is given back in Redis before the caller hears back.
 */
export class WinnerWriter {
  readonly #options: WinnerWriterOptions;
  /** Winners whose PostgreSQL write is under way, by hold id: a replay waits for it. */
  readonly #writing = new Map<string, Promise<ClaimResult>>();

  constructor(options: WinnerWriterOptions) {
    this.#options = options;
  }

  /** `fingerprint`: the request's, as the gate stored it (fingerprintOf with the TTL it ran with). */
  async persist(event: EventInfo, request: ClaimRequest, granted: ClaimGranted, fingerprint: string): Promise<ClaimResult> {
    const step = startStep('seatgrid.persist', event.eventId);
    const writing = this.#persist(event, request, granted, fingerprint);
    this.#writing.set(granted.holdId, writing);
    try {
      const result = await writing;
      endStep(step, result.ok ? 'written' : result.reason);
      return result;
    } catch (error) {
      endStep(step, 'failed', error);
      throw error;
    } finally {
      this.#writing.delete(granted.holdId);
    }
  }

  async #persist(event: EventInfo, request: ClaimRequest, granted: ClaimGranted, fingerprint: string): Promise<ClaimResult> {
    const take: SeatTake = {
      eventId: event.eventId,
      holdId: granted.holdId,
      userId: request.userId,
      seatIndexes: granted.seats.map((seat) => seatIndex(seat, event.cols)),
      expiresAt: granted.expiresAt,
    };
    const fault = this.#options.fault?.(take) ?? 'write';
    if (fault === 'vanish') return granted;
    let outcome: WriteOutcome;
    try {
      if (fault === 'fail') throw new Error('injected PostgreSQL write failure');
      outcome = await this.#options.latency.track(
        (this.#options.committers[event.shard] as GroupCommitter).write(winnerWrite(take, request, granted, fingerprint)),
      );
    } catch (error) {
      await this.compensate(event, request, granted, 'pg-error');
      throw error;
    }
    if (outcome === 'written') return granted;
    if (outcome === 'conflict') {
      await this.compensate(event, request, granted, 'pg-refused');
      this.#options.hydrator.hydrate(event, 'stale').catch(this.#options.onBackgroundError);
      return { ok: false, reason: 'seats-taken', takenSeats: granted.seats, replayed: false };
    }
    if ('replay' in outcome) {
      // The key's first try was answered on the PostgreSQL path: that answer stands, this win goes back.
      await this.compensate(event, request, granted, 'replayed', false);
      return outcome.replay;
    }
    await this.compensate(event, request, granted, 'refused', false);
    throw outcome.refused;
  }

  /**
   * Gives a Redis win back and (unless `forget` is false) forgets its idempotent answer, so a
   * retry claims afresh rather than replaying a grant PostgreSQL never had; each step is tried
   * whatever the other did. If Redis cannot be reached the reconciler frees the seats later; if
   * the event is not loaded (a hydration fenced it, Redis lost it) there is nothing to give
   * back: it is loaded from PostgreSQL, which never had this win.
   */
  async compensate(
    event: EventInfo,
    request: ClaimRequest,
    granted: ClaimGranted,
    reason: Compensation['reason'],
    forget = true,
  ): Promise<void> {
    this.#options.onCompensation({ eventId: event.eventId, holdId: granted.holdId, reason });
    const { gate } = this.#options;
    const ref = { eventId: event.eventId, userId: request.userId, holdId: granted.holdId };
    const giveBack = (granted.status === 'sold' ? gate.cancel(ref) : gate.release(ref)).catch((error: unknown) => {
      if (!(error instanceof EventNotLoadedError)) throw error;
    });
    const key = request.idempotencyKey;
    const forgetting = forget && key !== undefined ? gate.forgetAnswer(event.eventId, request.userId, key) : Promise.resolve();
    for (const step of await Promise.allSettled([giveBack, forgetting])) {
      if (step.status === 'rejected') this.#options.onBackgroundError(step.reason);
    }
  }

  /**
   * A replayed grant is acknowledged only once its first write has committed. Not in
   * PostgreSQL and not being written here, it is either being written by another process (its
   * hold is still live in Redis: the caller retries) or it was never written: the process that
   * won it died, and a re-hydration or the expiry has since taken the hold out of Redis.
   */
  async durableReplay(event: EventInfo, replay: ClaimGranted): Promise<ClaimResult | 'never-written'> {
    const first = this.#writing.get(replay.holdId);
    if (first !== undefined) {
      const outcome = await first;
      return outcome.ok ? replay : outcome;
    }
    const written = await this.#options.shards
      .at(event.shard)
      .db.selectFrom('holds')
      .select('id')
      .where('id', '=', replay.holdId)
      .executeTakeFirst();
    if (written !== undefined) return replay;
    const status = await this.#options.gate.holdStatus(event.eventId, replay.holdId);
    if (status === 'held' || status === 'sold') throw new IdempotencyInFlightError();
    return 'never-written';
  }
}

/** The write of a winner, with its answer for the idempotency key when it has one. */
function winnerWrite(take: SeatTake, request: ClaimRequest, granted: ClaimGranted, fingerprint: string): WinnerWrite {
  if (request.idempotencyKey === undefined) return { take };
  const ref = { userId: request.userId, eventId: take.eventId, key: request.idempotencyKey };
  return { take, answer: { ref, fingerprint, result: { ...granted, replayed: false } } };
}
