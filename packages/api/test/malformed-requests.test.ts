// 1,000 generated malformed requests against a real API (real socket, PostgreSQL, Redis):
// every answer must be a 4xx application/problem+json, never a 5xx, and the target event's
// seat map must stay byte-for-byte what it was. Requests are written on a raw TCP socket so
// headers, bytes and duplicates go out exactly as generated.
//
// Reproduce a run: FUZZ_SEED=<seed printed below> node --test packages/api/test/malformed-requests.test.ts
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { problemTypes, type ProblemType } from '../src/problems.ts';
import { claimBody, createEventBody, problemResponse } from '../src/schemas.ts';
import { ADMIN_TOKEN, startApi, type RunningApi } from './harness.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_611);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);

// The target event: 4 × 6, with a hold (row 1, seats 1-2) and a booking (row 2, seat 3) of OWNER.
const ROWS = 4;
const COLS = 6;
const OWNER = `owner-${randomUUID()}`;
/** Seats nobody has: a claim of these would succeed if its request were let through. */
const FREE_SEATS: readonly { row: number; col: number }[] = Array.from({ length: 2 * COLS }, (_, i) => ({
  row: 3 + Math.floor(i / COLS),
  col: 1 + (i % COLS),
}));

const PROBLEM_KEYS = new Set(Object.keys(problemResponse.shape));
const PROBLEM_PREFIX = 'https://seatgrid.dev/problems/';
const INTERNALS =
  /node_modules|\/work\/|\.(?:ts|js|cjs|mjs):\d+|\n\s+at |\bat [\w$.<>]+ \(|ECONN|EPIPE|ioredis|kysely|\bpg\b|postgres|redis|\bselect\b.*\bfrom\b|\binsert into\b|\blua\b/i;

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 client: one connection a request, Connection: close.

interface RawRequest {
  /** What is wrong with it, for the failure report and the tally. */
  readonly label: string;
  readonly method: string;
  readonly path: string;
  /** Sent in order, values as latin1 bytes; duplicates allowed. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
  /** Omit the Host header (protocol-level test only). */
  readonly noHost?: boolean;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly raw: string;
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function send(port: number, request: RawRequest): Promise<RawResponse> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  if (request.noHost !== true) head += `Host: 127.0.0.1:${port}\r\n`;
  head += 'Connection: close\r\n';
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  const bytes = body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);

  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may answer (413) and close before it has read the whole body: keep the answer.
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      const data = Buffer.concat(chunks);
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP answer (${failure?.message ?? 'connection closed'}): ${JSON.stringify(data.toString('latin1'))}`));
        return;
      }
      const lines = data.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = data.subarray(split + 4);
      const payload = headers['transfer-encoding']?.toLowerCase() === 'chunked' ? dechunk(rest) : rest;
      resolve({ status, headers, body: payload.toString('utf8'), raw: data.toString('latin1').slice(0, 2_000) });
    });
    socket.write(bytes);
  });
}

/** Why an answer is not an acceptable refusal; undefined when it is. */
function refusalFault(response: RawResponse): string | undefined {
  if (!(response.status >= 400 && response.status < 500)) return `status ${response.status}`;
  if (!/^application\/problem\+json\b/.test(response.headers['content-type'] ?? ''))
    return `content-type ${response.headers['content-type']}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  const extra = Object.keys(body).filter((key) => !PROBLEM_KEYS.has(key));
  if (extra.length > 0) return `keys outside the problem schema: ${extra.join(', ')}`;
  if (!problemResponse.safeParse(body).success) return 'not a problem body';
  if (body.status !== response.status) return `body status ${String(body.status)}`;
  const type = String(body.type);
  if (!type.startsWith(PROBLEM_PREFIX)) return `type ${type}`;
  const known = problemTypes[type.slice(PROBLEM_PREFIX.length) as ProblemType] as { status: number } | undefined;
  if (known?.status !== response.status) return `type ${type} does not go with ${response.status}`;
  if (INTERNALS.test(response.body)) return 'internals in the body';
  return undefined;
}

