import { defaultSettings, seatIndex, type EventInfo, type Seat } from '@seatgrid/admission';
import type { Gate } from '@seatgrid/admission/gate';
import type { StoreView } from '@seatgrid/admission/testing';
import type { RequestRecord } from './burst.ts';
import { Occupancy, type CountInterval, type SeatInterval } from './occupancy.ts';
import { EXPIRY_GRACE_MS, settle } from './settle.ts';

/** A span of time, wall-clock ms. */
export interface Window {
  readonly from: number;
  readonly to: number;
}

export interface AuditInput {
  readonly store: StoreView;
  /** The engine on a direct Redis connection. */
  readonly gate: Gate;
  readonly event: EventInfo;
  readonly records: readonly RequestRecord[];
  /** When the fault was on (injected to healed). */
  readonly fault: Window;
  /** When API instances were down on purpose (a lost connection then is expected). */
  readonly apiDown: readonly (Window & { readonly api: number })[];
  readonly reconcileIntervalMs: number;
  readonly requestTimeoutMs: number;
  /** Asks the APIs for the seat map (keeps the event active in their reconcilers). */
  readonly touch: () => Promise<void>;
}

export interface ConflictCheck {
  readonly total: number;
  /** Explained by PostgreSQL's holds at that moment (or a sold-out event). */
  readonly byPostgres: number;
  /** Explained only by a claim that may have won in Redis without reaching PostgreSQL. */
  readonly byGhost: number;
  /** Explained by nothing: false conflicts. */
  readonly unjustified: readonly RequestRecord[];
  /** Justified seats-taken answers whose list also names seats nobody held (the refusal is right, the list is loose). */
  readonly imprecise: number;
}

/** The audit of one scenario: each field that names a failure must be 0 (or empty). */
export interface ScenarioAudit {
  /** Seats listed by two live holds in PostgreSQL. */
  readonly oversold: number;
  readonly doubleBooked: number;
  /** Holds not all-or-nothing in PostgreSQL, plus 2xx answers whose seats are not the request's. */
  readonly partial: number;
  /** Rows whose free-seat bits in PostgreSQL disagree with the seats' states. */
  readonly staleRows: number;
  /** After heal + settle: seats taken in Redis but free in PostgreSQL, and the reverse. */
  readonly leaked: number;
  readonly missing: number;
  /** How long Redis took to equal PostgreSQL after the burst; null: not within the deadline. */
  readonly settledMs: number | null;
  /** 2xx answers that PostgreSQL does not back, or refusals it contradicts, described. */
  readonly lostAcks: readonly string[];
  /** Holds in PostgreSQL of buyers who were only ever told a definite no. */
  readonly phantoms: number;
  /** Buyers with more than one hold in PostgreSQL: each makes one claim, retried with one key. */
  readonly duplicateClaims: number;
  readonly conflicts: ConflictCheck;
  /** Confirms and releases refused as expired although the hold had not expired. */
  readonly falseExpiries: number;
  /** Requests with no answer: timeouts, and lost connections while the API was meant to be up. */
  readonly unanswered: readonly RequestRecord[];
  /** 503s without Retry-After. */
  readonly missingRetryAfter: number;
  /** 5xx other than 503, and 4xx other than the business answers, to well-formed requests. */
  readonly wrongAnswers: readonly RequestRecord[];
}

/** Clock and ordering fuzz between the client's timestamps and the server's decisions. */
const SLACK_MS = 250;

