// The per-user limit, attacked through the API as the red team did: one user, many parallel
// claims (listed seats and quantities, holds and bookings mixed), and the late confirm (hold
// 2, let it lapse, hold 2 more, confirm the lapsed one, then the new one). Never more than
// maxSeatsPerUser seats owned in PostgreSQL, on every strategy and on the admission
// strategy's fallback (its Redis stopped), also when the user's claims switch paths.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { StrategyName } from '@seatgrid/admission';
import { sql } from 'kysely';
import { startApi, type RunningApi } from './harness.ts';
import { expectProblem, seat, until, type Seat } from './http-assertions.ts';
import { metricSum, scrape } from './metric-samples.ts';
import { openTestStore, startPrivateRedis, type PrivateRedis } from './support.ts';

const LIMIT = 2;
const CLAIMS = 48;
const NO_LIMITS = { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' };
const store = openTestStore();

/** Seats the user owns in PostgreSQL: in live holds (held and unexpired) and bookings. */
async function ownedSeats(eventId: string, userId: string): Promise<number> {
  const { rows } = await sql<{ seats: number }>`
    select coalesce(sum(cardinality(seat_indexes)), 0)::int as seats from seatgrid.holds
    where event_id = ${eventId} and user_id = ${userId}
      and (status = 'confirmed' or (status = 'held' and expires_at > now()))`.execute(store.db);
  return rows[0]?.seats ?? 0;
}

/** CLAIMS parallel claims of one user: holds and bookings, one or two listed seats or 1-3 best-available. */
async function greedyBurst(api: RunningApi, eventId: string, userId: string): Promise<{ granted: number; statuses: Map<string, number> }> {
  const answers = await Promise.all(
    Array.from({ length: CLAIMS }, async (_, i) => {
      const kind = i % 2 === 0 ? 'holds' : 'bookings';
      // Listed seats in the back rows, one or two (best-available takes the front): none can be
      // refused for a seat, only for the limit.
      const first = seat(6 + (i % 5), 1 + 2 * Math.floor(i / 5));
      const body = i % 4 >= 2 ? { quantity: 1 + (i % 3) } : { seats: i % 3 === 0 ? [first, seat(first.row, first.col + 1)] : [first] };
      const response = await api.request('POST', `/events/${eventId}/${kind}`, { body, headers: { 'x-user-id': userId } });
      const text = await response.text();
      const parsed = JSON.parse(text) as { seats?: Seat[]; type?: string };
      return { status: response.status, seats: response.status === 201 ? (parsed.seats?.length ?? 0) : 0, type: parsed.type ?? '' };
    }),
  );
  const statuses = new Map<string, number>();
  for (const a of answers) {
    const key = a.status === 201 ? '201' : `${a.status} ${a.type.split('/').at(-1)}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  return { granted: answers.reduce((sum, a) => sum + a.seats, 0), statuses };
}

async function expectBurstHeld(api: RunningApi, eventId: string, userId: string, alreadyOwned: number): Promise<string> {
  const { granted, statuses } = await greedyBurst(api, eventId, userId);
  const summary = JSON.stringify(Object.fromEntries(statuses));
  assert.ok(alreadyOwned + granted <= LIMIT, `granted ${granted} more seats to a user who had ${alreadyOwned}: ${summary}`);
  for (const key of statuses.keys()) assert.ok(key === '201' || key === '409 user-limit', `unexpected answers: ${summary}`);
  assert.equal(await ownedSeats(eventId, userId), alreadyOwned + granted, 'PostgreSQL agrees with the answers');
  const audit = await store.grid.audit(eventId);
  assert.deepEqual([audit.oversold, audit.partial], [0, 0]);
  return summary;
}

async function newEvent(api: RunningApi, holdTtlSeconds = 600): Promise<string> {
  const event = await api.createEvent({ name: 'limit', rows: 10, cols: 20, maxSeatsPerUser: LIMIT, holdTtlSeconds });
  return event.id;
}

/** Hold 2, let it lapse, hold 2 more, confirm the lapsed hold (refused), then the new one. */
async function lateConfirm(api: RunningApi, gate: boolean): Promise<void> {
  const eventId = await newEvent(api, 2);
  const who = { 'x-user-id': `late-${randomUUID().slice(0, 8)}` };
  const hold = (seats: Seat[]) => api.request('POST', `/events/${eventId}/holds`, { body: { seats }, headers: who });
  const first = (await (await hold([seat(1, 1), seat(1, 2)])).json()) as { holdId: string };
  await until('the first hold lapses in PostgreSQL', async () => {
    const { rows } = await sql<{ lapsed: boolean }>`
      select expires_at < now() as lapsed from seatgrid.holds where id = ${first.holdId}`.execute(store.db);
    return rows[0]?.lapsed === true ? true : undefined;
  });
  // The gate reaps a hold expiryGraceMs after its expiry: until then it still counts there.
  const second = await until(
    'a second hold of 2',
    async () => {
      const response = await hold([seat(2, 1), seat(2, 2)]);
      if (response.status === 201) return (await response.json()) as { holdId: string };
      if (!gate) assert.fail(`the lapsed hold still counted: ${response.status} ${await response.text()}`);
      await expectProblem(response, 'user-limit');
      return undefined;
    },
    5_000,
  );
  await expectProblem(await api.request('POST', `/holds/${first.holdId}/confirm`, { headers: who }), 'hold-expired');
  assert.equal(await ownedSeats(eventId, who['x-user-id']), LIMIT);
  const confirmed = await api.request('POST', `/holds/${second.holdId}/confirm`, { headers: who });
  assert.equal(confirmed.status, 200, await confirmed.clone().text());
  assert.deepEqual(((await confirmed.json()) as { seats: Seat[] }).seats, [seat(2, 1), seat(2, 2)]);
  assert.equal(await ownedSeats(eventId, who['x-user-id']), LIMIT);
  await expectProblem(await api.request('POST', `/holds/${first.holdId}/confirm`, { headers: who }), 'hold-expired');
  assert.equal(await ownedSeats(eventId, who['x-user-id']), LIMIT);
}

const STRATEGIES: readonly StrategyName[] = ['optimistic', 'pessimistic', 'admission'];

for (const strategy of STRATEGIES) {
  describe(`BOOKING_STRATEGY=${strategy}`, () => {
    let api: RunningApi;
    before(async () => {
      api = await startApi(strategy, NO_LIMITS);
    });

    test(`${CLAIMS} parallel claims of one user: at most ${LIMIT} seats owned`, async (t) => {
      const eventId = await newEvent(api);
      t.diagnostic(await expectBurstHeld(api, eventId, `greedy-${randomUUID().slice(0, 8)}`, 0));
    });

    test('a late confirm never lifts the user over the limit', async () => {
      await lateConfirm(api, strategy === 'admission');
    });
  });
}

describe('BOOKING_STRATEGY=admission, Redis stopped: every claim on the fallback', () => {
  let api: RunningApi;
  let redis: PrivateRedis;
  before(async () => {
    redis = await startPrivateRedis();
    api = await startApi('admission', { ...NO_LIMITS, REDIS_URL: redis.url, BREAKER_RESET_MS: '500' });
  });

  /** Claims decided on each path so far (this app's own registry). */
  async function paths(): Promise<{ redis: number; fallback: number }> {
    const text = await scrape(api.baseUrl);
    return {
      redis: metricSum(text, 'seatgrid_decisions_total', { path: 'redis' }),
      fallback: metricSum(text, 'seatgrid_decisions_total', { path: 'pg-fallback' }),
    };
  }

  /** Reads the event's map until the breaker is closed (a read is the trial call of a half-open breaker). */
  async function breakerClosed(eventId: string): Promise<void> {
    await until('the breaker closed', async () => {
      await (await api.request('GET', `/events/${eventId}/seats`)).body?.cancel();
      return metricSum(await scrape(api.baseUrl), 'seatgrid_breaker_state') === 0 ? true : undefined;
    });
  }

  test(`${CLAIMS} parallel claims of one user through the fallback: at most ${LIMIT} seats owned`, async (t) => {
    redis.stop();
    const eventId = await newEvent(api);
    const before = await paths();
    t.diagnostic(await expectBurstHeld(api, eventId, `greedy-${randomUUID().slice(0, 8)}`, 0));
    const after = await paths();
    assert.equal(after.redis, before.redis, 'no claim was decided by Redis');
    assert.equal(after.fallback - before.fallback, CLAIMS, 'every claim was decided on the fallback');
  });

  test('a late confirm through the fallback never lifts the user over the limit', async () => {
    redis.stop();
    const before = await paths();
    await lateConfirm(api, false);
    assert.equal((await paths()).redis, before.redis, 'no claim was decided by Redis');
  });

  test('a user whose claims switch paths (gate, fallback, gate on a Redis restarted empty) never owns more', async (t) => {
    await redis.restart();
    const eventId = await newEvent(api);
    const userId = `switch-${randomUUID().slice(0, 8)}`;
    await breakerClosed(eventId);
    const held = await api.request('POST', `/events/${eventId}/holds`, { body: { quantity: 2 }, headers: { 'x-user-id': userId } });
    assert.equal(held.status, 201, await held.text());
    assert.equal(await ownedSeats(eventId, userId), LIMIT);
    assert.ok((await paths()).redis > 0, 'the gate decided');

    redis.stop();
    const fallbackBefore = (await paths()).fallback;
    t.diagnostic(`fallback: ${await expectBurstHeld(api, eventId, userId, LIMIT)}`);
    assert.ok((await paths()).fallback > fallbackBefore, 'the fallback decided');

    await redis.restart(); // empty: the event is hydrated from PostgreSQL, the user's count with it
    await breakerClosed(eventId);
    const redisBefore = (await paths()).redis;
    t.diagnostic(`gate again: ${await expectBurstHeld(api, eventId, userId, LIMIT)}`);
    assert.equal((await paths()).redis - redisBefore, CLAIMS, 'every claim was decided by the gate');
  });
});
