// What the API tests share: body types derived from the zod schemas (schemas.ts), test users
// and seats, and the assertions every answer is held to (JSON or RFC 9457 problem).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { problemTypes, problemUri, type ProblemType } from '../src/problems.ts';
import { bookingResponse, holdResponse, problemResponse, type seatMapResponse, type seatSchema } from '../src/schemas.ts';
import type { RunningApi } from './harness.ts';

export type Seat = z.infer<typeof seatSchema>;
export type SeatMapBody = z.infer<typeof seatMapResponse>;
export type HoldBody = z.infer<typeof holdResponse>;
export type BookingBody = z.infer<typeof bookingResponse>;
export type ProblemBody = z.infer<typeof problemResponse>;

/** An answer already read: what a problem assertion needs of it. */
export interface ReadAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

const PROBLEM_KEYS = new Set(Object.keys(problemResponse.shape));
/** What must never leak into an answer: stack frames, source paths, drivers, SQL, Redis. */
const INTERNALS =
  /node_modules|\/work\/|\.(?:ts|js|cjs|mjs):\d+|\n\s+at |\bat [\w$.<>]+ \(|ECONN|EPIPE|ioredis|kysely|\bpg\b|postgres|redis|\bselect\b.*\bfrom\b|\binsert into\b|\blua\b/i;

/** A fresh X-User-Id header for a user called `name`. */
export const user = (name: string) => ({ 'x-user-id': `${name}-${randomUUID().slice(0, 8)}` });
export const seat = (row: number, col: number): Seat => ({ row, col });

/** Every route that acts as a user, with a body where it takes one: for checks that must hold on each. */
export function userRoutes(eventId: string, holdId: string): readonly (readonly ['POST' | 'DELETE', string, unknown])[] {
  return [
    ['POST', `/events/${eventId}/holds`, { quantity: 1 }],
    ['POST', `/events/${eventId}/bookings`, { quantity: 1 }],
    ['POST', `/holds/${holdId}/confirm`, undefined],
    ['DELETE', `/holds/${holdId}`, undefined],
    ['DELETE', `/bookings/${holdId}`, undefined],
  ];
}

/** Asserts an answer is `status` application/json and returns its body. */
export async function expectJson<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/);
  return JSON.parse(text) as T;
}

/**
 * Asserts an answer already read is the named problem: its status and title from problems.ts,
 * application/problem+json, no key outside the problem schema, nothing internal in it.
 */
export function assertProblem(answer: ReadAnswer, type: ProblemType): ProblemBody {
  const { text } = answer;
  const { status, title } = problemTypes[type];
  assert.equal(answer.status, status, `expected ${status} ${type}, got ${answer.status}: ${text}`);
  assert.match(answer.contentType, /^application\/problem\+json\b/, `content-type of ${text}`);
  const body = JSON.parse(text) as ProblemBody;
  for (const key of Object.keys(body)) assert.ok(PROBLEM_KEYS.has(key), `unexpected problem key ${key} in ${text}`);
  assert.ok(problemResponse.strict().safeParse(body).success, `not a problem body: ${text}`);
  assert.equal(body.type, problemUri(type));
  assert.equal(body.title, title);
  assert.equal(body.status, status);
  assert.equal(typeof body.instance, 'string');
  assert.doesNotMatch(text, INTERNALS, `internals in ${text}`);
  assert.ok(!('stack' in body));
  return body;
}

/** Asserts an answer is the named problem (see assertProblem) and returns its body. */
export async function expectProblem(response: Response, type: ProblemType): Promise<ProblemBody> {
  const contentType = response.headers.get('content-type') ?? '';
  return assertProblem({ status: response.status, contentType, text: await response.text() }, type);
}

/** GET /events/:id/seats, asserted 200 application/json. */
export async function seatMap(api: RunningApi, eventId: string): Promise<SeatMapBody> {
  return expectJson<SeatMapBody>(await api.request('GET', `/events/${eventId}/seats`), 200);
}

/** POST /events/:id/holds as `who`, asserted 201 and a hold body. */
export async function hold(api: RunningApi, eventId: string, who: Record<string, string>, body: unknown): Promise<HoldBody> {
  const response = await api.request('POST', `/events/${eventId}/holds`, { body, headers: who });
  const granted = await expectJson<HoldBody>(response, 201);
  assert.ok(holdResponse.safeParse(granted).success, JSON.stringify(granted));
  return granted;
}

/** POST /events/:id/bookings as `who`, asserted 201 and a booking body. */
export async function book(api: RunningApi, eventId: string, who: Record<string, string>, body: unknown): Promise<BookingBody> {
  const response = await api.request('POST', `/events/${eventId}/bookings`, { body, headers: who });
  const booking = await expectJson<BookingBody>(response, 201);
  assert.ok(bookingResponse.safeParse(booking).success, JSON.stringify(booking));
  return booking;
}

/** Polls until `probe` answers something other than undefined; fails after the deadline. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
