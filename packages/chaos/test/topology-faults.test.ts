import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evictingRedis, expiryRacesConfirm, oneBreakerOpen } from '../src/faults.ts';
import { expectScenarioPasses, harnessForFile } from './support.ts';

// Two API instances on one Redis and one PostgreSQL; buyers alternate between them.
const harness = harnessForFile({ instances: 2 });

test("two APIs, one's breaker open: it sells from PostgreSQL, the other through the gate, no seat sold twice", async (t) => {
  const result = await expectScenarioPasses(t, harness(), oneBreakerOpen);
  assert.equal(result.notes.breakerOpened, true);
  assert.equal(result.notes.otherBreaker, 0);
});

test('hold expiry racing confirm at the TTL boundary: each hold is confirmed or expired, never both', async (t) => {
  const result = await expectScenarioPasses(t, harness(), expiryRacesConfirm);
  const confirms = result.records.filter((r) => r.kind === 'confirm');
  assert.ok(confirms.length > 0);
  assert.ok(
    confirms.every((r) => r.outcome === 200 || r.outcome === 410),
    `confirms answered ${[...new Set(confirms.map((r) => r.outcome))].join(', ')}`,
  );
});

test('Redis on an evicting policy: the API warns at start-up, readiness says so, and PostgreSQL still never oversells', async (t) => {
  const result = await expectScenarioPasses(t, harness(), evictingRedis);
  assert.equal(result.notes.warned, true);
  assert.equal(result.notes.readyStatus, 503);
  assert.equal(result.notes.readySafe, false);
});
