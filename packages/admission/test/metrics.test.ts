import assert from 'node:assert/strict';
import { test } from 'node:test';
import { register, Registry } from 'prom-client';
import { createSeatGrid, type SeatGrid, type SeatGridOptions } from '@seatgrid/admission';
import { closeAtEnd, databaseUrl, samples, uniqueEventId } from './support.ts';

/** A migrated optimistic grid with exactly these metrics options (none: the library's default). */
async function gridWith(metrics?: SeatGridOptions['metrics']): Promise<SeatGrid> {
  const database = { connectionString: databaseUrl, max: 2 };
  const grid = createSeatGrid({ strategy: 'optimistic', database, ...(metrics === undefined ? {} : { metrics }) });
  closeAtEnd(() => grid.close());
  await grid.migrate();
  return grid;
}

/** One granted claim on a new event. */
async function oneSale(grid: SeatGrid): Promise<void> {
  const event = await grid.createEvent({ eventId: uniqueEventId('metrics'), name: 'metrics', rows: 1, cols: 1, holdTtlMs: 60_000 });
  assert.equal((await grid.claimSeats({ eventId: event.eventId, userId: 'u', seats: [{ row: 1, col: 1 }] })).ok, true);
}

test("by default the metrics land on prom-client's global registry", async () => {
  register.clear();
  await oneSale(await gridWith());
  const granted = (await samples(register, 'seatgrid_decisions_total')).filter((s) => s.labels.outcome === 'granted');
  assert.deepEqual(granted, [{ labels: { strategy: 'optimistic', outcome: 'granted', path: 'pg' }, value: 1 }]);
  assert.ok((await samples(register, 'seatgrid_pg_queries_total'))[0]?.value);
  register.clear();
});

test('a given registry, prefix and constant labels appear in the exposition text', async () => {
  const registry = new Registry();
  await oneSale(await gridWith({ registry, prefix: 'box_office_', labels: { service: 'tickets', region: 'eu' } }));
  const text = await registry.metrics();
  const decision = text.split('\n').find((line) => line.startsWith('box_office_decisions_total{') && line.includes('outcome="granted"'));
  assert.ok(decision, text);
  for (const label of ['service="tickets"', 'region="eu"', 'strategy="optimistic"', 'path="pg"'])
    assert.ok(decision.includes(label), decision);
  assert.match(decision, / 1$/);
  assert.match(text, /^# TYPE box_office_pg_queries_total counter$/m);
  assert.match(text, /^box_office_claim_latency_seconds_bucket\{.*service="tickets"/m);
  assert.doesNotMatch(text, /seatgrid_/, 'every name carries the given prefix');
  assert.deepEqual(await register.getMetricsAsJSON(), [], 'nothing on the global registry');
});

test('two SeatGrids on one registry: no error, and both count into the same metrics', async () => {
  const registry = new Registry();
  const first = await gridWith({ registry });
  const second = await gridWith({ registry });
  await oneSale(first);
  const queriesAfterFirst = (await samples(registry, 'seatgrid_pg_queries_total'))[0]?.value ?? 0;
  await oneSale(second);
  const granted = (await samples(registry, 'seatgrid_decisions_total')).filter((s) => s.labels.outcome === 'granted');
  assert.deepEqual(
    granted.map((s) => s.value),
    [2],
  );
  assert.ok(
    ((await samples(registry, 'seatgrid_pg_queries_total'))[0]?.value ?? 0) > queriesAfterFirst,
    'the second counts PostgreSQL statements too',
  );
});

test('metrics: false registers nothing', async () => {
  register.clear();
  await oneSale(await gridWith(false));
  assert.deepEqual(await register.getMetricsAsJSON(), []);
});
