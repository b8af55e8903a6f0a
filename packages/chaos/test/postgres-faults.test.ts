import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKilledMidWrite, postgresConnectionsKilled, postgresSlow } from '../src/faults.ts';
import { waitFor } from '@seatgrid/api/child';
import { expectScenarioPasses, harnessForFile } from './support.ts';

const harness = harnessForFile();

test("PostgreSQL connections killed (pg_terminate_backend on the API's backends): the API lives on, nothing acknowledged is lost", async (t) => {
  const result = await expectScenarioPasses(t, harness(), postgresConnectionsKilled);
  assert.ok(Number(result.notes.terminated) > 0);
  assert.ok(harness().node(0).api.running, 'the API survived');
  assert.equal(result.records.filter((r) => r.outcome === 500).length, 0, 'a lost connection is a 503 with Retry-After, never a 500');
});

test('PostgreSQL slow (300 ms a round trip): winners answered after their commit, none lost', async (t) => {
  await expectScenarioPasses(t, harness(), postgresSlow);
});

test('API SIGKILLed between Redis wins and their PostgreSQL writes: after the restart the reconciler frees the seats', async (t) => {
  const result = await expectScenarioPasses(t, harness(), apiKilledMidWrite);
  assert.ok(Number(result.notes.redisOnlyAtKill) > 0, 'seats were won in Redis and never written when the API died');
  assert.ok(
    result.records.some((r) => r.outcome === 'network'),
    'requests in flight lost their connection',
  );
  assert.equal(result.audit.leaked, 0, 'the reconciler freed every seat the dead process had won');
});

test('a retry with the same Idempotency-Key after the API died mid-write gets a definite answer once the reconciler freed the seats', async () => {
  const h = harness();
  const event = await h.createEvent({ rows: 1, cols: 4, holdTtlSeconds: 30 });
  const base = () => h.node(0).api.baseUrl;
  await fetch(`${base()}/events/${event.eventId}/seats`); // loaded in Redis
  const book = () =>
    fetch(`${base()}/events/${event.eventId}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'retrier', 'idempotency-key': 'order-1' },
      body: JSON.stringify({ seats: [{ row: 1, col: 1 }] }),
      signal: AbortSignal.timeout(5_000),
    }).then(
      (res) => res.status,
      () => 'no answer',
    );
  h.node(0).pgProxy.setLatency(1_000);
  const first = book();
  await waitFor('the Redis win', async () => (await h.gate.seatMap(event.eventId)).states[0] !== '.', 5_000, 10);
  await h.node(0).api.kill();
  assert.equal(await first, 'no answer');
  h.node(0).pgProxy.heal();
  await h.node(0).api.restart();
  await waitFor(
    'the reconciler to free the seat',
    async () => {
      await fetch(`${base()}/events/${event.eventId}/seats`);
      return (await h.gate.seatMap(event.eventId)).states[0] === '.';
    },
    10_000,
  );
  assert.notEqual(await book(), 409, 'the retry is decided, not "still in flight"');
});
