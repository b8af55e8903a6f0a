import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { admissionGrid, connectRedis, samples, startPrivateRedis, uniqueEventId } from './support.ts';

// Found by the chaos suite (one API's Redis link 2 s slow): after a fallback write the next
// claim re-hydrated the event first, untimed, in many slow round trips, and every request
// for the event queued behind it for ~28 s while the breaker saw no calls and stayed closed.
test('on a slow Redis, claims do not queue behind the re-hydration after a fallback write, and the breaker opens', async () => {
  const server = await startPrivateRedis();
  const registry = new Registry();
  const grid = await admissionGrid({ redis: connectRedis({ url: server.url }), metrics: { registry }, breaker: { timeoutMs: 100 } });
  const event = await grid.createEvent({ eventId: uniqueEventId('slow'), name: 'slow redis', rows: 1, cols: 4, holdTtlMs: 60_000 });
  await grid.seatMap(event.eventId); // loaded in Redis
  grid.breaker.open();
  assert.equal((await grid.claimSeats({ eventId: event.eventId, userId: 'a', seats: [{ row: 1, col: 1 }] })).ok, true);
  grid.breaker.close(); // the event now needs a re-hydration before the gate decides for it

  const admin = connectRedis({ url: server.url });
  await admin.call('CLIENT', 'PAUSE', '10000', 'ALL'); // every command now waits 10 s
  const stillPaused = admin.ping().then(() => 'redis answered' as const);
  // One after another (each finds the event marked by the previous fallback write), enough
  // for the breaker's volume threshold (20): each must be answered from PostgreSQL while Redis
  // is still paused, and together they must open the breaker.
  const claims = (async () => {
    const results = [];
    for (let i = 0; i < 24; i++) {
      results.push(await grid.claimSeats({ eventId: event.eventId, userId: `b${i}`, seats: [{ row: 1, col: 2 + (i % 3) }], mode: 'book' }));
    }
    return results;
  })();
  const first = await Promise.race([claims, stillPaused]);
  assert.notEqual(first, 'redis answered', 'every claim was answered while Redis was still paused');
  assert.ok(Array.isArray(first) && first.filter((r) => r.ok).length === 3, 'the three free seats sold through PostgreSQL');
  const paths = (await samples(registry, 'seatgrid_decisions_total'))
    .filter((v) => v.labels.outcome === 'granted')
    .map((v) => `${v.labels.path}:${v.value}`);
  assert.deepEqual(paths, ['pg-fallback:4']);
  assert.equal(grid.breaker.state, 'open', 'the slow Redis opened the breaker');
  server.stop(); // rather than wait out the pause: UNPAUSE would queue behind the paused PING
});
