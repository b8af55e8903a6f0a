// The red team's comb: on a 1,000 x 1,000 event, 100 cheap holds take every 100th seat (each
// hold 100 seats, one column in every hundred on ten rows), so no row has 100 adjacent free
// seats, then buyers ask for { quantity: 100, allowSplit: false } over and over. Each must be
// refused no-adjacent-block (the gate's free-run index answers without scanning the map),
// the breaker must never open (no decision on the fallback), and a bystander buying on a
// small event meanwhile is served as usual. The times go to the test output, unasserted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { before, describe, test, type TestContext } from 'node:test';
import type { StrategyName } from '@seatgrid/admission';
import { startApi, type RunningApi } from './harness.ts';
import { seat, type Seat } from './http-assertions.ts';
import { metricSum, pgStatementsDuring, scrape } from './metric-samples.ts';
import { scratchDatabase, startPrivateRedis } from './support.ts';

// No background jobs in the way (their queries would count): nothing expires in these tests.
const ENV = { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0', SWEEP_INTERVAL_MS: '3600000', RECONCILE_INTERVAL_MS: '3600000' };
const SIDE = 1_000;
const TOOTH = 100;

/** The comb's holds: hold h takes columns 100, 200, ..., 1000 of rows 10h+1 to 10h+10. */
function combHold(h: number): Seat[] {
  const seats: Seat[] = [];
  for (let row = 10 * h + 1; row <= 10 * h + 10; row++) for (let col = TOOTH; col <= SIDE; col += TOOTH) seats.push(seat(row, col));
  return seats;
}

interface Timed {
  readonly status: number;
  readonly type: string;
  readonly ms: number;
}

async function timedClaim(api: RunningApi, eventId: string, userId: string, body: unknown): Promise<Timed> {
  const started = performance.now();
  const response = await api.request('POST', `/events/${eventId}/holds`, { body, headers: { 'x-user-id': userId } });
  const parsed = (await response.json()) as { type?: string };
  return { status: response.status, type: parsed.type?.split('/').at(-1) ?? '', ms: performance.now() - started };
}

/** `count` claims made by `workers` callers in turn; resolves with each answer. */
async function inTurn(count: number, workers: number, claim: (i: number) => Promise<Timed>): Promise<Timed[]> {
  const answers: Timed[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) answers.push(await claim(next++));
    }),
  );
  return answers;
}

