import { z } from 'zod';
import packageJson from '../package.json' with { type: 'json' };
import type { IdentityScheme } from './caller-identity.ts';
import { problemTypes, problemUri, type ProblemType } from './problems.ts';
import {
  bookingResponse,
  claimBody,
  confirmResponse,
  createEventBody,
  eventIdParam,
  eventResponse,
  healthResponse,
  holdIdParam,
  holdResponse,
  idempotencyKeyHeader,
  problemResponse,
  readinessResponse,
  seatMapResponse,
  seatSchema,
  userIdHeader,
} from './schemas.ts';

/**
 * The OpenAPI 3.1 document of the API. Every body schema is generated from the zod schemas in
 * schemas.ts with z.toJSONSchema (JSON Schema 2020-12, the dialect of OpenAPI 3.1): request
 * bodies in their input shape, responses in their output shape. Nothing here restates a body.
 * There is one document for each way callers say who they are (caller-identity.ts).
 */

type JsonSchema = Record<string, unknown>;

type Io = 'input' | 'output';

const componentRef = (name: string) => `#/components/schemas/${name}`;
const ref = (name: string) => ({ $ref: componentRef(name) });

/** Request bodies (what a client may send: the input shape). */
const requestBodySchemas = {
  CreateEventRequest: createEventBody,
  ClaimRequest: claimBody,
} as const;

/** Response bodies (what the server sends: the output shape). */
const responseBodySchemas = {
  Event: eventResponse,
  SeatMap: seatMapResponse,
  Hold: holdResponse,
  Confirmation: confirmResponse,
  Booking: bookingResponse,
  Problem: problemResponse,
  Health: healthResponse,
  Readiness: readinessResponse,
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
  [healthResponse, 'The process is alive.'],
  [readinessResponse, 'Whether the API can serve claims, and the state of what it depends on.'],
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

function componentSchemas(): Record<string, JsonSchema> {
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

type ParameterName = 'EventId' | 'HoldId' | 'BookingId' | 'UserId' | 'IdempotencyKey';

function parameterComponents(identity: IdentityScheme): Partial<Record<ParameterName, object>> {
  const inPath = (name: string, description: string, schema: z.ZodType) =>
    ({ name, in: 'path', required: true, description, schema: scalar(schema) });
  return {
    EventId: inPath('eventId', 'The event id.', eventIdParam),
    HoldId: inPath('holdId', 'The hold id.', holdIdParam),
    // A booking's id is the id of the claim that made it (schemas.ts: bookingResponse.bookingId).
    BookingId: inPath('bookingId', 'The booking id.', bookingResponse.shape.bookingId),
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
  };
}

/** Path template parameter → its component. */
const pathParameters: Readonly<Record<string, ParameterName>> = {
  eventId: 'EventId',
  holdId: 'HoldId',
  bookingId: 'BookingId',
};

type HeaderName = 'RetryAfter' | 'RateLimitLimit' | 'RateLimitRemaining' | 'RateLimitReset' | 'Location' | 'WwwAuthenticate';

function headerComponents(): Record<HeaderName, object> {
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
  };
}

const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });
const retryAfter = { 'Retry-After': headerRef('RetryAfter') };
const rateLimitHeaders = {
  'RateLimit-Limit': headerRef('RateLimitLimit'),
  'RateLimit-Remaining': headerRef('RateLimitRemaining'),
  'RateLimit-Reset': headerRef('RateLimitReset'),
};

const json = (schema: object) => ({ 'application/json': { schema } });

type Method = 'get' | 'post' | 'delete';

interface OperationSpec {
  readonly method: Method;
  /** OpenAPI path template. */
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** Requires the admin bearer token. */
  readonly admin?: boolean;
  /** Acts as a user: X-User-Id, or with JWT identity a bearer JWT. */
  readonly user?: boolean;
  /** A claim: accepts Idempotency-Key and is rate limited per user and per client address. */
  readonly claim?: boolean;
  readonly body?: { readonly schema: keyof typeof requestBodySchemas; readonly description: string };
  /** The answers that are not problems. */
  readonly responses: Readonly<Record<string, object>>;
  /** The problem types it can answer with, besides `internal`, which any operation can. */
  readonly problems: readonly ProblemType[];
  /** What a problem type means here, when its title does not say it all. */
  readonly notes?: Partial<Record<ProblemType, string>>;
  /** Notes that read otherwise with JWT identity (no X-User-Id to get wrong). */
  readonly jwtNotes?: Partial<Record<ProblemType, string>>;
}

