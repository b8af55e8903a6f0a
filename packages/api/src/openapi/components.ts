import { z } from 'zod';
import type { IdentityScheme } from '../caller-identity.ts';
import {
  bookingRecordResponse,
  admissionTokenHeader,
  bookingResponse,
  claimBody,
  confirmResponse,
  createEventBody,
  entryIdParam,
  eventIdParam,
  eventListQuery,
  eventPageResponse,
  eventResponse,
  eventSummary,
  healthResponse,
  holdExtensionResponse,
  holdIdParam,
  holdRecordResponse,
  holdResponse,
  idempotencyKeyHeader,
  problemResponse,
  queueTicketResponse,
  readinessResponse,
  seatMapResponse,
  seatSchema,
  ticketParam,
  userIdHeader,
  waitlistEntryResponse,
  waitlistJoinBody,
} from '../schemas.ts';

/**
 * The document's components. Every body schema is generated from the zod schemas in
 * schemas.ts with z.toJSONSchema (JSON Schema 2020-12, the dialect of OpenAPI 3.1): request
 * bodies in their input shape, responses in their output shape. Nothing here restates a body.
 */
export type JsonSchema = Record<string, unknown>;

type Io = 'input' | 'output';

export const componentRef = (name: string) => `#/components/schemas/${name}`;
export const ref = (name: string) => ({ $ref: componentRef(name) });

/** Request bodies (what a client may send: the input shape). */
export const requestBodySchemas = {
  CreateEventRequest: createEventBody,
  ClaimRequest: claimBody,
  WaitlistJoinRequest: waitlistJoinBody,
} as const;

/** Response bodies (what the server sends: the output shape). */
const responseBodySchemas = {
  Event: eventResponse,
  SeatMap: seatMapResponse,
  Hold: holdResponse,
  Confirmation: confirmResponse,
  Booking: bookingResponse,
  HoldExtension: holdExtensionResponse,
  WaitlistEntry: waitlistEntryResponse,
  QueueTicket: queueTicketResponse,
  Problem: problemResponse,
  Health: healthResponse,
  Readiness: readinessResponse,
  EventSummary: eventSummary,
  EventPage: eventPageResponse,
  HoldRecord: holdRecordResponse,
  BookingRecord: bookingRecordResponse,
} as const;

/** Parts of both: one component, referenced from either side (their input and output shapes must agree). */
const sharedSchemas = { Seat: seatSchema } as const;

/** Every component schema and the zod schema it is generated from. */
export const componentSources: Readonly<Record<string, { readonly schema: z.ZodType; readonly io: Io }>> = Object.freeze(
  Object.fromEntries([
    ...Object.entries(sharedSchemas).map(([name, schema]) => [name, Object.freeze({ schema, io: 'output' as const })]),
    ...Object.entries(requestBodySchemas).map(([name, schema]) => [name, Object.freeze({ schema, io: 'input' as const })]),
    ...Object.entries(responseBodySchemas).map(([name, schema]) => [name, Object.freeze({ schema, io: 'output' as const })]),
  ]),
);

