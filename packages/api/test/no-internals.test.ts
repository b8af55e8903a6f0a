// No internals in errors: when PostgreSQL is unreachable, when it fails with its own message,
// or when a dependency throws something revealing, the client gets a bare 503 or 500 problem
// (no stack, SQL, host, port or driver message) while the log keeps the detail for operators.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoadConflictError, createSeatGrid } from '@seatgrid/admission';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AppDependencies } from '../src/app-dependencies.ts';
import { sparePort } from '../src/child/index.ts';
import { mockPayment } from '../src/payment.ts';
import type { ProblemType } from '../src/problems.ts';
import { RateLimiter } from '../src/rate-limiter.ts';
import { ADMIN_TOKEN, serveApp, startApi, testConfig, type RunningApi } from './harness.ts';
import { expectProblem, hold, seat, seatMap, user } from './http-assertions.ts';

/** A logger whose lines the test can read. */
function capturedLogger() {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }) };
}

/**
 * The app on a PostgreSQL connection string and schema of the test's choosing, nothing else
 * behind it: no migration, no background jobs.
 */
async function appOnDatabase(connectionString: string, schema?: string): Promise<{ api: RunningApi; logs: string[] }> {
  const registry = new Registry();
  const grid = createSeatGrid({
    strategy: 'pessimistic',
    database: { connectionString, max: 2 },
    metrics: { registry },
    sweeper: false,
    ...(schema === undefined ? {} : { schema }),
  });
  const { lines, logger } = capturedLogger();
  const deps: AppDependencies = {
    config: testConfig({ BOOKING_STRATEGY: 'pessimistic' }),
    grid,
    registry,
    logger,
    rateLimiter: new RateLimiter(undefined, { user: { perSecond: 0, burst: 1 }, address: { perSecond: 0, burst: 1 } }),
    payment: mockPayment(1, 0),
    readiness: async () => {
      throw new Error('not asked');
    },
  };
  return { api: await serveApp(deps, () => grid.close()), logs: lines };
}

/** Every route that reaches PostgreSQL, with what it needs to get there. */
const ROUTES: readonly (readonly [string, string, unknown, Record<string, string>])[] = [
  ['POST', '/events', { name: 'Gig', rows: 1, cols: 1 }, { authorization: `Bearer ${ADMIN_TOKEN}` }],
  ['GET', '/events/ev-1', undefined, {}],
  ['GET', '/events/ev-1/seats', undefined, {}],
  ['POST', '/events/ev-1/holds', { quantity: 1 }, { 'x-user-id': 'u-1' }],
  ['POST', '/events/ev-1/bookings', { seats: [seat(1, 1)] }, { 'x-user-id': 'u-1' }],
  ['POST', '/holds/h-1/confirm', undefined, { 'x-user-id': 'u-1' }],
  ['DELETE', '/holds/h-1', undefined, { 'x-user-id': 'u-1' }],
  ['DELETE', '/bookings/b-1', undefined, { 'x-user-id': 'u-1' }],
];

/** Sends every route; each must be the bare `type` problem with none of `secrets` in it. */
async function expectBareProblems(api: RunningApi, type: ProblemType, secrets: readonly string[]): Promise<void> {
  for (const [method, path, body, headers] of ROUTES) {
    const response = await api.request(method, path, { ...(body === undefined ? {} : { body }), headers });
    const retryAfter = response.headers.get('retry-after');
    const text = await response.clone().text();
    const problem = await expectProblem(response, type);
    assert.deepEqual(Object.keys(problem).sort(), ['instance', 'status', 'title', 'type'], `${method} ${path}: ${text}`);
    for (const secret of secrets) assert.ok(!text.includes(secret), `${method} ${path} tells "${secret}": ${text}`);
    if (type === 'unavailable') assert.equal(retryAfter, '1');
  }
}

