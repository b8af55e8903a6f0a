import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  createEvent,
  createMetrics,
  createStrategy,
  InvalidInputError,
  strategyNames,
  type RunningStrategy,
} from '@seatgrid/admission';
import { connectRedis, connectTestDatabase, uniqueEventId } from './support.ts';

const running: RunningStrategy[] = [];
after(() => running.forEach((strategy) => strategy.close()));

test('every strategy is built by name, and records its decisions in the metrics', async () => {
  const db = await connectTestDatabase();
  const redis = connectRedis();
  for (const name of strategyNames) {
    const metrics = createMetrics();
    const strategy = createStrategy(name, { db, redis, metrics });
    running.push(strategy);
    assert.equal(strategy.name, name);
    const event = await createEvent(db, { eventId: uniqueEventId(name), name, rows: 1, cols: 1, holdTtlMs: 60_000 });
    const claim = { eventId: event.eventId, seats: [{ row: 1, col: 1 }] };
    assert.equal((await strategy.claimSeats({ ...claim, userId: 'first' })).ok, true);
    assert.equal((await strategy.claimSeats({ ...claim, userId: 'second' })).ok, false);
    const decisions = (await metrics.decisions.get()).values.map((v) => ({ ...v.labels, count: v.value }));
    const path = name === 'admission' ? 'redis' : 'pg';
    assert.deepEqual(
      decisions.map((d) => [d.strategy, d.outcome, d.path, d.count]).sort(),
      [[name, 'granted', path, 1], [name, 'sold-out', path, 1]].sort(),
    );
    const text = await metrics.registry.metrics();
    assert.match(text, /seatgrid_claim_latency_seconds_bucket/);
  }
});

test('the admission strategy without a Redis client is refused clearly', async () => {
  const db = await connectTestDatabase();
  assert.throws(() => createStrategy('admission', { db }), InvalidInputError);
});
