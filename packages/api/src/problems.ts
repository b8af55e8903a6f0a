/**
 * The API's problem types (RFC 9457): one stable `type` per case, its HTTP status and title.
 * Every error response is application/problem+json built from this table.
 */
export const problemTypes = Object.freeze({
  'invalid-input': { status: 400, title: 'The request is not valid' },
  'unprocessable-input': { status: 422, title: 'The request cannot be processed' },
  unauthorized: { status: 401, title: 'A valid admin token is required' },
  unauthenticated: { status: 401, title: 'A valid user token is required' },
  'payment-declined': { status: 402, title: 'The payment was declined' },
  'not-found': { status: 404, title: 'No such resource' },
  'event-not-found': { status: 404, title: 'No such event' },
  'hold-not-found': { status: 404, title: 'No such hold or booking' },
  'seats-taken': { status: 409, title: 'Some of the seats are taken' },
  'sold-out': { status: 409, title: 'The event is sold out' },
  'not-enough-seats': { status: 409, title: 'Not enough seats are left' },
  'no-adjacent-block': { status: 409, title: 'No block of adjacent seats is left' },
  'user-limit': { status: 409, title: 'The per-user seat limit is reached' },
  'wrong-state': { status: 409, title: 'The hold or booking is not in a state that allows this' },
  'idempotency-in-flight': { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  'idempotency-mismatch': { status: 422, title: 'This Idempotency-Key was used with a different request' },
  'hold-expired': { status: 410, title: 'The hold has expired' },
  'extension-limit': { status: 409, title: 'The hold cannot be extended any further' },
  'waitlist-entry-not-found': { status: 404, title: 'No such waitlist entry' },
  'already-waiting': { status: 409, title: "The user is on this event's waitlist already" },
  'waitlist-entry-closed': { status: 409, title: 'The waitlist entry has ended' },
  'no-waiting-room': { status: 404, title: 'The event has no waiting room' },
  'ticket-not-found': { status: 404, title: 'No such waiting-room ticket' },
  'admission-required': { status: 403, title: "An admission from the event's waiting room is required" },
  'admission-strategy-required': { status: 501, title: 'This needs the admission strategy' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'unsupported-media-type': { status: 415, title: 'Send application/json' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'The service is temporarily unavailable' },
  'too-many-streams': { status: 503, title: 'Too many seat streams are open' },
  'stream-needs-admission': { status: 501, title: 'Live seat streams need the admission strategy' },
  internal: { status: 500, title: 'Something went wrong on our side' },
} as const);

export type ProblemType = keyof typeof problemTypes;

/** The `type` URI of a problem. */
export function problemUri(type: ProblemType): string {
  return `https://seatgrid.dev/problems/${type}`;
}