interface HoldRow {
  readonly id: string;
  readonly user_id: string;
  readonly seat_indexes: number[];
  readonly status: string;
  readonly expires_at: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

function isClaim(record: RequestRecord): boolean {
  return record.kind === 'hold' || record.kind === 'book';
}

function status(record: RequestRecord): number {
  return typeof record.outcome === 'number' ? record.outcome : 0;
}

/** No definite answer: the request may or may not have taken effect. */
function isIndefinite(outcome: RequestRecord['outcome']): boolean {
  return outcome === 'timeout' || outcome === 'network' || outcome === 503;
}

/** The window in which the request's API (or one of its workers) was down on purpose, if it lost its connection then. */
function downWindow(input: AuditInput, record: RequestRecord): Window | undefined {
  if (record.outcome !== 'network') return undefined;
  return input.apiDown.find((w) => w.api === record.api && w.from <= record.receivedAt && w.to + 1_000 >= record.sentAt);
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  const left = [...a].sort((x, y) => x - y);
  const right = [...b].sort((x, y) => x - y);
  return left.length === right.length && left.every((value, i) => value === right[i]);
}

/** Settles, then checks every invariant against PostgreSQL, Redis and what the clients were told. */
export async function auditScenario(input: AuditInput): Promise<ScenarioAudit> {
  const { store, event, records } = input;
  const { db } = store;
  const indexes = (seats: readonly Seat[]) => seats.map((seat) => seatIndex(seat, event.cols));
  const settleBound = 2 * input.reconcileIntervalMs + defaultSettings.reconciler.confirmAfterMs + event.holdTtlMs + EXPIRY_GRACE_MS;
  const settled = await settle({ store, gate: input.gate, event, deadlineMs: settleBound + 5_000, touch: input.touch });
  const pg = await store.grid.audit(event.eventId);
  const holds = (await db
    .selectFrom('holds')
    .select(['id', 'user_id', 'seat_indexes', 'status', 'expires_at', 'created_at', 'updated_at'])
    .where('event_id', '=', event.eventId)
    .execute()) as HoldRow[];
  const bookings = new Set((await db.selectFrom('bookings').select('id').where('event_id', '=', event.eventId).execute()).map((b) => b.id));
  const holdById = new Map(holds.map((hold) => [hold.id, hold]));
  const claimsByBuyer = new Map<string, RequestRecord[]>();
  for (const record of records.filter(isClaim)) claimsByBuyer.set(record.buyer, [...(claimsByBuyer.get(record.buyer) ?? []), record]);

  // Acknowledged means durable: every 2xx is in PostgreSQL, as what it said.
  const lostAcks: string[] = [];
  let partialAnswers = 0;
  for (const record of records.filter((r) => status(r) >= 200 && status(r) < 300)) {
    const hold = record.holdId === undefined ? undefined : holdById.get(record.holdId);
    const label = `${record.kind} ${record.outcome} ${record.holdId ?? '?'} for ${record.buyer}`;
    if (hold === undefined || hold.user_id !== record.buyer) {
      lostAcks.push(`${label}: no such hold in PostgreSQL`);
      continue;
    }
    if (isClaim(record)) {
      const granted = indexes(record.grantedSeats ?? []);
      if (!sameSet(granted, hold.seat_indexes)) lostAcks.push(`${label}: PostgreSQL has seats ${hold.seat_indexes.join(',')}`);
      if (record.seats !== undefined ? !sameSet(granted, indexes(record.seats)) : granted.length !== record.quantity) partialAnswers++;
    }
    const confirmed = hold.status === 'confirmed' && bookings.has(hold.id);
    if ((record.kind === 'book' || record.kind === 'confirm') && !confirmed) lostAcks.push(`${label}: PostgreSQL says ${hold.status}`);
    if (record.kind === 'release' && hold.status !== 'released') lostAcks.push(`${label}: PostgreSQL says ${hold.status}`);
  }
  for (const record of records.filter((r) => (r.kind === 'confirm' || r.kind === 'release') && r.problem === 'hold-not-found')) {
    // A release retried after its answer was lost finds the hold released already (the API
    // calls a released hold not found): no lost acknowledgement when PostgreSQL says released.
    const released = record.kind === 'release' && record.holdId !== undefined && holdById.get(record.holdId)?.status === 'released';
    const retried = records.some(
      (r) => r.kind === 'release' && r.holdId === record.holdId && r.sentAt < record.sentAt && isIndefinite(r.outcome),
    );
    if (released && retried) continue;
    lostAcks.push(`${record.kind} of ${record.holdId} for ${record.buyer}: 404, though the claim was acknowledged`);
  }

  // Phantoms and duplicates: what PostgreSQL holds for each buyer against what the buyer was told.
  const holdsByBuyer = new Map<string, HoldRow[]>();
  for (const hold of holds) holdsByBuyer.set(hold.user_id, [...(holdsByBuyer.get(hold.user_id) ?? []), hold]);
  let phantoms = 0;
  let duplicateClaims = 0;
  for (const [buyer, own] of holdsByBuyer) {
    if (own.length > 1) duplicateClaims++;
    const told = claimsByBuyer.get(buyer) ?? [];
    if (told.length > 0 && told.every((r) => status(r) >= 400 && status(r) < 500 && r.problem !== 'idempotency-in-flight')) phantoms++;
  }

  const conflicts = checkConflicts(input, holds, records, claimsByBuyer, indexes);

  // A confirm or release refused as expired must come after the hold's expiry, and leave it unconfirmed.
  let falseExpiries = 0;
  for (const record of records.filter((r) => (r.kind === 'confirm' || r.kind === 'release') && status(r) === 410)) {
    const hold = record.holdId === undefined ? undefined : holdById.get(record.holdId);
    const expiresAt = hold?.expires_at?.getTime();
    if (expiresAt === undefined || expiresAt > record.receivedAt + SLACK_MS) falseExpiries++;
    else if (hold?.status === 'confirmed' && record.kind === 'confirm')
      lostAcks.push(`confirm of ${hold.id}: 410, yet PostgreSQL says confirmed`);
  }

  // Every request answered: no timeouts, and lost connections only while the API was down on purpose.
  const unanswered = records.filter((r) => r.outcome === 'timeout' || (r.outcome === 'network' && downWindow(input, r) === undefined));
  const missingRetryAfter = records.filter((r) => status(r) === 503 && r.retryAfter === undefined).length;
  const wrongAnswers = records.filter((r) => {
    const s = status(r);
    if (s >= 500) return s !== 503;
    if (s < 400) return false;
    // The business answers: refusals (409), payment (402), expired (410), unknown hold (404, checked above).
    return !(s === 409 || s === 402 || s === 410 || s === 404);
  });

  return {
    oversold: pg.oversold,
    doubleBooked: pg.doubleBooked,
    partial: pg.partial + partialAnswers,
    staleRows: pg.staleRows,
    leaked: settled.leaked,
    missing: settled.missing,
    settledMs: settled.matched ? settled.elapsedMs : null,
    lostAcks,
    phantoms,
    duplicateClaims,
    conflicts,
    falseExpiries,
    unanswered,
    missingRetryAfter,
    wrongAnswers,
  };
}

/**
 * Every 409 must match the seats' state at that moment: a seat PostgreSQL had given to a
 * live hold (or a ghost had taken in Redis), a sold-out event, not enough seats, or an
 * idempotency key really in flight.
 */
function checkConflicts(
  input: AuditInput,
  holds: readonly HoldRow[],
  records: readonly RequestRecord[],
  claimsByBuyer: ReadonlyMap<string, RequestRecord[]>,
  indexes: (seats: readonly Seat[]) => number[],
): ConflictCheck {
  const { event } = input;
  // A ghost holds its seats in Redis until compensation or, at the latest, the reconciler
  // after the fault healed (an API that was down reconciles once it is back).
  const healed = Math.max(input.fault.to, ...input.apiDown.map((w) => w.to));
  const ghostLife = 2 * input.reconcileIntervalMs + defaultSettings.reconciler.confirmAfterMs + SLACK_MS;
  const releasedAt = new Map(records.filter((r) => r.kind === 'release' && r.outcome === 204).map((r) => [r.holdId, r.receivedAt]));
  const intervals: SeatInterval[] = holds.map((hold) => {
    const firstAsk = Math.min(...(claimsByBuyer.get(hold.user_id) ?? []).map((r) => r.sentAt));
    const from = Number.isFinite(firstAsk) ? firstAsk : hold.created_at.getTime();
    const expiry = (hold.expires_at?.getTime() ?? Infinity) + EXPIRY_GRACE_MS;
    const until =
      hold.status === 'confirmed'
        ? Infinity
        : hold.status === 'released' || hold.status === 'cancelled'
          ? Math.max(hold.updated_at.getTime(), releasedAt.get(hold.id) ?? 0)
          : expiry;
    return { seats: hold.seat_indexes, from, until, source: 'postgres' as const };
  });
  const pgOnly = new Occupancy(intervals, []);
  const unknown: CountInterval[] = [];
  for (const record of records.filter(isClaim)) {
    // Any claim without a definite answer, and any claim made during the fault (the breaker
    // may have timed out a Redis call that still ran), may have left seats in Redis.
    const definite = status(record) >= 200 && status(record) < 500 && record.problem !== 'idempotency-in-flight';
    const duringFault = record.sentAt <= input.fault.to && record.receivedAt >= input.fault.from;
    if (definite && !duringFault) continue;
    const until = Math.max(record.receivedAt, healed) + ghostLife;
    if (record.seats !== undefined) intervals.push({ seats: indexes(record.seats), from: record.sentAt, until, source: 'ghost' });
    else unknown.push({ count: record.quantity ?? 0, from: record.sentAt, until });
  }
  const occupancy = new Occupancy(intervals, unknown);

  let byPostgres = 0;
  let byGhost = 0;
  let imprecise = 0;
  const unjustified: RequestRecord[] = [];
  for (const record of records.filter((r) => status(r) === 409)) {
    const from = record.sentAt - SLACK_MS;
    const to = record.receivedAt + SLACK_MS;
    let verdict: 'postgres' | 'ghost' | undefined;
    if (record.problem === 'seats-taken') {
      // One seat really taken justifies the refusal; the list may name more (see imprecise).
      const holders = indexes(record.takenSeats ?? []).map((seat) => occupancy.seatHolder(seat, from, to));
      if (holders.some((h) => h === undefined)) imprecise++;
      if (holders.includes('postgres')) verdict = 'postgres';
      else if (holders.includes('ghost') || occupancy.unknownGhostWithin(from, to)) verdict = 'ghost';
    } else if (record.problem === 'sold-out' || record.problem === 'not-enough-seats') {
      // The sold-out cache may answer from a Redis verdict up to soldOutCacheMs old.
      const needFree = record.problem === 'sold-out' ? 1 : (record.quantity ?? 1);
      const enough = (ghosts: boolean) => {
        const occupied = (ghosts ? occupancy : pgOnly).maxOccupied(from - defaultSettings.gate.soldOutCacheMs, to);
        return event.capacity - occupied < needFree;
      };
      if (enough(false)) verdict = 'postgres';
      else if (enough(true)) verdict = 'ghost';
    } else if (record.problem === 'idempotency-in-flight') {
      // Legitimate while another attempt with the key overlaps it, or may still be running.
      const others = (claimsByBuyer.get(record.buyer) ?? []).filter((r) => r !== record && r.sentAt <= record.sentAt);
      // An attempt whose process was killed under it stays "in flight" to the others until the
      // reconciler frees its Redis grant: the library cannot tell a dead writer from a slow one.
      const diedWithItsProcess = (r: RequestRecord) => {
        const down = downWindow(input, r);
        return down !== undefined && record.sentAt <= down.to + ghostLife;
      };
      const running = others.some(
        (r) =>
          r.receivedAt >= record.sentAt ||
          (r.outcome === 'timeout' && r.sentAt + input.requestTimeoutMs * 2 >= record.sentAt) ||
          diedWithItsProcess(r),
      );
      if (running) verdict = 'postgres';
    }
    if (verdict === 'postgres') byPostgres++;
    else if (verdict === 'ghost') byGhost++;
    else unjustified.push(record);
  }
  return { total: byPostgres + byGhost + unjustified.length, byPostgres, byGhost, imprecise, unjustified };
}
