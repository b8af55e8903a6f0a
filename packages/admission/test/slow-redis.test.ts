import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { createAdmissionStrategy, createEvent, createMetrics, createOptimisticStrategy } from '@seatgrid/admission';
import { connectTestDatabase, startPrivateRedis, uniqueEventId } from './support.ts';

const clients: Redis[] = [];
after(() => {
  for (const client of clients) client.disconnect();
});

function connect(url: string): Redis {
  const client = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

// Found by the chaos suite (one API's Redis link 2 s slow): after a fallback write the next
// claim re-hydrated the event first, untimed, in many slow round trips, and every request
// for the event queued behind it for ~28 s while the breaker saw no calls and stayed closed.
test('on a slow Redis, claims do not queue behind the re-hydration after a fallback write, and the breaker opens', async () => {
  const server = await startPrivateRedis();
  const db = await connectTestDatabase();
  const metrics = createMetrics();
  const strategy = createAdmissionStrategy({
    db,
    redis: connect(server.url),
    fallback: createOptimisticStrategy({ db }),
    metrics,
    breaker: { timeoutMs: 100 },
  });
  after(() => strategy.close());
  const event = await createEvent(db, { eventId: uniqueEventId('slow'), name: 'slow redis', rows: 1, cols: 4, holdTtlMs: 60_000 });
  await strategy.seatMap(event.eventId); // loaded in Redis
  strategy.breaker.forceOpen();
  assert.equal((await strategy.claimSeats({ eventId: event.eventId, userId: 'a', seats: [{ row: 1, col: 1 }] })).ok, true);
  strategy.breaker.close(); // the event now needs a re-hydration before the gate decides for it

  const admin = connect(server.url);
  await admin.call('CLIENT', 'PAUSE', '10000', 'ALL'); // every command now waits 10 s
  const stillPaused = admin.ping().then(() => 'redis answered' as const);
  // One after another (each finds the event marked by the previous fallback write), enough
  // for the breaker's volume threshold (20): each must be answered from PostgreSQL while Redis
  // is still paused, and together they must open the breaker.
  const claims = (async () => {
    const results = [];
    for (let i = 0; i < 24; i++) {
      results.push(await strategy.claimSeats({ eventId: event.eventId, userId: `b${i}`, seats: [{ row: 1, col: 2 + (i % 3) }], mode: 'book' }));
    }
    return results;
  })();
  const first = await Promise.race([claims, stillPaused]);
  assert.notEqual(first, 'redis answered', 'every claim was answered while Redis was still paused');
  assert.ok(Array.isArray(first) && first.filter((r) => r.ok).length === 3, 'the three free seats sold through PostgreSQL');
  const paths = (await metrics.decisions.get()).values.filter((v) => v.labels.outcome === 'granted').map((v) => `${v.labels.path}:${v.value}`);
  assert.deepEqual(paths, ['pg-fallback:4']);
  assert.equal(strategy.breaker.state, 'open', 'the slow Redis opened the breaker');
  await admin.call('CLIENT', 'UNPAUSE');
});