// ---------------------------------------------------------------------------------------
// What makes a claim body malformed: it fails the schema, or the library refuses it
// (a seat off the 4 × 6 grid, a seat listed twice). The generators only produce those.

function rejectedClaim(value: unknown): boolean {
  const parsed = claimBody.safeParse(value);
  if (!parsed.success) return true;
  if (!('seats' in parsed.data)) return false;
  const labels = parsed.data.seats.map((s) => `${s.row}:${s.col}`);
  return parsed.data.seats.some((s) => s.row > ROWS || s.col > COLS) || new Set(labels).size !== labels.length;
}

function rejectedClaimText(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return true;
  }
  // The JSON parser is strict: only objects and arrays are bodies.
  return typeof value !== 'object' || value === null || rejectedClaim(value);
}

function rejectedEventText(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value !== 'object' || value === null || !createEventBody.safeParse(value).success;
  } catch {
    return true;
  }
}

const JSON_TYPE = ['Content-Type', 'application/json'] as const;

const freeSeat = fc.constantFrom(...FREE_SEATS);
const freeSeats = fc.uniqueArray(freeSeat, { minLength: 1, maxLength: 4, selector: (s) => `${s.row}:${s.col}` });
/** A body that would claim seats if the request around it were let through. */
const goodClaim = fc.oneof(
  fc.record({ quantity: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ quantity: fc.integer({ min: 1, max: 3 }), allowSplit: fc.boolean() }),
  freeSeats.map((seats) => ({ seats })),
);
const goodClaimText = goodClaim.map((body) => JSON.stringify(body));
const goodUser = fc.oneof(fc.constant('fuzzer'), fc.stringMatching(/^[A-Za-z0-9 ._@+-]{1,40}$/)).map((s) => `fz-${s}`);
const claimKind = fc.constantFrom('holds', 'bookings');

const badNumber = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 101 }),
  fc.integer({ min: 1_001, max: 2 ** 31 }),
  fc.double({ noDefaultInfinity: false }).filter((n) => !Number.isInteger(n)),
  fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2, 1e21, 0.5, 1.5, -1),
  fc.string({ maxLength: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat({ max: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.nat(), { maxKeys: 2 }),
);
/** Numbers written raw into the JSON text, each one not a whole number of 1..100 once parsed. */
const badNumberToken = fc.constantFrom(
  '0',
  '-0',
  '-1',
  '1.5',
  '0.1',
  '99.99',
  '101',
  '1e3',
  '1e400',
  '-1e400',
  '9007199254740993',
  '1e-7',
  '0e0',
);
/** A coordinate that fails the schema (1..1000 whole numbers). */
const badCoordinate = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 1_001 }),
  fc.double().filter((n) => !Number.isInteger(n)),
  fc.constantFrom(Number.NaN, '1', true, null, [1], {}),
);
const coordinate = fc.integer({ min: 1, max: 6 });

const badSeat = fc.oneof(
  fc.record({ row: badCoordinate, col: coordinate }),
  fc.record({ row: coordinate, col: badCoordinate }),
  fc.record({ row: coordinate }),
  fc.record({ col: coordinate }),
  fc.constant({}),
  fc.record({ row: coordinate, col: coordinate, extra: fc.jsonValue({ maxDepth: 1 }) }),
  fc.constantFrom(null, 'A1', [1, 1], 3, true),
  // On the schema's range but off this 4 × 6 grid.
  fc.record({ row: fc.integer({ min: ROWS + 1, max: 1_000 }), col: coordinate }),
  fc.record({ row: fc.integer({ min: 1, max: ROWS }), col: fc.integer({ min: COLS + 1, max: 1_000 }) }),
);

