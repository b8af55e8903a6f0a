import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createSeatGrid, InvalidInputError, strategyNames } from '@seatgrid/admission';
import { admissionGrid, databaseUrl, postgresGrid, samples, uniqueEventId } from './support.ts';

test('every strategy is built by name, and records its decisions in the metrics', async () => {
  for (const name of strategyNames) {
    const registry = new Registry();
    const grid =
      name === 'admission' ? await admissionGrid({ metrics: { registry } }) : await postgresGrid(name, { metrics: { registry } });
    assert.equal(grid.strategy, name);
    const event = await grid.createEvent({ eventId: uniqueEventId(name), name, rows: 1, cols: 1, holdTtlMs: 60_000 });
    const claim = { eventId: event.eventId, seats: [{ row: 1, col: 1 }] };
    assert.equal((await grid.claimSeats({ ...claim, userId: 'first' })).ok, true);
    assert.equal((await grid.claimSeats({ ...claim, userId: 'second' })).ok, false);
    const decisions = await samples(registry, 'seatgrid_decisions_total');
    const path = name === 'admission' ? 'redis' : 'pg';
    assert.deepEqual(
      decisions.map((d) => [d.labels.strategy, d.labels.outcome, d.labels.path, d.value]).sort(),
      [
        [name, 'granted', path, 1],
        [name, 'sold-out', path, 1],
      ].sort(),
    );
    const text = await registry.metrics();
    assert.match(text, /seatgrid_claim_latency_seconds_bucket/);
  }
});

test('the admission strategy without a Redis client is refused clearly', () => {
  assert.throws(() => createSeatGrid({ strategy: 'admission', database: databaseUrl, metrics: false }), InvalidInputError);
});