function times(answers: readonly Timed[]): string {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(1);
  return `${ms.length} answers, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
}

/** The comb's refusals, with a bystander buying the seats of a small event one by one meanwhile. */
async function combAttack(t: TestContext, api: RunningApi, eventId: string, refusals: number, workers: number): Promise<void> {
  const bystander = await api.createEvent({ name: 'bystander', rows: 2, cols: 20 });
  const before = await scrape(api.baseUrl);
  let attacking = true;
  const bought: Timed[] = [];
  const buying = (async () => {
    for (let i = 0; attacking && i < 40; i++) {
      bought.push(await timedClaim(api, bystander.id, `bystander-${i}`, { seats: [seat(1 + Math.floor(i / 20), 1 + (i % 20))] }));
    }
  })();
  const combed = await inTurn(refusals, workers, (i) =>
    timedClaim(api, eventId, `block-${i}-${randomUUID().slice(0, 4)}`, { quantity: TOOTH, allowSplit: false }),
  );
  attacking = false;
  await buying;
  const after = await scrape(api.baseUrl);
  t.diagnostic(`quantity ${TOOTH} without split, ${workers} in flight: ${times(combed)}`);
  t.diagnostic(`the bystander meanwhile: ${times(bought)}`);

  for (const answer of combed) assert.deepEqual([answer.status, answer.type], [409, 'no-adjacent-block']);
  assert.ok(bought.length > 0, 'the bystander bought while the comb was attacked');
  for (const answer of bought) assert.equal(answer.status, 201, JSON.stringify(answer));
  const delta = (name: string, where: Record<string, string>) => metricSum(after, name, where) - metricSum(before, name, where);
  const strategy = api.config.strategy;
  const path = strategy === 'admission' ? 'redis' : 'pg';
  assert.equal(delta('seatgrid_decisions_total', { outcome: 'no-adjacent-block', path }), refusals);
  assert.equal(delta('seatgrid_decisions_total', { outcome: 'granted', path }), bought.length, `every grant on path ${path}`);
  assert.equal(delta('seatgrid_decisions_total', { path: 'pg-fallback' }), 0, 'no decision on the fallback');
  assert.equal(delta('seatgrid_breaker_transitions_total', { to: 'open' }), 0, 'the breaker never opened');
  const map = (await (await api.request('GET', `/events/${bystander.id}/seats`)).json()) as { available: number };
  assert.equal(map.available, 40 - bought.length);
  // Not a blanket refusal: a block that fits between two teeth is found.
  const fits = await api.request('POST', `/events/${eventId}/holds`, {
    body: { quantity: TOOTH - 1, allowSplit: false },
    headers: { 'x-user-id': `fits-${strategy}` },
  });
  const { seats } = (await fits.json()) as { seats: Seat[] };
  assert.equal(fits.status, 201);
  assert.ok(
    seats.every((s, i) => s.row === seats[0]?.row && s.col === (seats[0]?.col ?? 0) + i),
    'one block of adjacent seats',
  );
}

let combed: string;
const apis = new Map<StrategyName, RunningApi>();

before(async () => {
  // One app per strategy on one database (this file's own, like its Redis: a million seat rows
  // are not left behind): the comb made through the first is every one's.
  const env = { ...ENV, DATABASE_URL: await scratchDatabase('red_team_comb'), REDIS_URL: (await startPrivateRedis()).url };
  for (const strategy of ['admission', 'optimistic', 'pessimistic'] as const) apis.set(strategy, await startApi(strategy, env));
  const api = apis.get('admission') as RunningApi;
  combed = (await api.createEvent({ name: 'comb', rows: SIDE, cols: SIDE })).id;
  for (let h = 0; h < SIDE / 10; h++) {
    const answer = await timedClaim(api, combed, `comb-${h}`, { seats: combHold(h) });
    assert.equal(answer.status, 201, JSON.stringify(answer));
  }
  const map = (await (await api.request('GET', `/events/${combed}/seats`)).json()) as { available: number };
  assert.equal(map.available, SIDE * SIDE - (SIDE * SIDE) / TOOTH);
});

describe('the comb', () => {
  test('admission: 300 refusals at 20 in flight, all through Redis; the breaker stays closed, the bystander is served', async (t) => {
    const api = apis.get('admission') as RunningApi;
    await combAttack(t, api, combed, 300, 20);
    // Refused by the gate: PostgreSQL does no work for them at all (a query a refusal would show 50).
    const statements = await pgStatementsDuring(api.baseUrl, async () => {
      const refused = await inTurn(50, 10, (i) => timedClaim(api, combed, `again-${i}`, { quantity: TOOTH, allowSplit: false }));
      for (const answer of refused) assert.deepEqual([answer.status, answer.type], [409, 'no-adjacent-block']);
    });
    assert.ok(statements <= 1, `no PostgreSQL query but the scrape's own readiness check: ${statements} statements`);
  });

  // Best-available on the PostgreSQL strategies reads the event's free seats row band by row
  // band until a block is found: on the comb, about every row. A few attacks show it is
  // answered (it once overflowed the call stack: 500) and what it costs the bystander.
  for (const strategy of ['optimistic', 'pessimistic'] as const) {
    test(`${strategy}: 6 refusals at 3 in flight, the bystander is served`, async (t) => {
      await combAttack(t, apis.get(strategy) as RunningApi, combed, 6, 3);
    });
  }
});
