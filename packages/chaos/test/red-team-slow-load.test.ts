import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { ADMIN_TOKEN } from '../src/harness.ts';
import { harnessForFile } from './support.ts';

// The red team's slow load: a combed 1,000 x 1,000 event that Redis lost, reloaded over a slow
// link (every byte between the API and Redis 250 ms late, each call still well inside the
// breaker's timeout). Claims that find the load under way wait for it, bounded, and hear 503
// with Retry-After when it outlasts their wait; none thrashes onto the fallback, the breaker
// stays closed, and the load runs once: never restarted because it is slow. Counts and paths
// from the API's /metrics are asserted; times go to the test output.

const LATENCY_MS = 250;
// The harness's database is its own and dropped at the end: a million seat rows are not left behind.
const harness = harnessForFile({ env: { BREAKER_TIMEOUT_MS: String(8 * LATENCY_MS) } });

const SIDE = 1_000;
const TOOTH = 100;
const CLAIMS = 30;

/** The sum of a counter's samples whose labels include `label` (e.g. 'path="redis"'), from /metrics text. */
function counter(text: string, name: string, label = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (label !== '' && !line.includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly retryAfter: string | null;
  readonly ms: number;
}

test('a 1,000 x 1,000 event reloaded over a slow Redis: claims wait, then 503 with Retry-After; no fallback, one load', async (t) => {
  const h = harness();
  const { api, redisProxy: proxy } = h.node(0);
  assert.ok(proxy !== undefined, 'this harness puts a fault proxy in front of Redis');
  const redisProxy = proxy;
  const base = api.baseUrl;
  const metrics = async () => (await fetch(`${base}/metrics`)).text();
  const claim = async (userId: string, row: number, col: number): Promise<Answer> => {
    const started = performance.now();
    const response = await fetch(`${base}/events/${event.eventId}/holds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': userId },
      body: JSON.stringify({ seats: [{ row, col }] }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { type?: string };
    const type = body.type?.split('/').at(-1) ?? '';
    return { status: response.status, type, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started };
  };

  // A million seat rows take PostgreSQL longer than the harness's usual creation timeout.
  const created = await fetch(`${base}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: 'slow load', rows: SIDE, cols: SIDE, holdTtlSeconds: 3_600 }),
    signal: AbortSignal.timeout(60_000),
  });
  assert.equal(created.status, 201);
  const event = { eventId: ((await created.json()) as { id: string }).id };
  // The comb: 100 holds of 100 seats, every 100th seat, over every row (loaded in ten steps).
  for (let hold = 0; hold < SIDE / 10; hold++) {
    const seats = [];
    for (let row = 10 * hold + 1; row <= 10 * hold + 10; row++) for (let col = TOOTH; col <= SIDE; col += TOOTH) seats.push({ row, col });
    const response = await fetch(`${base}/events/${event.eventId}/holds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': `comb-${hold}` },
      body: JSON.stringify({ seats }),
    });
    assert.equal(response.status, 201, await response.text());
  }

  await h.redis.admin.flushall(); // Redis lost everything: the next claim must load the event
  redisProxy.setLatency(LATENCY_MS);
  try {
    const before = await metrics();
    const started = performance.now();
    const first = await Promise.all(Array.from({ length: CLAIMS }, (_, i) => claim(`early-${i}`, 1 + i, 1)));
    const read = await fetch(`${base}/events/${event.eventId}`, { signal: AbortSignal.timeout(30_000) });
    await read.arrayBuffer();
    // Once loaded, a claim is decided by the gate.
    let later: Answer | undefined;
    for (let i = 0; later?.status !== 201; i++) {
      later = await claim(`later-${i}`, 500, 1 + i);
      assert.ok(later.status === 201 || (later.status === 503 && later.type === 'unavailable'), JSON.stringify(later));
      assert.ok(performance.now() - started < 45_000, 'the load ended');
    }
    const loadedAfter = performance.now() - started;
    const after = await metrics();

    const byOutcome = new Map<string, number>();
    for (const a of first) byOutcome.set(`${a.status} ${a.type}`, (byOutcome.get(`${a.status} ${a.type}`) ?? 0) + 1);
    const waits = first.map((a) => a.ms).sort((a, b) => a - b);
    t.diagnostic(`${CLAIMS} claims during the load: ${JSON.stringify(Object.fromEntries(byOutcome))}`);
    t.diagnostic(`their answers after ${waits[0]?.toFixed(0)}-${waits.at(-1)?.toFixed(0)} ms; GET /events/:id ${read.status}`);
    t.diagnostic(`a claim was granted ${loadedAfter.toFixed(0)} ms after the first was sent`);

    for (const a of first) {
      assert.ok(a.status === 201 || (a.status === 503 && a.type === 'unavailable'), `a claim during the load: ${JSON.stringify(a)}`);
      if (a.status === 503) assert.ok(Number(a.retryAfter) >= 1, `Retry-After on ${JSON.stringify(a)}`);
    }
    assert.ok(
      first.some((a) => a.status === 503),
      'the load outlasted a claim’s wait (else this test no longer covers the 503)',
    );
    assert.ok(read.status === 200 || read.status === 503, `GET /events/:id during the load answered ${read.status}`);
    const delta = (name: string, label = '') => counter(after, name, label) - counter(before, name, label);
    assert.equal(delta('seatgrid_hydrations_total'), 1, 'the event was loaded once');
    assert.equal(delta('seatgrid_decisions_total', 'path="pg-fallback"'), 0, 'no claim thrashed onto the fallback');
    assert.equal(delta('seatgrid_breaker_transitions_total'), 0, 'the breaker never moved');
    const granted = first.filter((a) => a.status === 201).length + 1;
    assert.equal(delta('seatgrid_decisions_total', 'outcome="granted",path="redis"'), granted, 'every grant through the gate');
  } finally {
    redisProxy.heal();
  }
  // What the gate has is what PostgreSQL has.
  const audit = await h.store.grid.audit(event.eventId);
  assert.deepEqual([audit.oversold, audit.partial], [0, 0]);
  assert.equal((await h.gate.seatMap(event.eventId)).states, await h.store.grid.storedSeatStates(event.eventId));
});
