/**
 * Why a SeatGrid call threw. Business refusals (sold out, seats taken...) are results, not
 * errors; an error is bad input, a state the caller must act on, or a closed instance.
 */
export type AdmissionErrorCode =
  | 'INVALID_INPUT'
  | 'EVENT_NOT_LOADED'
  | 'EVENT_LOADING'
  | 'EVENT_NOT_FOUND'
  | 'EVENT_EXISTS'
  | 'IDEMPOTENCY_MISMATCH'
  | 'LOAD_CONFLICT'
  | 'IDEMPOTENCY_IN_FLIGHT'
  | 'CLOSED'
  | 'ADMISSION_REQUIRED'
  | 'NO_WAITING_ROOM'
  | 'UNEXPECTED_REPLY';

export class AdmissionError extends Error {
  readonly code: AdmissionErrorCode;

  constructor(code: AdmissionErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The caller's input is wrong; nothing was changed. `field` names the culprit. */
export class InvalidInputError extends AdmissionError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('INVALID_INPUT', `${field}: ${message}`);
    this.field = field;
  }
}

/** Redis holds no state for this event (never created, or lost): load it, then retry. */
export class EventNotLoadedError extends AdmissionError {
  readonly eventId: string;

  constructor(eventId: string) {
    super('EVENT_NOT_LOADED', `event ${eventId} is not loaded in Redis`);
    this.eventId = eventId;
  }
}

export class EventExistsError extends AdmissionError {
  readonly eventId: string;

  constructor(eventId: string) {
    super('EVENT_EXISTS', `event ${eventId} exists already`);
    this.eventId = eventId;
  }
}

/** The idempotency key was used before with a different request. */
export class IdempotencyMismatchError extends AdmissionError {
  constructor() {
    super('IDEMPOTENCY_MISMATCH', 'this idempotency key was used with a different request');
  }
}

/** Why a load could not finish (see LoadConflictError). */
export type LoadConflictReason = 'superseded' | 'evicted';

/**
 * A load of the event could not finish, and nothing of it reached the live event.
 * `'superseded'`: another load of it took over the staging, or the staging is gone whole
 * (expired or evicted: it looks the same). `'evicted'`: memory pressure evicted part of the
 * staged copy, and the rest was removed; the load can run again at once.
 */
export class LoadConflictError extends AdmissionError {
  readonly eventId: string;
  readonly reason: LoadConflictReason;

  constructor(eventId: string, reason: LoadConflictReason) {
    const what = reason === 'evicted' ? 'lost part of its staged copy to eviction' : 'was superseded by another load';
    super('LOAD_CONFLICT', `the load of event ${eventId} ${what}`);
    this.eventId = eventId;
    this.reason = reason;
  }
}

/** The first request with this idempotency key is still being written (or died writing). */
export class IdempotencyInFlightError extends AdmissionError {
  constructor() {
    super('IDEMPOTENCY_IN_FLIGHT', 'a request with this idempotency key is still in progress');
  }
}

/**
 * The event's state is being (re)loaded into Redis and the load outlasted the wait: retry in
 * `retryAfterMs`. The load runs on; nothing was changed.
 */
export class EventLoadingError extends AdmissionError {
  readonly eventId: string;
  readonly retryAfterMs: number;

  constructor(eventId: string, waitedMs: number, retryAfterMs = 1_000) {
    super('EVENT_LOADING', `event ${eventId} is still loading after ${waitedMs} ms`);
    this.eventId = eventId;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The instance was closed: it takes no more calls. */
export class ClosedError extends AdmissionError {
  constructor() {
    super('CLOSED', 'this SeatGrid instance is closed');
  }
}

/**
 * The event has a waiting room, and the claim came without a valid admission of the claiming
 * user (none, forged, another user's, or expired): queue first.
 */
export class AdmissionRequiredError extends AdmissionError {
  readonly eventId: string;

  constructor(eventId: string) {
    super('ADMISSION_REQUIRED', `event ${eventId} admits claims through its waiting room only`);
    this.eventId = eventId;
  }
}

/** The event has no waiting room. */
export class NoWaitingRoomError extends AdmissionError {
  readonly eventId: string;

  constructor(eventId: string) {
    super('NO_WAITING_ROOM', `event ${eventId} has no waiting room`);
    this.eventId = eventId;
  }
}

/** The store of record has no such event. */
export class EventNotFoundError extends AdmissionError {
  readonly eventId: string;

  constructor(eventId: string) {
    super('EVENT_NOT_FOUND', `there is no event ${eventId}`);
    this.eventId = eventId;
  }
}