/** A valid seat list with one bad seat put in at any place, or a duplicate. */
const badSeatList = fc.oneof(
  fc.tuple(fc.array(freeSeat, { maxLength: 4 }), badSeat, fc.nat()).map(([seats, bad, at]) => {
    const list: unknown[] = [...new Map(seats.map((s) => [`${s.row}:${s.col}`, s])).values()];
    list.splice(at % (list.length + 1), 0, bad);
    return list;
  }),
  fc.tuple(freeSeats, fc.nat()).map(([seats, at]) => {
    const list: unknown[] = [...seats];
    list.splice(at % (list.length + 1), 0, seats[at % seats.length]);
    return list;
  }),
  fc.constant([]),
  // Huge arrays: over the 100-seat cap, and past the body limit too at the top end.
  fc.integer({ min: 101, max: 1_500 }).map((n) => Array.from({ length: n }, (_, i) => FREE_SEATS[i % FREE_SEATS.length])),
  fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null), fc.constant({ row: 3, col: 1 }), fc.boolean()),
);

const badClaimValue = fc
  .oneof(
    badNumber.map((quantity) => ({ quantity })),
    fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)))
      .map(([quantity, allowSplit]) => ({
        quantity,
        allowSplit,
      })),
    badSeatList.map((seats) => ({ seats })),
    // Both kinds at once, or allowSplit with listed seats.
    fc.tuple(freeSeats, fc.integer({ min: 1, max: 3 })).map(([seats, quantity]) => ({ seats, quantity })),
    freeSeats.map((seats) => ({ seats, allowSplit: true })),
    fc.constantFrom({}, [], [{ quantity: 1 }], { seats: null, quantity: null }),
  )
  .filter(rejectedClaim);

const brokenJson = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '{"quantity":',
    '{"quantity":1,}',
    '{quantity:1}',
    "{'quantity':1}",
    '{"quantity":NaN}',
    '{"quantity":Infinity}',
    '{"quantity":0x10}',
    '{"quantity":01}',
    '{"quantity":+1}',
    '{"quantity":1}}',
    '{"quantity":1} x',
    '[1,]',
    'null',
    'true',
    '1',
    '"quantity"',
    'undefined',
    '\u0000',
    '{"quantity":"\u0000"}',
    '',
  ),
  goodClaimText.chain((text) => fc.integer({ min: 1, max: text.length - 1 }).map((n) => text.slice(0, n))),
  fc.tuple(goodClaimText, fc.string({ minLength: 1, maxLength: 8 })).map(([text, junk]) => text + junk),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Object text with one key that the schema does not know (written by hand: "__proto__" too). */
const unknownKeyBody = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'mode',
        'holdTtlMs',
        'userId',
        'eventId',
        'holdId',
        'Quantity',
        'seat',
        '',
      ),
      fc.string({ maxLength: 12 }),
    ),
    fc.jsonValue({ maxDepth: 2 }),
    goodClaim,
  )
  .filter(([key, , claim]) => !(key in claim) && key !== 'allowSplit' && key !== 'quantity' && key !== 'seats')
  .map(([key, value, claim]) => `${JSON.stringify(claim).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`);

const claimBodyText = fc
  .oneof(
    { weight: 3, arbitrary: badClaimValue.map((value) => JSON.stringify(value) ?? 'null') },
    badNumberToken.map((token) => `{"quantity":${token}}`),
    fc.tuple(badNumberToken, coordinate).map(([token, col]) => `{"seats":[{"row":${token},"col":${col}}]}`),
    { weight: 2, arbitrary: brokenJson },
    unknownKeyBody,
  )
  .filter(rejectedClaimText);

interface Target {
  readonly eventId: string;
  readonly holdId: string;
  readonly bookingId: string;
}