/** Prose only (the shapes come from zod): component and field descriptions. */
const descriptions = new Map<z.ZodType, string>([
  [seatSchema, 'A seat, 1-based: row 1 is the front row, col 1 the leftmost seat.'],
  [createEventBody, 'A new event: a rows × cols grid of seats.'],
  [createEventBody.shape.name, 'Leading and trailing white space is trimmed; it must not be blank.'],
  [createEventBody.shape.maxSeatsPerUser, 'Seats one user may hold or buy at once, at most rows × cols; 0 (the default) means no limit.'],
  [createEventBody.shape.holdTtlSeconds, 'How long a hold keeps its seats (default 600).'],
  [createEventBody.shape.waitlistOfferSeconds, 'How long a waitlist offer keeps its seats for the waiter (default 300).'],
  [
    createEventBody.shape.waitingRoom,
    'A waiting room in front of the event (admission strategy only): buyers queue, are admitted first come first served ' +
      'at admitPerSecond while the free seats can serve them, and their claims need the Admission-Token; an admission ' +
      'unused for admissionTtlSeconds expires.',
  ],
  [waitlistJoinBody, 'How many seats the caller waits for: 1 to the per-user limit (100 without one).'],
  [holdExtensionResponse, 'The hold lives until expiresAt now.'],
  [
    waitlistEntryResponse,
    "A waitlist entry. Freed seats are offered in arrival order: an offer is a hold (holdId) in the waiter's name until " +
      'offerExpiresAt, confirmed like any hold. position (1 = next) only while waiting.',
  ],
  [
    queueTicketResponse,
    'A waiting-room ticket. Admitted, it carries the admissionToken that claims on the event send as Admission-Token ' +
      'until expiresAt; after a granted claim the ticket stays admitted (without the token again) while the admission lasts.',
  ],
  [claimBody, 'Either listed seats (all or none) or a best-available quantity, never both.'],
  [eventResponse, 'An event and how many of its seats are free.'],
  [seatMapResponse, 'The seat map of an event.'],
  [seatMapResponse.shape.grid, "One string a row, one character a seat: '.' free, 'H' held, 'S' sold."],
  [holdResponse, 'Seats held for the caller until expiresAt; confirm to buy them.'],
  [confirmResponse, 'A confirmed hold: its seats are sold, and the booking id is the hold id.'],
  [bookingResponse, 'Seats sold in one step.'],
  [problemResponse, 'A problem (RFC 9457): type is https://seatgrid.dev/problems/<problem type>.'],
  [problemResponse.shape.field, 'The input field at fault (invalid input).'],
  [problemResponse.shape.takenSeats, 'The seats already taken (seats-taken).'],
  [problemResponse.shape.available, 'The seats still free (not-enough-seats).'],
  [problemResponse.shape.limit, 'The per-user seat limit (user-limit).'],
  [problemResponse.shape.waitlist, "Where to join the event's waitlist for freed seats (sold-out, not-enough-seats; admission strategy)."],
  [problemResponse.shape.entryId, "The caller's active waitlist entry (already-waiting)."],
  [healthResponse, 'The process is alive.'],
  [readinessResponse, 'Whether the API can serve claims, and the state of what it depends on.'],
  [seatMapResponse.shape.version, "Grows with every change of the event's seats: two maps at one version are the same map."],
  [eventSummary, 'An event in a list (GET /events/{eventId} adds how many seats are free).'],
  [eventPageResponse, 'A page of events, ordered by id.'],
  [eventPageResponse.shape.nextCursor, 'Pass it as ?cursor= for the next page; null on the last page.'],
  [holdRecordResponse, "A hold read back by its owner, whatever became of it (a booking's id reads back here too)."],
  [holdRecordResponse.shape.status, 'held (until expiresAt), confirmed (bought), released, expired or cancelled (a booking given back).'],
  [holdRecordResponse.shape.expiresAt, "When a hold's seats go back; null for seats bought in one step."],
  [bookingRecordResponse, 'A booking read back by its owner.'],
]);

/** Strips what each generated root carries of its own: the dialect is the document's, and `$id` would re-base its refs. */
function asComponent(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** One io side's components: one zod registry, so components reference each other by $ref. */
function generate(io: Io, components: Readonly<Record<string, z.ZodType>>): Record<string, JsonSchema> {
  const registry = z.registry<{ id?: string; description?: string }>();
  const named = new Set<z.ZodType>(Object.values(components));
  for (const [id, schema] of Object.entries(components)) {
    const description = descriptions.get(schema);
    registry.add(schema, description === undefined ? { id } : { id, description });
  }
  for (const [schema, description] of descriptions) if (!named.has(schema)) registry.add(schema, { description });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    metadata: registry,
    unrepresentable: 'throw',
    uri: componentRef,
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    if (!(id in components)) throw new Error(`openapi: zod emitted an unexpected schema "${id}"`);
    out[id] = asComponent(schema as JsonSchema);
  }
  return out;
}

export function componentSchemas(): Record<string, JsonSchema> {
  const input = generate('input', { ...sharedSchemas, ...requestBodySchemas });
  const output = generate('output', { ...sharedSchemas, ...responseBodySchemas });
  for (const name of Object.keys(sharedSchemas)) {
    if (JSON.stringify(input[name]) !== JSON.stringify(output[name])) {
      throw new Error(`openapi: the input and output shapes of ${name} differ; give each its own component`);
    }
  }
  return { ...output, ...input };
}

/** A parameter's or header's schema, generated like the bodies. */
function scalar(schema: z.ZodType): JsonSchema {
  return asComponent(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }) as JsonSchema);
}

/** The headers request-input.ts accepts (headers, not bodies, so schemas.ts has no schema for them). */
const seconds = z.number().int().min(0);

export type ParameterName =
  | 'EventId'
  | 'HoldId'
  | 'BookingId'
  | 'EntryId'
  | 'Ticket'
  | 'UserId'
  | 'IdempotencyKey'
  | 'AdmissionToken'
  | 'Limit'
  | 'Cursor'
  | 'IfNoneMatch'
  | 'LastEventId';