type Notes = Partial<Record<ProblemType, string>>;

/** What every user operation adds with JWT identity. */
const jwtProblem: ProblemType = 'unauthenticated';
const jwtProblemNote = 'no valid bearer JWT: missing, malformed, forged, expired, not yet valid, or for another issuer or audience';

const claimProblems: readonly ProblemType[] = [
  'invalid-input',
  'event-not-found',
  'seats-taken',
  'sold-out',
  'not-enough-seats',
  'no-adjacent-block',
  'user-limit',
  'idempotency-in-flight',
  'payload-too-large',
  'unsupported-media-type',
  'unprocessable-input',
  'idempotency-mismatch',
  'rate-limited',
  'unavailable',
];

const claimNotes: Partial<Record<ProblemType, string>> = {
  'invalid-input': 'a malformed id, X-User-Id or Idempotency-Key header, body that is not JSON, or seats outside the grid; `field` names the culprit',
  'unprocessable-input': 'the body does not match ClaimRequest; `field` names the culprit',
  'seats-taken': 'nothing was claimed; `takenSeats` lists the seats already taken',
  'not-enough-seats': '`available` says how many are left',
  'no-adjacent-block': 'only without allowSplit',
  'user-limit': '`limit` is the per-user seat limit',
  'idempotency-in-flight': 'retry after Retry-After',
  'rate-limited': 'too many claims from this user or this client address; retry after Retry-After',
};

const claimJwtNotes: Notes = {
  'invalid-input': 'a malformed id or Idempotency-Key header, body that is not JSON, or seats outside the grid; `field` names the culprit',
};

const holdNotes: Partial<Record<ProblemType, string>> = {
  'invalid-input': 'a malformed id or X-User-Id header',
  'hold-not-found': "unknown, released, or someone else's: a stranger learns nothing",
};

const holdJwtNotes: Notes = { 'invalid-input': 'a malformed id' };

