// One Idempotency-Key, two paths, through the API: a first try answered by the admission
// strategy's fallback (its Redis stopped) and a retry after the gate is back (on a Redis
// restarted empty), and the reverse order. Every try gets the first answer, and PostgreSQL
// has one hold: the red team got a second hold by retrying on the other path.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startApi, type RunningApi } from './harness.ts';
import { seat, until } from './http-assertions.ts';
import { metricSum, scrape } from './metric-samples.ts';
import { openTestStore, startPrivateRedis, type PrivateRedis } from './support.ts';

const store = openTestStore();
let api: RunningApi;
let redis: PrivateRedis;

before(async () => {
  redis = await startPrivateRedis();
  api = await startApi('admission', {
    REDIS_URL: redis.url,
    RATE_LIMIT_PER_SECOND: '0',
    RATE_LIMIT_IP_PER_SECOND: '0',
    BREAKER_RESET_MS: '500',
  });
});

/** Claims decided on each path so far (this app's own registry). */
async function paths(): Promise<{ redis: number; fallback: number }> {
  const text = await scrape(api.baseUrl);
  return {
    redis: metricSum(text, 'seatgrid_decisions_total', { path: 'redis' }),
    fallback: metricSum(text, 'seatgrid_decisions_total', { path: 'pg-fallback' }),
  };
}

/** Runs `claim` and asserts which path decided it. */
async function on<T>(path: 'redis' | 'fallback', claim: () => Promise<T>): Promise<T> {
  const before = await paths();
  const result = await claim();
  const after = await paths();
  assert.deepEqual(
    { redis: after.redis - before.redis, fallback: after.fallback - before.fallback },
    path === 'redis' ? { redis: 1, fallback: 0 } : { redis: 0, fallback: 1 },
    `decided on ${path}`,
  );
  return result;
}

/** The gate serves again: Redis up (empty after a restart) and the breaker closed. */
async function gateBack(eventId: string): Promise<void> {
  await redis.restart();
  await until('the breaker closed', async () => {
    await (await api.request('GET', `/events/${eventId}/seats`)).body?.cancel();
    return metricSum(await scrape(api.baseUrl), 'seatgrid_breaker_state') === 0 ? true : undefined;
  });
}

async function holdIds(eventId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from seatgrid.holds where event_id = ${eventId} order by id`.execute(store.db);
  return rows.map((row) => row.id);
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const bodies = {
  'listed seats': { seats: [seat(1, 2), seat(1, 3)] },
  'best available': { quantity: 2 },
} as const;

for (const [kind, body] of Object.entries(bodies)) {
  describe(kind, () => {
    /** A new event in PostgreSQL and a claim on it under one key, as one user. */
    async function setUp(): Promise<{ eventId: string; claim: () => Promise<Answer> }> {
      const event = await api.createEvent({ name: `two paths ${kind}`, rows: 2, cols: 4 });
      const headers = { 'x-user-id': `fan-${randomUUID().slice(0, 8)}`, 'idempotency-key': `order-${randomUUID()}` };
      const claim = async () => {
        const response = await api.request('POST', `/events/${event.id}/holds`, { body, headers });
        return { status: response.status, body: await response.json() };
      };
      return { eventId: event.id, claim };
    }

    test('first try on the fallback, retry through the gate: one answer, one hold', async () => {
      const { eventId, claim } = await setUp();
      redis.stop();
      const first = await on('fallback', claim);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      await gateBack(eventId);
      assert.deepEqual(await on('redis', claim), first);
      assert.deepEqual(await holdIds(eventId), [(first.body as { holdId: string }).holdId]);
      assert.equal((await store.grid.audit(eventId)).activeHolds, 1);
    });

    test('first try through the gate, retry on the fallback, then through the gate again: one answer, one hold', async () => {
      const { eventId, claim } = await setUp();
      await gateBack(eventId);
      const first = await on('redis', claim);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      redis.stop();
      assert.deepEqual(await on('fallback', claim), first);
      await gateBack(eventId);
      assert.deepEqual(await on('redis', claim), first);
      assert.deepEqual(await holdIds(eventId), [(first.body as { holdId: string }).holdId]);
      assert.equal((await store.grid.audit(eventId)).activeHolds, 1);
    });
  });
}

test('a refusal given on the fallback is the answer the gate replays, even once the seats are free', async () => {
  const event = await api.createEvent({ name: 'two paths refusal', rows: 2, cols: 4 });
  await gateBack(event.id);
  const other = { 'x-user-id': `other-${randomUUID().slice(0, 8)}` };
  const taken = await api.request('POST', `/events/${event.id}/holds`, { body: { seats: [seat(1, 2)] }, headers: other });
  const { holdId } = (await taken.json()) as { holdId: string };
  redis.stop();
  const headers = { 'x-user-id': `fan-${randomUUID().slice(0, 8)}`, 'idempotency-key': `order-${randomUUID()}` };
  const claim = async () => {
    const response = await api.request('POST', `/events/${event.id}/holds`, { body: bodies['listed seats'], headers });
    return { status: response.status, body: await response.json() };
  };
  const first = await on('fallback', claim);
  assert.equal(first.status, 409, JSON.stringify(first.body));
  assert.deepEqual((first.body as { takenSeats: unknown }).takenSeats, [seat(1, 2)]);
  await gateBack(event.id);
  assert.equal((await api.request('DELETE', `/holds/${holdId}`, { headers: other })).status, 204);
  assert.deepEqual(await on('redis', claim), first);
  assert.deepEqual(await holdIds(event.id), [holdId], 'the replayed refusal claimed nothing');
});