describe('no internals in errors', () => {
  test('PostgreSQL unreachable: 503 unavailable with Retry-After, no host, port or driver message', async () => {
    const port = await sparePort();
    const { api, logs } = await appOnDatabase(`postgres://hidden_role@127.0.0.1:${port}/hidden_database`);
    await expectBareProblems(api, 'unavailable', ['127.0.0.1', String(port), 'ECONNREFUSED', 'connect', 'hidden_role', 'hidden_database']);
    // Temporary failures are answers, not crashes: nothing logged as a failed request.
    assert.deepEqual(logs, []);
  });

  test("PostgreSQL's own error (a missing relation): 500 internal, no SQL, no relation name; the log has it", async () => {
    // A schema never migrated: every table SeatGrid names is missing there.
    const { api, logs } = await appOnDatabase(testConfig().databaseUrl, 'no_such_schema');
    // The admin token is valid, so POST /events reaches PostgreSQL too.
    await expectBareProblems(api, 'internal', ['relation', 'does not exist', '42P01', 'no_such_schema', 'select', 'from "']);
    assert.ok(logs.length >= ROUTES.length, 'every failure is logged');
    // The store names its tables with their schema: "no_such_schema.events".
    assert.match(logs.join('\n'), /relation \\?"[\w.]+\\?" does not exist/);
  });

  test("PostgreSQL's connection lost mid-request (node-postgres's bare errors, no code): 503 with Retry-After, not 500", async () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Client has encountered a connection error and is not queryable',
      'timeout exceeded when trying to connect',
    ]) {
      const api = await startApi(
        'admission',
        {},
        {
          payment: {
            charge: async () => {
              throw new Error(message);
            },
          },
        },
      );
      const event = await api.createEvent({ name: 'Cut', rows: 1, cols: 1 });
      const alice = user('alice');
      const held = await hold(api, event.id, alice, { seats: [seat(1, 1)] });
      const response = await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice });
      assert.equal(response.headers.get('retry-after'), '1', message);
      const text = await response.clone().text();
      await expectProblem(response, 'unavailable');
      assert.ok(!text.includes(message), text);
    }
  });

  test('a load of the event that Redis keeps losing (LoadConflictError): 503 unavailable with Retry-After, not 500', async () => {
    const api = await startApi(
      'admission',
      {},
      {
        payment: {
          charge: async () => {
            throw new LoadConflictError('ev-lost', 'evicted');
          },
        },
      },
    );
    const event = await api.createEvent({ name: 'Evicted', rows: 1, cols: 1 });
    const alice = user('alice');
    const held = await hold(api, event.id, alice, { seats: [seat(1, 1)] });
    const response = await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice });
    assert.equal(response.headers.get('retry-after'), '1');
    const problem = await expectProblem(response, 'unavailable');
    assert.equal(problem.detail, 'the event is loading; retry shortly');
  });

  test('a dependency throwing a revealing error: 500 internal without its message or stack, and nothing changes', async () => {
    const revealing = new Error('gateway https://pay.internal:8443 refused card 4111 for SELECT * FROM wallets (/srv/pay/client.ts:12:5)');
    const { lines, logger } = capturedLogger();
    const api = await startApi(
      'admission',
      {},
      {
        logger,
        payment: {
          charge: async () => {
            throw revealing;
          },
        },
      },
    );
    const event = await api.createEvent({ name: 'Revealing', rows: 1, cols: 2 });
    const alice = user('alice');
    const held = await hold(api, event.id, alice, { seats: [seat(1, 1)] });
    const response = await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice });
    const text = await response.clone().text();
    const problem = await expectProblem(response, 'internal');
    assert.equal(problem.detail, undefined);
    for (const secret of ['pay.internal', '8443', '4111', 'wallets', 'client.ts', 'gateway']) assert.ok(!text.includes(secret), text);
    assert.deepEqual((await seatMap(api, event.id)).grid, ['H.']);
    assert.match(lines.join('\n'), /pay\.internal/, 'the operator sees what the client does not');
  });
});