/** All the malformed requests, by kind; each carries at least one defect. */
function malformedRequest(target: Target): fc.Arbitrary<RawRequest> {
  const { eventId, holdId, bookingId } = target;
  const claimPath = claimKind.map((kind) => `/events/${eventId}/${kind}`);

  const badBody = fc
    .tuple(claimPath, goodUser, claimBodyText)
    .map(
      ([path, user, body]): RawRequest => ({ label: 'claim body', method: 'POST', path, headers: [JSON_TYPE, ['X-User-Id', user]], body }),
    );

  const badUser = fc
    .tuple(
      claimPath,
      goodClaimText,
      fc.oneof(
        fc.constant(undefined),
        fc.constantFrom('', ' ', '\t', '   \t '),
        fc.string({ minLength: 129, maxLength: 3_000, unit: fc.constantFrom(...'abcXYZ019 -_.') }),
        fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z]{1,10}$/)).map(([a, b]) => `${a}\t${b}`),
      ),
    )
    .map(
      ([path, body, user]): RawRequest => ({
        label: user === undefined ? 'no X-User-Id' : 'bad X-User-Id',
        method: 'POST',
        path,
        headers: user === undefined ? [JSON_TYPE] : [JSON_TYPE, ['X-User-Id', user]],
        body,
      }),
    );

  const badKey = fc
    .tuple(
      claimPath,
      goodUser,
      goodClaimText,
      fc.oneof(
        fc.constantFrom('', ' ', 'has space', 'tab\there', 'caf\xe9', '\xff\xfe'),
        fc.string({ minLength: 256, maxLength: 2_000, unit: fc.constantFrom(...'abcdefXYZ0123!~') }),
        fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/)).map(([a, b]) => [a, b] as const),
      ),
    )
    .map(
      ([path, user, body, key]): RawRequest => ({
        label: 'bad Idempotency-Key',
        method: 'POST',
        path,
        headers: [
          JSON_TYPE,
          ['X-User-Id', user],
          ...(typeof key === 'string' ? [['Idempotency-Key', key] as const] : key.map((k) => ['Idempotency-Key', k] as const)),
        ],
        body,
      }),
    );

  const badContentType = fc
    .tuple(
      claimPath,
      goodUser,
      goodClaimText,
      fc.constantFrom(
        undefined,
        '',
        'text/plain',
        'text/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/jsonx',
        'application/vnd.api+json',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'json',
        'application/*',
      ),
    )
    .map(
      ([path, user, body, type]): RawRequest => ({
        label: 'bad Content-Type',
        method: 'POST',
        path,
        headers:
          type === undefined
            ? [['X-User-Id', user]]
            : [
                ['Content-Type', type],
                ['X-User-Id', user],
              ],
        body,
      }),
    );

  const badEncoding = fc.tuple(claimPath, goodUser, goodClaimText, fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip')).map(
    ([path, user, body, encoding]): RawRequest => ({
      label: 'bad Content-Encoding',
      method: 'POST',
      path,
      headers: [JSON_TYPE, ['Content-Encoding', encoding], ['X-User-Id', user]],
      body,
    }),
  );

  const oversized = fc
    .tuple(fc.oneof(claimPath, fc.constant('/events')), goodUser, fc.integer({ min: 16_400, max: 40_000 }), fc.constantFrom('pad', 'seats'))
    .map(
      ([path, user, size, shape]): RawRequest => ({
        label: 'oversized body',
        method: 'POST',
        path,
        headers: [JSON_TYPE, ['X-User-Id', user], ['Authorization', `Bearer ${ADMIN_TOKEN}`]],
        body:
          shape === 'pad'
            ? JSON.stringify({ quantity: 1, pad: 'x'.repeat(size) })
            : JSON.stringify({ seats: Array.from({ length: Math.ceil(size / 17) }, (_, i) => FREE_SEATS[i % FREE_SEATS.length]) }),
      }),
    );

  // Ids that fail the id pattern, raw in the path; and unknown ids that pass it.
  const badId = fc.oneof(
    fc.constantFrom('.', '..', 'a.b', '%00', '%', '%E0%A4%A', '%2F', 'a%20b', '%C3%A9', '~x', 'a:b', "'", '%27%20OR%201=1', '*'),
    fc.string({ minLength: 65, maxLength: 300, unit: fc.constantFrom(...'abcXYZ019-_') }),
    fc
      .string({ minLength: 1, maxLength: 20 })
      .map((s) => encodeURIComponent(s))
      .filter((s) => s !== '' && !/^[A-Za-z0-9_-]+$/.test(s)),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((s) => `zz${s}`.slice(0, 64)),
  );
  const badEventPath = fc
    .tuple(badId, fc.constantFrom('', '/seats', '/holds', '/bookings'), goodUser, goodClaimText)
    .map(
      ([id, tail, user, body]): RawRequest =>
        tail === '' || tail === '/seats'
          ? { label: 'bad event id', method: 'GET', path: `/events/${id}${tail}`, headers: [['X-User-Id', user]] }
          : { label: 'bad event id', method: 'POST', path: `/events/${id}${tail}`, headers: [JSON_TYPE, ['X-User-Id', user]], body },
    );
  const badHoldPath = fc
    .tuple(badId, fc.constantFrom(['POST', '/holds/', '/confirm'], ['DELETE', '/holds/', ''], ['DELETE', '/bookings/', '']), goodUser)
    .map(
      ([id, [method, prefix, suffix], user]): RawRequest => ({
        label: 'bad hold id',
        method,
        path: `${prefix}${id}${suffix}`,
        headers: [['X-User-Id', user]],
      }),
    );

  // Someone else's hold or booking (404), the owner asking the wrong thing (409), no user (400).
  const notYours = fc
    .tuple(
      fc.constantFrom(
        ['POST', `/holds/${holdId}/confirm`],
        ['DELETE', `/holds/${holdId}`],
        ['DELETE', `/bookings/${holdId}`],
        ['POST', `/holds/${bookingId}/confirm`],
        ['DELETE', `/holds/${bookingId}`],
        ['DELETE', `/bookings/${bookingId}`],
      ),
      fc.oneof(goodUser, fc.constant(undefined), fc.constant(OWNER.toUpperCase()), fc.constant(`${OWNER}x`)),
    )
    .map(
      ([[method, path], user]): RawRequest => ({
        label: user === undefined ? 'hold op without user' : "someone else's hold",
        method,
        path,
        headers: user === undefined ? [] : [['X-User-Id', user]],
      }),
    );
  const ownerWrongState = fc
    .constantFrom(['DELETE', `/bookings/${holdId}`], ['DELETE', `/holds/${bookingId}`])
    .map(([method, path]): RawRequest => ({ label: 'owner, wrong state', method, path, headers: [['X-User-Id', OWNER]] }));

  const wrongMethod = fc
    .tuple(
      fc.constantFrom(
        ['GET', `/events/${eventId}/holds`],
        ['PUT', `/events/${eventId}/holds`],
        ['PATCH', `/events/${eventId}/bookings`],
        ['GET', `/events/${eventId}/bookings`],
        ['DELETE', `/events/${eventId}`],
        ['PUT', `/events/${eventId}`],
        ['POST', `/events/${eventId}`],
        ['POST', `/events/${eventId}/seats`],
        ['DELETE', `/events/${eventId}/seats`],
        ['GET', `/holds/${holdId}/confirm`],
        ['PUT', `/holds/${holdId}`],
        ['POST', `/holds/${holdId}`],
        ['POST', `/bookings/${bookingId}`],
        ['PATCH', `/bookings/${bookingId}`],
        ['POST', `/events/${eventId}/seats/stream`],
        ['PUT', '/events'],
        ['DELETE', '/events'],
        ['POST', '/healthz'],
        ['DELETE', '/metrics'],
        ['PUT', '/openapi.json'],
        ['TRACE', `/events/${eventId}`],
      ),
      fc.oneof(goodUser, fc.constant(OWNER)),
      fc.option(goodClaimText, { nil: undefined }),
    )
    .map(
      ([[method, path], user, body]): RawRequest => ({
        label: 'wrong method',
        method,
        path,
        headers: body === undefined || method === 'TRACE' ? [['X-User-Id', user]] : [JSON_TYPE, ['X-User-Id', user]],
        ...(body === undefined || method === 'TRACE' ? {} : { body }),
      }),
    );

  const unknownPath = fc
    .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.stringMatching(/^[a-z0-9/._-]{0,30}$/), goodUser)
    .map(
      ([method, tail, user]): RawRequest => ({
        label: 'unknown route',
        method,
        path: `/x-${tail}`,
        headers: [['X-User-Id', user]],
      }),
    );

  const createEventText = fc
    .oneof(
      fc
        .record(
          {
            name: fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('', '   ', 'x'.repeat(201)), fc.integer()),
            rows: fc.oneof(coordinate, badCoordinate),
            cols: fc.oneof(coordinate, badCoordinate),
            maxSeatsPerUser: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), fc.string({ maxLength: 2 })),
            holdTtlSeconds: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double(), fc.constant(null)),
            extra: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      brokenJson,
    )
    .filter(rejectedEventText);
  const badCreate = fc
    .tuple(
      fc.oneof(
        fc.constant(undefined),
        fc.constantFrom(
          '',
          'Bearer',
          'Bearer ',
          `Bearer ${ADMIN_TOKEN}x`,
          `Bearer  ${ADMIN_TOKEN}`,
          `bearer ${ADMIN_TOKEN}`,
          `Token ${ADMIN_TOKEN}`,
          ADMIN_TOKEN,
        ),
        fc.string({ maxLength: 40, unit: fc.constantFrom(...'abcXYZ0123456789-_ ') }).map((s) => `Bearer ${s}`),
      ),
      fc.constant(JSON.stringify({ name: 'fuzz', rows: 1, cols: 1 })),
    )
    .map(
      ([auth, body]): RawRequest => ({
        label: 'POST /events without the admin token',
        method: 'POST',
        path: '/events',
        headers: auth === undefined ? [JSON_TYPE] : [JSON_TYPE, ['Authorization', auth]],
        body,
      }),
    );
  const badEventBody = createEventText.map(
    (body): RawRequest => ({
      label: 'POST /events bad body',
      method: 'POST',
      path: '/events',
      headers: [JSON_TYPE, ['Authorization', `Bearer ${ADMIN_TOKEN}`]],
      body,
    }),
  );

  return fc.oneof(
    { weight: 8, arbitrary: badBody },
    { weight: 2, arbitrary: badUser },
    { weight: 2, arbitrary: badKey },
    { weight: 2, arbitrary: badContentType },
    { weight: 1, arbitrary: badEncoding },
    { weight: 1, arbitrary: oversized },
    { weight: 2, arbitrary: badEventPath },
    { weight: 2, arbitrary: badHoldPath },
    { weight: 2, arbitrary: notYours },
    { weight: 1, arbitrary: ownerWrongState },
    { weight: 2, arbitrary: wrongMethod },
    { weight: 1, arbitrary: unknownPath },
    { weight: 1, arbitrary: badCreate },
    { weight: 2, arbitrary: badEventBody },
  );
}