export function parameterComponents(identity: IdentityScheme): Partial<Record<ParameterName, object>> {
  const inPath = (name: string, description: string, schema: z.ZodType) => ({
    name,
    in: 'path',
    required: true,
    description,
    schema: scalar(schema),
  });
  return {
    EventId: inPath('eventId', 'The event id.', eventIdParam),
    HoldId: inPath('holdId', 'The hold id.', holdIdParam),
    // A booking's id is the id of the claim that made it (schemas.ts: bookingResponse.bookingId).
    BookingId: inPath('bookingId', 'The booking id.', bookingResponse.shape.bookingId),
    EntryId: inPath('entryId', 'The waitlist entry id.', entryIdParam),
    Ticket: inPath('ticket', 'The waiting-room ticket.', ticketParam),
    // With JWT identity the header is ignored, so it is not a parameter at all.
    ...(identity === 'x-user-id'
      ? {
          UserId: {
            name: 'X-User-Id',
            in: 'header',
            required: true,
            description: 'The caller: 1-128 characters, no control characters. Holds and bookings are scoped to it.',
            schema: scalar(userIdHeader),
          },
        }
      : {}),
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Makes a retry safe: the same key and request (per user) answer the same and claim nothing twice; ' +
        'the same key with another request is refused (idempotency-mismatch). 1-255 printable ASCII characters, no spaces.',
      schema: scalar(idempotencyKeyHeader),
    },
    Limit: {
      name: 'limit',
      in: 'query',
      required: false,
      description: 'Events a page, 1-100 (default 50).',
      schema: scalar(eventListQuery.shape.limit.unwrap()),
    },
    Cursor: {
      name: 'cursor',
      in: 'query',
      required: false,
      description: 'The nextCursor of the page before; none for the first page.',
      schema: scalar(eventListQuery.shape.cursor.unwrap()),
    },
    IfNoneMatch: {
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: 'An ETag of this map: 304 while the map is still that one.',
      schema: { type: 'string' },
    },
    LastEventId: {
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description:
        'The id of the last message received (a version): the stream resumes after it, with no snapshot, when the ' +
        'changes since are still at hand; otherwise it starts with a snapshot. EventSource sends it when it reconnects.',
      schema: { type: 'string' },
    },
    AdmissionToken: {
      name: 'Admission-Token',
      in: 'header',
      required: false,
      description:
        "On an event with a waiting room, required: the admissionToken of the caller's own admitted ticket " +
        '(GET /queue/{ticket}); otherwise ignored. 1-200 printable ASCII characters.',
      schema: scalar(admissionTokenHeader),
    },
  };
}

/** Path template parameter → its component. */
export const pathParameters: Readonly<Record<string, ParameterName>> = {
  eventId: 'EventId',
  holdId: 'HoldId',
  bookingId: 'BookingId',
  entryId: 'EntryId',
  ticket: 'Ticket',
};

export type HeaderName =
  | 'RetryAfter'
  | 'RateLimitLimit'
  | 'RateLimitRemaining'
  | 'RateLimitReset'
  | 'Location'
  | 'WwwAuthenticate'
  | 'ETag'
  | 'CacheControl';

export function headerComponents(): Record<HeaderName, object> {
  return {
    RetryAfter: { description: 'Seconds to wait before trying again.', schema: scalar(seconds) },
    RateLimitLimit: {
      description:
        'The claim budget: claims that may be made at once, per user and per client address; these headers ' +
        'describe the tighter of the two (sent while rate limiting is on).',
      schema: scalar(seconds),
    },
    RateLimitRemaining: { description: 'Claims left in the budget now.', schema: scalar(seconds) },
    RateLimitReset: { description: 'Seconds until the budget is full again.', schema: scalar(seconds) },
    Location: { description: 'The URL of the new event.', schema: { type: 'string' } },
    WwwAuthenticate: {
      description: 'The scheme to authenticate with: Bearer; with error="invalid_token" when a user token was sent and refused (RFC 6750).',
      schema: { type: 'string' },
    },
    ETag: {
      description: "A strong ETag of the seat map: it changes whenever the map does (it is derived from the map's version).",
      schema: { type: 'string' },
    },
    CacheControl: {
      description: 'no-cache: keep the map if you like, but revalidate it (If-None-Match) before each use.',
      schema: { type: 'string' },
    },
  };
}

export const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });
export const retryAfter = { 'Retry-After': headerRef('RetryAfter') };
export const rateLimitHeaders = {
  'RateLimit-Limit': headerRef('RateLimitLimit'),
  'RateLimit-Remaining': headerRef('RateLimitRemaining'),
  'RateLimit-Reset': headerRef('RateLimitReset'),
};

export const seatMapHeaders = { ETag: headerRef('ETag'), 'Cache-Control': headerRef('CacheControl') };

export const json = (schema: object) => ({ 'application/json': { schema } });
