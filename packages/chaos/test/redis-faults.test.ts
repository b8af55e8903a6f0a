import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flushAll, redisKilled, redisLatency, redisRestartedEmpty, replyCut, scriptFlush } from '../src/faults.ts';
import { expectScenarioPasses, harnessForFile } from './support.ts';

// Each scenario: a burst of 240 buyers (holds, bookings, best-available, confirms,
// releases, idempotent retries) on one API, the fault injected a third of the way in,
// healed, settled, then audited (src/audit.ts). The Redis is the harness's own.
const harness = harnessForFile();

test('Redis killed mid-burst, back from its append-only file: served from PostgreSQL meanwhile, nothing lost', async (t) => {
  const result = await expectScenarioPasses(t, harness(), redisKilled);
  assert.ok(result.during.ok > 0, 'buyers were still served while Redis was down');
});

test('Redis restarted empty: events re-hydrated from PostgreSQL, no seat forgotten', async (t) => {
  await expectScenarioPasses(t, harness(), redisRestartedEmpty);
});

test('SCRIPT FLUSH every 200 ms: NOSCRIPT falls back to EVAL, every claim decided', async (t) => {
  const result = await expectScenarioPasses(t, harness(), scriptFlush);
  assert.equal(result.overall.unavailable, 0, 'a flushed script cache is no outage');
});

test('FLUSHALL mid-burst: the seat maps are rebuilt, winners in flight still land', async (t) => {
  await expectScenarioPasses(t, harness(), flushAll);
});

test('2 s of Redis latency with a 300 ms breaker timeout: answered from PostgreSQL, none hung', async (t) => {
  const result = await expectScenarioPasses(t, harness(), redisLatency);
  assert.ok(result.during.p99Ms < 10_000, 'no request waited for the slow Redis to the client timeout');
});

test('claim replies cut after the script ran: the resent claim is granted once, never refused as bad input', async (t) => {
  const result = await expectScenarioPasses(t, harness(), replyCut);
  assert.ok(Number(result.notes.cuts) > 0);
  assert.equal(result.records.filter((r) => r.problem === 'invalid-input').length, 0);
});