const operations: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/events',
    operationId: 'createEvent',
    tag: 'events',
    summary: 'Create an event',
    admin: true,
    body: { schema: 'CreateEventRequest', description: 'The event to create.' },
    responses: {
      201: {
        description: 'The event, created with every seat free.',
        headers: { Location: headerRef('Location') },
        content: json(ref('Event')),
      },
    },
    problems: ['invalid-input', 'unauthorized', 'payload-too-large', 'unsupported-media-type', 'unprocessable-input', 'unavailable'],
    notes: {
      'invalid-input': 'the body is not JSON, or maxSeatsPerUser exceeds rows × cols; `field` names the culprit',
      unauthorized: 'no valid admin bearer token, or none is configured',
      'unprocessable-input': 'the body does not match CreateEventRequest; `field` names the culprit',
    },
  },
  {
    method: 'get',
    path: '/events/{eventId}',
    operationId: 'getEvent',
    tag: 'events',
    summary: 'An event and its free seat count',
    responses: { 200: { description: 'The event.', content: json(ref('Event')) } },
    problems: ['invalid-input', 'event-not-found', 'unavailable'],
    notes: { 'invalid-input': 'a malformed event id' },
  },
  {
    method: 'get',
    path: '/events/{eventId}/seats',
    operationId: 'getSeatMap',
    tag: 'events',
    summary: "An event's seat map",
    responses: { 200: { description: 'The seat map.', content: json(ref('SeatMap')) } },
    problems: ['invalid-input', 'event-not-found', 'unavailable'],
    notes: { 'invalid-input': 'a malformed event id' },
  },
  {
    method: 'post',
    path: '/events/{eventId}/holds',
    operationId: 'createHold',
    tag: 'holds',
    summary: 'Hold seats',
    description: 'Holds the listed seats (all or none) or the best available ones, until the hold expires or is confirmed.',
    user: true,
    claim: true,
    body: { schema: 'ClaimRequest', description: 'The seats, or how many.' },
    responses: {
      201: { description: 'The seats are held for the caller.', headers: rateLimitHeaders, content: json(ref('Hold')) },
    },
    problems: claimProblems,
    notes: claimNotes,
    jwtNotes: claimJwtNotes,
  },
  {
    method: 'post',
    path: '/holds/{holdId}/confirm',
    operationId: 'confirmHold',
    tag: 'holds',
    summary: 'Pay for a hold and buy its seats',
    description: 'Charges the caller, then sells the seats. Confirming a confirmed hold answers the same again.',
    user: true,
    responses: { 200: { description: 'The seats are sold.', content: json(ref('Confirmation')) } },
    problems: ['invalid-input', 'payment-declined', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
    notes: {
      ...holdNotes,
      'payment-declined': 'the hold stays until it expires: the caller may try again',
      'wrong-state': 'the hold can no longer be confirmed',
      'hold-expired': 'its seats are free again',
    },
    jwtNotes: holdJwtNotes,
  },
  {
    method: 'delete',
    path: '/holds/{holdId}',
    operationId: 'releaseHold',
    tag: 'holds',
    summary: 'Release a hold',
    user: true,
    responses: { 204: { description: 'Released: its seats are free.' } },
    problems: ['invalid-input', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
    notes: { ...holdNotes, 'wrong-state': 'it is confirmed: cancel the booking instead' },
    jwtNotes: holdJwtNotes,
  },
  {
    method: 'post',
    path: '/events/{eventId}/bookings',
    operationId: 'createBooking',
    tag: 'bookings',
    summary: 'Buy seats in one step',
    description: 'Sells the listed seats (all or none) or the best available ones at once, without a hold.',
    user: true,
    claim: true,
    body: { schema: 'ClaimRequest', description: 'The seats, or how many.' },
    responses: {
      201: { description: 'The seats are sold to the caller.', headers: rateLimitHeaders, content: json(ref('Booking')) },
    },
    problems: claimProblems,
    notes: claimNotes,
    jwtNotes: claimJwtNotes,
  },
  {
    method: 'delete',
    path: '/bookings/{bookingId}',
    operationId: 'cancelBooking',
    tag: 'bookings',
    summary: 'Cancel a booking',
    user: true,
    responses: { 204: { description: 'Cancelled: its seats are free.' } },
    problems: ['invalid-input', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
    notes: {
      ...holdNotes,
      'wrong-state': 'it is a hold, not confirmed yet: release it instead',
      'hold-expired': 'the id names a hold that expired before it was confirmed',
    },
    jwtNotes: holdJwtNotes,
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'The Prometheus text exposition format.',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
    problems: [],
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'operations',
    summary: 'Liveness',
    responses: { 200: { description: 'Alive.', content: json(ref('Health')) } },
    problems: [],
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tag: 'operations',
    summary: 'Readiness',
    responses: {
      200: { description: 'Ready.', content: json(ref('Readiness')) },
      503: { description: 'Not ready; the body says what is missing.', headers: retryAfter, content: json(ref('Readiness')) },
    },
    problems: [],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    tag: 'operations',
    summary: 'This document',
    responses: {
      200: { description: 'The OpenAPI 3.1 document of the API.', content: json({ type: 'object' }) },
    },
    problems: [],
  },
];

function problemResponses(spec: OperationSpec, identity: IdentityScheme): Record<string, object> {
  const jwt = identity === 'jwt' && spec.user === true;
  const problems = jwt ? [...spec.problems, jwtProblem] : spec.problems;
  const notes: Notes = jwt ? { ...spec.notes, ...spec.jwtNotes, [jwtProblem]: jwtProblemNote } : (spec.notes ?? {});
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of [...problems, 'internal' as const]) {
    const { status } = problemTypes[type];
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  const responses: Record<string, object> = {};
  for (const [status, types] of [...byStatus].sort(([a], [b]) => a - b)) {
    const lines = types.map((type) => {
      const note = notes[type];
      return `- \`${type}\` (${problemUri(type)}): ${problemTypes[type].title}${note === undefined ? '' : ` (${note})`}`;
    });
    const responseHeaders = {
      ...(status === 429 || status === 503 || types.includes('idempotency-in-flight') ? retryAfter : {}),
      ...(status === 429 && spec.claim === true ? rateLimitHeaders : {}),
      ...(status === 401 ? { 'WWW-Authenticate': headerRef('WwwAuthenticate') } : {}),
    };
    responses[status] = {
      description: `Problem types:\n${lines.join('\n')}`,
      ...(Object.keys(responseHeaders).length > 0 ? { headers: responseHeaders } : {}),
      content: {
        'application/problem+json': {
          schema: ref('Problem'),
          examples: Object.fromEntries(
            types.map((type) => [
              type,
              { summary: problemTypes[type].title, value: { type: problemUri(type), title: problemTypes[type].title, status } },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

function operation(spec: OperationSpec, identity: IdentityScheme): object {
  const pathParams = [...spec.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => {
    const component = name === undefined ? undefined : pathParameters[name];
    if (component === undefined) throw new Error(`openapi: no parameter component for {${name}} in ${spec.path}`);
    return { $ref: `#/components/parameters/${component}` };
  });
  const params = [
    ...pathParams,
    ...(spec.user === true && identity === 'x-user-id' ? [{ $ref: '#/components/parameters/UserId' }] : []),
    ...(spec.claim === true ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
  ];
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.admin === true ? { security: [{ adminToken: [] }] } : {}),
    ...(spec.user === true && identity === 'jwt' ? { security: [{ userToken: [] }] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(spec.body === undefined
      ? {}
      : { requestBody: { required: true, description: spec.body.description, content: json(ref(spec.body.schema)) } }),
    responses: { ...spec.responses, ...problemResponses(spec, identity) },
  };
}

function build(identity: IdentityScheme): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const spec of operations) {
    const item = (paths[spec.path] ??= {});
    if (item[spec.method] !== undefined) throw new Error(`openapi: ${spec.method} ${spec.path} twice`);
    item[spec.method] = operation(spec, identity);
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'SeatGrid API',
      version: packageJson.version,
      description:
        'Events, seat maps, holds and bookings. Seats are 1-based { row, col }. Claims take every seat they name or ' +
        'none. Every error is application/problem+json (RFC 9457) whose `type` is ' +
        `${problemUri('not-found').replace(/not-found$/, '<problem type>')}; ` +
        'an unknown path answers 404 `not-found`. ' +
        (identity === 'jwt'
          ? 'The caller is the `sub` of an HS256 JWT sent as Authorization: Bearer (X-User-Id is ignored).'
          : 'The caller is the X-User-Id header (the server can be set to take a bearer JWT instead).'),
    },
    tags: [
      { name: 'events', description: 'Events and their seat maps.' },
      { name: 'holds', description: 'Seats held for a while, then confirmed (bought) or released.' },
      { name: 'bookings', description: 'Seats bought in one step, and cancelled.' },
      { name: 'operations', description: 'Health, readiness, metrics and this document.' },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      parameters: parameterComponents(identity),
      headers: headerComponents(),
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin token (ADMIN_TOKEN), a static secret and not a JWT: creating events, and nothing else.',
        },
        ...(identity === 'jwt'
          ? {
              userToken: {
                type: 'http',
                scheme: 'bearer',
                bearerFormat: 'JWT',
                description:
                  'A JWT signed with HS256 (AUTH_JWT_SECRET) whose `sub` is the caller; `exp` is required, `nbf` honoured, ' +
                  'and `iss` / `aud` checked when the server is configured with them. Never the admin token.',
              },
            }
          : {}),
      },
    },
  };
  // A plain JSON tree: nothing shared with zod, nothing that would not serialize.
  return deepFreeze(JSON.parse(JSON.stringify(document)) as object);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const built = new Map<IdentityScheme, object>();

/** The OpenAPI 3.1.0 document of the whole API for one identity scheme, built once and deeply frozen. */
export function openApiDocument(identity: IdentityScheme = 'x-user-id'): object {
  let document = built.get(identity);
  if (document === undefined) {
    document = build(identity);
    built.set(identity, document);
  }
  return document;
}
