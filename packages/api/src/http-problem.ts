import {
  AdmissionError,
  AdmissionRequiredError,
  ClosedError,
  EventLoadingError,
  EventNotFoundError,
  EventNotLoadedError,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  InvalidInputError,
  LoadConflictError,
  NoWaitingRoomError,
  type ClaimRefusal,
  type HoldRefusal,
  type Seat,
} from '@seatgrid/admission';
import type { Response } from 'express';
import { sendJson } from './json-answer.ts';
import { problemTypes, problemUri, type ProblemType } from './problems.ts';

export interface ProblemExtras {
  readonly detail?: string;
  readonly field?: string;
  readonly takenSeats?: readonly Seat[];
  readonly available?: number;
  readonly limit?: number;
  /** Where the caller can join the event's waitlist (sold-out, not-enough-seats on the admission strategy). */
  readonly waitlist?: string;
  /** The caller's active waitlist entry (already-waiting). */
  readonly entryId?: string;
}

/** An error that is an answer: it becomes one application/problem+json response. */
export class ProblemError extends Error {
  readonly type: ProblemType;
  readonly extras: ProblemExtras;
  readonly headers: Readonly<Record<string, string>>;

  constructor(type: ProblemType, extras: ProblemExtras = {}, headers: Readonly<Record<string, string>> = {}) {
    // An answer needs no stack trace, and capturing one was the largest single cost of a
    // refusal (every 409 of a flash sale is one of these).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(extras.detail ?? problemTypes[type].title);
    Error.stackTraceLimit = stackTraceLimit;
    this.type = type;
    this.extras = extras;
    this.headers = headers;
  }
}

export function invalid(field: string, detail: string): ProblemError {
  return new ProblemError('invalid-input', { field, detail });
}

/** A claim's refusal as its problem; `waitlist`: where the caller may wait for freed seats instead. */
export function claimRefusalProblem(refusal: ClaimRefusal, waitlist?: string): ProblemError {
  const link = waitlist === undefined ? {} : { waitlist };
  switch (refusal.reason) {
    case 'seats-taken':
      return new ProblemError('seats-taken', { takenSeats: refusal.takenSeats });
    case 'not-enough-seats':
      return new ProblemError('not-enough-seats', { available: refusal.available, ...link });
    case 'sold-out':
      return new ProblemError('sold-out', link);
    case 'user-limit':
      return new ProblemError('user-limit', {
        limit: refusal.limit,
        detail: `this user holds ${refusal.current} of at most ${refusal.limit} seats`,
      });
    default:
      return new ProblemError(refusal.reason);
  }
}

export function holdRefusalProblem(refusal: HoldRefusal): ProblemError {
  switch (refusal.reason) {
    case 'hold-not-found':
      return new ProblemError('hold-not-found');
    case 'hold-expired':
      return new ProblemError('hold-expired');
    case 'wrong-state':
      return new ProblemError('wrong-state', {
        detail: refusal.status === 'sold' ? 'this is a confirmed booking' : 'this hold is not confirmed yet',
      });
  }
}

/**
 * node-postgres reports a connection lost mid-query (pg_terminate_backend, a failover, a cut
 * network) or a pool that could not connect in time with a bare Error, no code: its words.
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect)$/;

/** Database and network failures: temporary, so 503 with Retry-After rather than 500. */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return /^(E[A-Z]{4,}|08\d{3}|57P0\d|53\d{3}|40001|40P01)$/.test(code);
  return error instanceof Error && PG_CONNECTION_LOST.test(error.message);
}

/** Maps anything thrown while serving a request to its problem; undefined: an unexpected failure. */
export function problemOf(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (error instanceof EventNotFoundError) return new ProblemError('event-not-found');
  if (error instanceof InvalidInputError) return invalid(error.field, error.message);
  if (error instanceof IdempotencyMismatchError) return new ProblemError('idempotency-mismatch');
  if (error instanceof AdmissionRequiredError) {
    return new ProblemError('admission-required', {
      detail: 'claims on this event need the Admission-Token its waiting room gave the caller; join its queue',
    });
  }
  if (error instanceof NoWaitingRoomError) return new ProblemError('no-waiting-room');
  if (error instanceof IdempotencyInFlightError) return new ProblemError('idempotency-in-flight', {}, { 'Retry-After': '1' });
  if (error instanceof EventNotLoadedError || error instanceof ClosedError)
    return new ProblemError('unavailable', {}, { 'Retry-After': '1' });
  // A load still running, or one that kept losing its staged copy (the next request loads afresh).
  if (error instanceof EventLoadingError || error instanceof LoadConflictError) {
    const retryAfterMs = error instanceof EventLoadingError ? error.retryAfterMs : 1_000;
    return new ProblemError(
      'unavailable',
      { detail: 'the event is loading; retry shortly' },
      { 'Retry-After': String(Math.ceil(retryAfterMs / 1_000)) },
    );
  }
  const bodyParser = error as { type?: unknown; status?: unknown } | null;
  if (bodyParser?.type === 'entity.parse.failed') return invalid('body', 'the body is not valid JSON');
  if (bodyParser?.type === 'entity.too.large') return new ProblemError('payload-too-large');
  if (bodyParser?.type === 'encoding.unsupported' || bodyParser?.type === 'charset.unsupported') {
    return new ProblemError('unsupported-media-type');
  }
  if (typeof bodyParser?.status === 'number' && bodyParser.status >= 400 && bodyParser.status < 500) {
    return invalid('body', 'the request could not be read');
  }
  if (isUnavailable(error) || (error instanceof AdmissionError && error.code === 'UNEXPECTED_REPLY')) {
    return new ProblemError('unavailable', {}, { 'Retry-After': '1' });
  }
  return undefined;
}

export function sendProblem(res: Response, problem: ProblemError, instance: string): void {
  const { status, title } = problemTypes[problem.type];
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  sendJson(res, status, { type: problemUri(problem.type), title, status, instance, ...problem.extras }, 'application/problem+json');
}
