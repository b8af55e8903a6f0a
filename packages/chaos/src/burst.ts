import { setTimeout as sleep } from 'node:timers/promises';
import type { Seat } from '@seatgrid/admission';
import type { BuyerPlan, Workload } from './workload.ts';

export type RequestKind = 'hold' | 'book' | 'confirm' | 'release';

/** How a request ended: an HTTP status, or no answer at all. */
export type Outcome = number | 'timeout' | 'network';

/** One request a buyer sent and what came back, with wall-clock times (comparable with PostgreSQL's now()). */
export interface RequestRecord {
  readonly buyer: string;
  readonly kind: RequestKind;
  /** Which API instance it went to. */
  readonly api: number;
  readonly attempt: number;
  readonly idempotencyKey?: string;
  /** Listed seats or a best-available quantity (claims). */
  readonly seats?: readonly Seat[];
  readonly quantity?: number;
  /** The hold a confirm or release named, or the one a claim got. */
  readonly holdId?: string;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly outcome: Outcome;
  /** The problem type's last path segment, for error answers (e.g. 'seats-taken'). */
  readonly problem?: string;
  /** The problem's `field` and `detail`, when it has them: what a finding quotes. */
  readonly problemDetail?: string;
  readonly retryAfter?: string;
  /** Seats a 2xx claim got, or a 409 seats-taken named. */
  readonly grantedSeats?: readonly Seat[];
  readonly takenSeats?: readonly Seat[];
  readonly expiresAt?: number;
  /** For network failures, the cause. */
  readonly error?: string;
}

export interface BurstOptions {
  readonly eventId: string;
  readonly plans: readonly BuyerPlan[];
  readonly workload: Workload;
  /** Base URLs of the API instances; buyer i uses instance i mod n. */
  readonly apis: readonly string[];
  /** A label that makes this burst's user ids unique. */
  readonly runId: string;
}

export function buyerId(runId: string, index: number): string {
  return `${runId}-b${index}`;
}

const RETRIES = 2;

function isIndefinite(outcome: Outcome): boolean {
  return outcome === 'timeout' || outcome === 'network' || outcome === 503;
}

/** A wait that is part of the workload's schedule (think time, back-off), never a wait for state. */
function pause(ms: number): Promise<void> {
  return sleep(ms);
}

interface Sent {
  readonly path: string;
  readonly method: 'POST' | 'DELETE';
  readonly body?: unknown;
  readonly idempotencyKey?: string;
}

