import { setTimeout as sleep } from 'node:timers/promises';
// Rows a request makes PostgreSQL read, on a 1,000 x 1,000 event combed as the red team did
// (100 holds take every 100th seat): they found request paths that read every seat row. The
// count is PostgreSQL's own statistics for the seats table and its indexes, in a database of
// this file's own; the API's sessions are ended around each request so their counts land.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startApi, type RunningApi } from './harness.ts';
import { expectJson, seat, type HoldBody, type Seat } from './http-assertions.ts';
import { openTestStore, scratchDatabase, startPrivateRedis, type PrivateRedis } from './support.ts';

const SIDE = 1_000;
const CAPACITY = SIDE * SIDE;
const TOOTH = 100;
/** What a bounded request may read: a few rows of the grid, never a fair part of it. */
const BOUNDED = 20_000;
const ENV = { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0', SWEEP_INTERVAL_MS: '600000', RECONCILE_INTERVAL_MS: '600000' };
const APP = 'red-team-reads';
const STRATEGIES = ['optimistic', 'pessimistic', 'admission'] as const;

let view: ReturnType<typeof openTestStore>;
let redis: PrivateRedis;
const apis = new Map<string, RunningApi>();
let eventId: string;

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** Ends the API's sessions and waits until their processes exited: a backend hands its counts over as it exits. */
async function flushApiStatistics(): Promise<void> {
  const { rows } = await sql<{ pid: number }>`
    select pid, pg_terminate_backend(pid) from pg_stat_activity
    where application_name like ${`${APP}-%`} and datname = current_database()`.execute(view.db);
  const deadline = Date.now() + 10_000;
  while (!rows.every((row) => gone(row.pid))) {
    if (Date.now() > deadline) throw new Error('the API sessions did not end');
    await sleep(20);
  }
}

/** Seat rows read so far: those sequential scans went through and the index entries every index scan read. */
async function seatRowsRead(): Promise<number> {
  const { rows } = await sql<{ read: string }>`
    select (select coalesce(seq_tup_read, 0) from pg_stat_user_tables where schemaname = 'seatgrid' and relname = 'seats')
         + (select coalesce(sum(idx_tup_read), 0) from pg_stat_user_indexes where schemaname = 'seatgrid' and relname = 'seats')
      as read`.execute(view.db);
  return Number(rows[0]?.read ?? 0);
}

/** The seat rows PostgreSQL read while `work` ran. */
async function rowsReadBy(work: () => Promise<void>): Promise<number> {
  await flushApiStatistics();
  const before = await seatRowsRead();
  await work();
  await flushApiStatistics();
  return (await seatRowsRead()) - before;
}

async function get(api: RunningApi, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await api.request('GET', path, { headers });
  await response.arrayBuffer();
  return response;
}

before(async () => {
  const databaseUrl = await scratchDatabase('red_team_reads');
  view = openTestStore(databaseUrl);
  redis = await startPrivateRedis();
  for (const strategy of STRATEGIES) {
    const url = new URL(databaseUrl);
    url.searchParams.set('application_name', `${APP}-${strategy}`);
    // Once open, the breaker stays open: the admission strategy's reads stay on its fallback.
    apis.set(
      strategy,
      await startApi(strategy, { ...ENV, DATABASE_URL: url.toString(), REDIS_URL: redis.url, BREAKER_RESET_MS: '600000' }),
    );
  }
  const api = apis.get('optimistic') as RunningApi;
  eventId = (await api.createEvent({ name: 'a million seats', rows: SIDE, cols: SIDE })).id;
  for (let h = 0; h < SIDE / 10; h++) {
    const seats: Seat[] = [];
    for (let row = 10 * h + 1; row <= 10 * h + 10; row++) for (let col = TOOTH; col <= SIDE; col += TOOTH) seats.push(seat(row, col));
    const response = await api.request('POST', `/events/${eventId}/holds`, { body: { seats }, headers: { 'x-user-id': `comb-${h}` } });
    await expectJson<HoldBody>(response, 201);
  }
});

test('admission, Redis up: loading the event into Redis reads its taken seats, not every seat', async (t) => {
  const read = await rowsReadBy(async () => {
    assert.equal((await get(apis.get('admission') as RunningApi, `/events/${eventId}/seats`)).status, 200);
  });
  t.diagnostic(`the load of ${CAPACITY / TOOTH} taken seats read ${read} seat rows`);
  assert.ok(read < BOUNDED, `the load read ${read} seat rows`);
});

for (const strategy of STRATEGIES) {
  describe(strategy === 'admission' ? 'admission, Redis stopped (the fallback)' : strategy, () => {
    let api: RunningApi;
    before(() => {
      api = apis.get(strategy) as RunningApi;
      if (strategy === 'admission') redis.stop();
    });

    test('GET /events/:id reads a bounded number of seat rows', async (t) => {
      const read = await rowsReadBy(async () => {
        const event = await expectJson<{ available: number }>(await api.request('GET', `/events/${eventId}`), 200);
        assert.ok(event.available < CAPACITY);
      });
      t.diagnostic(`${read} seat rows`);
      assert.ok(read < BOUNDED, `${read} seat rows`);
    });

    test('GET /events/:id/seats three times at one version builds the map once; a 304 reads a bounded number', async (t) => {
      let etag = '';
      const maps = await rowsReadBy(async () => {
        for (let i = 0; i < 3; i++) {
          const response = await get(api, `/events/${eventId}/seats`);
          assert.equal(response.status, 200);
          etag = response.headers.get('etag') ?? '';
        }
      });
      const revalidated = await rowsReadBy(async () => {
        assert.equal((await get(api, `/events/${eventId}/seats`, { 'if-none-match': etag })).status, 304);
      });
      t.diagnostic(`three maps: ${maps} seat rows; a 304: ${revalidated}`);
      assert.ok(maps >= CAPACITY, 'the map was built from PostgreSQL');
      assert.ok(maps <= CAPACITY + BOUNDED, `three maps at one version read ${maps} seat rows`);
      assert.ok(revalidated < BOUNDED, `a 304 read ${revalidated} seat rows`);
    });

    test('best-available with a block up front reads a bounded number of seat rows', async (t) => {
      const read = await rowsReadBy(async () => {
        const body = { quantity: 4, allowSplit: false };
        await expectJson<HoldBody>(
          await api.request('POST', `/events/${eventId}/holds`, { body, headers: { 'x-user-id': `best-${strategy}` } }),
          201,
        );
      });
      t.diagnostic(`${read} seat rows`);
      assert.ok(read < BOUNDED, `${read} seat rows`);
    });

    test(`best-available of ${TOOTH} without split on the comb reads a bounded number of seat rows`, async (t) => {
      const read = await rowsReadBy(async () => {
        const body = { quantity: TOOTH, allowSplit: false };
        const response = await api.request('POST', `/events/${eventId}/holds`, {
          body,
          headers: { 'x-user-id': `comb-buyer-${strategy}` },
        });
        assert.equal(response.status, 409, await response.text());
      });
      t.diagnostic(`${read} seat rows`);
      assert.ok(read < BOUNDED, `${read} seat rows`);
    });
  });
}
