// Ids are validated before use: a path id that is too long or has odd characters (a Redis
// hash tag, a key separator, a quote, a NUL, a path) is 400 invalid-input naming the field,
// before any Redis key or SQL query exists: the stores behind this app record every touch.
// So do malformed X-User-Id and Idempotency-Key headers, and (JWT identity) bad tokens.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { SeatGrid } from '@seatgrid/admission';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AppDependencies } from '../src/app-dependencies.ts';
import type { RateLimiter } from '../src/rate-limiter.ts';
import { serveApp, testConfig, type RunningApi } from './harness.ts';
import { expectProblem } from './http-assertions.ts';
import { JWT_ENV, signToken } from './jwt-tokens.ts';

/** A stand-in that records each method called on it and fails the request. */
function untouchable<T>(name: string, touched: string[]): T {
  return new Proxy(
    {},
    {
      get(_target, property) {
        if (property === 'then' || typeof property === 'symbol') return undefined;
        return () => {
          touched.push(`${name}.${property}`);
          throw new Error(`${name}.${property} was reached`);
        };
      },
    },
  ) as T;
}

/** The app with every store replaced by an untouchable; the limiter records and lets through. */
async function guardedApp(env: Record<string, string>, touched: string[]): Promise<RunningApi> {
  const limiter = { take: async () => void touched.push('rateLimiter.take') } as unknown as RateLimiter;
  const deps: AppDependencies = {
    config: testConfig(env),
    grid: untouchable<SeatGrid>('grid', touched),
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    rateLimiter: limiter,
    payment: untouchable('payment', touched),
    readiness: untouchable('readiness', touched),
  };
  return serveApp(deps);
}

const ODD_IDS = [
  'x'.repeat(65),
  'x'.repeat(4_000),
  '{ev:x}',
  '%7Bev%3Ax%7D',
  'a:b',
  "a'b",
  'a%22%3B%20drop%20table%20events',
  'a.b',
  '..%2F..%2Fetc%2Fpasswd',
  'a%20b',
  'a%00b',
  'a%0Ab',
  '%C3%A9',
  '%F0%9F%8E%AB',
  '*',
];

/** Each route with a path id, the field its id is named by, and what else it needs. */
const ROUTES = [
  ['GET', (id: string) => `/events/${id}`, 'eventId', undefined],
  ['GET', (id: string) => `/events/${id}/seats`, 'eventId', undefined],
  ['POST', (id: string) => `/events/${id}/holds`, 'eventId', { quantity: 1 }],
  ['POST', (id: string) => `/events/${id}/bookings`, 'eventId', { quantity: 1 }],
  ['POST', (id: string) => `/holds/${id}/confirm`, 'holdId', undefined],
  ['DELETE', (id: string) => `/holds/${id}`, 'holdId', undefined],
  ['DELETE', (id: string) => `/bookings/${id}`, 'bookingId', undefined],
] as const;

describe('ids validated before use', () => {
  const touched: string[] = [];
  let api: RunningApi;

  before(async () => {
    api = await guardedApp({}, touched);
  });

  test('odd or over-long path ids: 400 naming the field, and no store or limiter touched', async () => {
    for (const id of ODD_IDS) {
      for (const [method, path, field, body] of ROUTES) {
        const response = await api.request(method, path(id), { ...(body === undefined ? {} : { body }), headers: { 'x-user-id': 'u-1' } });
        const problem = await expectProblem(response, 'invalid-input');
        assert.equal(problem.field, field, `${method} ${path(id)}`);
      }
    }
    assert.deepEqual(touched, []);
  });

  test('malformed X-User-Id and Idempotency-Key: 400 naming the header, no store touched', async () => {
    const badUsers = ['', 'u'.repeat(129)];
    for (const userId of badUsers) {
      for (const [method, path, , body] of ROUTES.slice(2)) {
        const response = await api.request(method, path('ok-id'), {
          ...(body === undefined ? {} : { body }),
          headers: { 'x-user-id': userId },
        });
        assert.equal((await expectProblem(response, 'invalid-input')).field, 'X-User-Id');
      }
    }
    assert.deepEqual(touched, [], 'the user id is checked before it names a rate-limit bucket');
    for (const key of ['', 'has space', 'k'.repeat(256), 'é']) {
      for (const kind of ['holds', 'bookings']) {
        const response = await api.request('POST', `/events/ok-id/${kind}`, {
          body: { quantity: 1 },
          headers: { 'x-user-id': 'u-1', 'idempotency-key': key },
        });
        assert.equal((await expectProblem(response, 'invalid-input')).field, 'Idempotency-Key');
      }
    }
    assert.ok(
      touched.every((what) => what === 'rateLimiter.take'),
      `only the limiter, by a valid user id: ${touched.join(', ')}`,
    );
  });

  test('JWT identity: a bad token is 401 before any store or limiter', async () => {
    const jwtTouched: string[] = [];
    const jwtApi = await guardedApp(JWT_ENV, jwtTouched);
    const expired = await signToken('late', { claims: { exp: Math.floor(Date.now() / 1_000) - 60 } });
    for (const headers of [{}, { 'x-user-id': 'u-1' }, { authorization: `Bearer ${expired}` }]) {
      for (const [method, path, , body] of ROUTES.slice(2)) {
        await expectProblem(
          await jwtApi.request(method, path('ok-id'), { ...(body === undefined ? {} : { body }), headers }),
          'unauthenticated',
        );
      }
    }
    assert.deepEqual(jwtTouched, []);
  });
});