async function send(
  base: string,
  buyer: string,
  request: Sent,
  timeoutMs: number,
): Promise<{ outcome: Outcome; json?: Record<string, unknown>; retryAfter?: string; error?: string; receivedAt: number }> {
  const headers: Record<string, string> = { 'x-user-id': buyer };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
  try {
    const res = await fetch(`${base}${request.path}`, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const receivedAt = Date.now();
    const json = parseJson(text);
    const retryAfter = res.headers.get('retry-after') ?? undefined;
    return {
      outcome: res.status,
      receivedAt,
      ...(json === undefined ? {} : { json }),
      ...(retryAfter === undefined ? {} : { retryAfter }),
    };
  } catch (error) {
    const receivedAt = Date.now();
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { outcome: 'timeout', receivedAt };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { outcome: 'network', receivedAt, error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function seatsOf(value: unknown): Seat[] | undefined {
  return Array.isArray(value) ? (value as Seat[]).map((seat) => ({ row: seat.row, col: seat.col })) : undefined;
}

/**
 * Runs every buyer's plan against the API: buyers arrive evenly over the workload's spread,
 * at most `concurrency` in flight, each request bounded by the request timeout. Returns
 * every request and its answer.
 */
export async function runBurst(options: BurstOptions): Promise<RequestRecord[]> {
  const { workload, plans } = options;
  const records: RequestRecord[] = [];
  const started = Date.now();
  let next = 0;

  async function request(plan: BuyerPlan, record: Omit<RequestRecord, 'sentAt' | 'receivedAt' | 'outcome' | 'api'>, sent: Sent) {
    const api = plan.index % options.apis.length;
    const sentAt = Date.now();
    const answer = await send(options.apis[api] as string, record.buyer, sent, workload.requestTimeoutMs);
    const json = answer.json;
    const problem = typeof json?.type === 'string' ? json.type.slice(json.type.lastIndexOf('/') + 1) : undefined;
    const problemDetail = [json?.field, json?.detail].filter((part) => typeof part === 'string').join(': ');
    const holdId = typeof json?.holdId === 'string' ? json.holdId : typeof json?.bookingId === 'string' ? json.bookingId : record.holdId;
    const granted = typeof answer.outcome === 'number' && answer.outcome < 300 ? seatsOf(json?.seats) : undefined;
    const taken = seatsOf(json?.takenSeats);
    const done: RequestRecord = {
      ...record,
      api,
      sentAt,
      receivedAt: answer.receivedAt,
      outcome: answer.outcome,
      ...(holdId === undefined ? {} : { holdId }),
      ...(problem === undefined ? {} : { problem }),
      ...(problemDetail === '' ? {} : { problemDetail }),
      ...(answer.retryAfter === undefined ? {} : { retryAfter: answer.retryAfter }),
      ...(granted === undefined ? {} : { grantedSeats: granted }),
      ...(taken === undefined ? {} : { takenSeats: taken }),
      ...(typeof json?.expiresAt === 'string' ? { expiresAt: Date.parse(json.expiresAt) } : {}),
      ...(answer.error === undefined ? {} : { error: answer.error }),
    };
    records.push(done);
    return done;
  }

  async function buyer(plan: BuyerPlan): Promise<void> {
    const id = buyerId(options.runId, plan.index);
    const body = plan.seats !== undefined ? { seats: plan.seats } : { quantity: plan.quantity };
    const path = `/events/${options.eventId}/${plan.kind === 'book' ? 'bookings' : 'holds'}`;
    const key = plan.idempotent ? `${id}-order` : undefined;
    let claim: RequestRecord | undefined;
    for (let attempt = 1; attempt <= (plan.idempotent ? 1 + RETRIES : 1); attempt++) {
      if (attempt > 1) await pause(150 * attempt);
      claim = await request(
        plan,
        {
          buyer: id,
          kind: plan.kind,
          attempt,
          ...(key === undefined ? {} : { idempotencyKey: key }),
          ...(plan.seats === undefined ? {} : { seats: plan.seats }),
          ...(plan.quantity === undefined ? {} : { quantity: plan.quantity }),
        },
        { path, method: 'POST', body, ...(key === undefined ? {} : { idempotencyKey: key }) },
      );
      if (!isIndefinite(claim.outcome)) break;
    }
    if (claim?.outcome !== 201 || plan.kind !== 'hold' || claim.holdId === undefined || plan.afterHold === 'expire') return;
    const holdId = claim.holdId;
    if (workload.confirmTiming === 'at-expiry' && plan.afterHold === 'confirm' && claim.expiresAt !== undefined) {
      const jitter = Math.round(plan.expiryJitter * workload.expiryJitterMs);
      await pause(claim.expiresAt + workload.expiryOffsetMs + jitter - Date.now());
    } else {
      await pause(plan.thinkMs);
    }
    const follow: Sent =
      plan.afterHold === 'confirm' ? { path: `/holds/${holdId}/confirm`, method: 'POST' } : { path: `/holds/${holdId}`, method: 'DELETE' };
    for (let attempt = 1; attempt <= 1 + RETRIES; attempt++) {
      if (attempt > 1) await pause(150 * attempt);
      const answer = await request(
        plan,
        { buyer: id, kind: plan.afterHold === 'confirm' ? 'confirm' : 'release', attempt, holdId },
        follow,
      );
      if (!isIndefinite(answer.outcome)) break;
    }
  }

  async function worker(): Promise<void> {
    while (next < plans.length) {
      const plan = plans[next++] as BuyerPlan;
      const arrival = started + (plan.index * workload.spreadMs) / plans.length;
      if (arrival > Date.now()) await pause(arrival - Date.now());
      await buyer(plan);
    }
  }

  await Promise.all(Array.from({ length: Math.min(workload.concurrency, plans.length) }, () => worker()));
  return records;
}
