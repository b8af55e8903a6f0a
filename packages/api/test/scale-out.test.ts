import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { startApiChild, type ChildServer } from '../src/child/index.ts';
import { until } from './http-assertions.ts';
import { pgStatementsDuring } from './metric-samples.ts';
import { freshRequest, localRedisCluster, openTestStore, scratchDatabase, type FreshAnswer } from './support.ts';

const ADMIN = 'scale-out-test-token-0123456789';
/** Users' rate-limit buckets outlive a run in the cluster: each run has users of its own. */
const run = randomUUID().slice(0, 8);
const servers: ChildServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.kill()));
});

test('on a Redis Cluster and two PostgreSQL shards, with two workers: events spread, each seat sold once, limits and idempotency shared, reads stay in Redis', async () => {
  const shards = [await scratchDatabase('shard_a'), await scratchDatabase('shard_b')];
  const server = await startApiChild({
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'info',
    WORKERS: '2',
    REDIS_CLUSTER_NODES: localRedisCluster(),
    DATABASE_SHARDS: shards.join(','),
    // Each user may claim 5 times (a bucket that does not refill during the test); no address limit.
    RATE_LIMIT_PER_SECOND: '0.001',
    RATE_LIMIT_BURST: '5',
    RATE_LIMIT_IP_PER_SECOND: '0',
    // No background job runs during the test: the PostgreSQL query count below is the requests' alone.
    SWEEP_INTERVAL_MS: '3600000',
    RECONCILE_INTERVAL_MS: '3600000',
  });
  servers.push(server);
  await until('both workers to listen', async () => server.output.find((line) => line.includes('"every worker listening"')));
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<FreshAnswer> =>
    freshRequest(server.baseUrl, method, path, headers, body);

  const events: string[] = [];
  // Placement is a hash of the id: eight events all land on one shard once in 128 runs, so more
  // are made until both shards have some.
  const store = openTestStore(shards);
  const perShard = () => Promise.all(store.shards.map(async (db) => (await db.selectFrom('events').select('id').execute()).length));
  while (events.length < 8 || ((await perShard()).some((n) => n === 0) && events.length < 40)) {
    const created = await call(
      'POST',
      '/events',
      { authorization: `Bearer ${ADMIN}` },
      { name: `spread ${events.length}`, rows: 2, cols: 10 },
    );
    assert.equal(created.status, 201);
    events.push(created.body.id as string);
  }
  const placed = await perShard();
  assert.equal(
    placed.reduce((a, b) => a + b, 0),
    events.length,
  );
  assert.ok(
    placed.every((n) => n > 0),
    `both shards hold events (${placed.join(' + ')})`,
  );

  // A flash sale on every event at once: 25 buyers of one seat for 20 seats.
  const sales = await Promise.all(
    events.flatMap((eventId, e) =>
      Array.from({ length: 25 }, (_, i) =>
        call('POST', `/events/${eventId}/bookings`, { 'x-user-id': `fan-${e}-${i}-${run}` }, { quantity: 1 }),
      ),
    ),
  );
  const statuses = sales.map((answer) => answer.status);
  assert.equal(statuses.filter((s) => s === 201).length, events.length * 20);
  assert.equal(statuses.filter((s) => s === 409).length, events.length * 5, 'the rest hear sold-out');

  // One key, four copies at once over fresh connections (so on both workers): one hold, and each
  // copy hears it or 409 (the first is still being written); a later retry replays it.
  const fresh = await call('POST', '/events', { authorization: `Bearer ${ADMIN}` }, { name: 'retries', rows: 1, cols: 10 });
  const retry = () =>
    call('POST', `/events/${fresh.body.id}/holds`, { 'x-user-id': `retrier-${run}`, 'idempotency-key': 'order-7' }, { quantity: 2 });
  const copies = await Promise.all([retry(), retry(), retry(), retry()]);
  const holds = new Set(copies.flatMap((answer) => (answer.status === 201 ? [answer.body.holdId] : [])));
  assert.equal(holds.size, 1, `answers: ${copies.map((answer) => answer.status).join(', ')}`);
  for (const answer of copies.filter((a) => a.status !== 201)) {
    assert.equal(answer.status, 409);
    assert.match(String(answer.body.type), /idempotency-in-flight$/);
  }
  const later = await retry();
  assert.deepEqual([later.status, later.body.holdId], [201, [...holds][0]]);
  const freshMap = (await call('GET', `/events/${fresh.body.id}/seats`)).body as { grid: string[] };
  assert.equal(freshMap.grid.join(''), 'HH........', 'two seats held, once');

  // The per-user bucket lives in the cluster: 5 claims pass, wherever they land, then 429. A
  // take that found Redis slow (the bursts above, on two cores) uses the process's own buckets
  // for a second: wait that out, and check no take fell back meanwhile.
  await sleep(1_500);
  const fallbacksBefore = server.output.filter((line) => line.includes('rate limiting from this process only')).length;
  const greedy = [];
  for (let i = 0; i < 7; i++)
    greedy.push((await call('POST', `/events/${events[1]}/holds`, { 'x-user-id': `greedy-${run}` }, { quantity: 1 })).status);
  assert.equal(server.output.filter((line) => line.includes('rate limiting from this process only')).length, fallbacksBefore);
  assert.deepEqual(greedy, [409, 409, 409, 409, 409, 429, 429], 'sold out five times, then limited');

  // Seat maps and counters come from Redis: no PostgreSQL query for them, on either worker.
  const statements = await pgStatementsDuring(server.baseUrl, async () => {
    const reads = await Promise.all(events.map((id) => call('GET', `/events/${id}/seats`)));
    assert.ok(reads.every((answer) => answer.status === 200));
  });
  assert.ok(statements <= 2, `seat maps read no PostgreSQL (the scrapes' readiness checks aside): ${statements} statements`);

  for (const id of events) {
    const audit = await store.grid.audit(id);
    assert.deepEqual([audit.oversold, audit.partial, audit.seatsSold], [0, 0, 20], `event ${id}`);
    const map = (await call('GET', `/events/${id}/seats`)).body as { grid: string[] };
    assert.equal(map.grid.join(''), await store.grid.storedSeatStates(id), 'Redis equals PostgreSQL');
  }
  assert.equal(await server.stop('SIGTERM'), 0);
});