// ---------------------------------------------------------------------------------------

describe('malformed requests', () => {
  let api: RunningApi;
  let port: number;
  let target: Target;
  let mapBefore: string;
  let eventBefore: string;

  const snapshot = async (): Promise<[string, string]> => {
    const map = await api.request('GET', `/events/${target.eventId}/seats`);
    const event = await api.request('GET', `/events/${target.eventId}`);
    assert.equal(map.status, 200);
    assert.equal(event.status, 200);
    return [await map.text(), await event.text()];
  };

  before(async () => {
    // Rate limiting off, so every request reaches the checks behind the limiter.
    api = await startApi('admission', { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' });
    port = Number(new URL(api.baseUrl).port);
    const event = await api.createEvent({ name: 'Fuzz target', rows: ROWS, cols: COLS });
    const owner = { 'x-user-id': OWNER };
    const hold = await api.request('POST', `/events/${event.id}/holds`, {
      body: {
        seats: [
          { row: 1, col: 1 },
          { row: 1, col: 2 },
        ],
      },
      headers: owner,
    });
    const booking = await api.request('POST', `/events/${event.id}/bookings`, { body: { seats: [{ row: 2, col: 3 }] }, headers: owner });
    assert.equal(hold.status, 201);
    assert.equal(booking.status, 201);
    target = {
      eventId: event.id,
      holdId: ((await hold.json()) as { holdId: string }).holdId,
      bookingId: ((await booking.json()) as { bookingId: string }).bookingId,
    };
    [mapBefore, eventBefore] = await snapshot();
    assert.deepEqual(JSON.parse(mapBefore).grid, ['HH....', '..S...', '......', '......']);
  });

  test(`${RUNS} generated malformed requests: all 4xx problem+json, no 5xx, the seat map unchanged`, async (t) => {
    t.diagnostic(`fast-check seed ${SEED} (set FUZZ_SEED to replay, FUZZ_RUNS for another count)`);
    console.log(`# malformed-requests: fast-check seed ${SEED}, ${RUNS} runs`);
    const tally = new Map<string, number>();
    const statuses = new Map<number, number>();
    const property = fc.asyncProperty(malformedRequest(target), async (request) => {
      const response = await send(port, request);
      tally.set(request.label, (tally.get(request.label) ?? 0) + 1);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const fault = refusalFault(response);
      assert.equal(fault, undefined, `${request.label}: ${fault}\n${response.raw}`);
      const [map, event] = await snapshot();
      assert.equal(map, mapBefore, `${request.label}: the seat map changed`);
      assert.equal(event, eventBefore, `${request.label}: the event changed`);
    });
    await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: true });
    t.diagnostic(`requests by kind: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    t.diagnostic(`answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    assert.equal([...statuses.keys()].filter((status) => status >= 500).length, 0);
    const [map] = await snapshot();
    assert.equal(map, mapBefore);
  });

  // Known bug (see the report): requests Node's HTTP parser refuses before Express sees them
  // are answered with a bare "400 Bad Request" (or 431) and no body: not problem+json. The
  // server (server.ts, and harness.ts, which mirrors it) needs a 'clientError' handler.
  test('requests refused by the HTTP parser are problem+json too (control characters in a header, huge headers, no Host)', async () => {
    const body = JSON.stringify({ quantity: 1 });
    const claim = (label: string, user: string): RawRequest => ({
      label,
      method: 'POST',
      path: `/events/${target.eventId}/holds`,
      headers: [JSON_TYPE, ['X-User-Id', user]],
      body,
    });
    const requests: RawRequest[] = [
      claim('X-User-Id with \\x01', 'a\x01b'),
      claim('X-User-Id with \\x1b', 'a\x1bb'),
      claim('X-User-Id with \\x7f', 'a\x7fb'),
      claim('X-User-Id with \\x00', 'a\x00b'),
      claim('X-User-Id of 20 KB', 'u'.repeat(20_000)),
      { ...claim('no Host header', 'fz-nohost'), noHost: true },
    ];
    const faults: string[] = [];
    for (const request of requests) {
      const response = await send(port, request);
      const fault = refusalFault(response);
      if (fault !== undefined) faults.push(`${request.label}: ${fault} (${JSON.stringify(response.raw.split('\r\n')[0])})`);
    }
    const [map] = await snapshot();
    assert.equal(map, mapBefore, 'the seat map changed');
    assert.deepEqual(faults, []);
  });

  // Known bug (see the report): Node joins repeated X-User-Id headers into "a, b", which
  // passes the check meant to demand exactly one header, and claims as the user "a, b".
  test('two X-User-Id headers are refused (400), not joined into one user', async () => {
    const response = await send(port, {
      label: 'two X-User-Id headers',
      method: 'POST',
      path: `/events/${target.eventId}/holds`,
      headers: [JSON_TYPE, ['X-User-Id', 'fz-alice'], ['X-User-Id', 'fz-bob']],
      body: JSON.stringify({ seats: [{ row: 4, col: 6 }] }),
    });
    const [map] = await snapshot();
    if (map !== mapBefore) {
      // Put the target back for any later test: release what the joined user got.
      const { holdId } = JSON.parse(response.body) as { holdId: string };
      await api.request('DELETE', `/holds/${holdId}`, { headers: { 'x-user-id': 'fz-alice, fz-bob' } });
    }
    assert.equal(response.status, 400, response.raw);
    assert.equal(refusalFault(response), undefined);
    assert.equal(JSON.parse(response.body).field, 'X-User-Id');
    assert.equal(map, mapBefore, 'the seat map changed');
  });
});
