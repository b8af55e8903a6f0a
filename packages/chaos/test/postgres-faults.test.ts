import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKilledMidWrite, postgresConnectionsKilled, postgresSlow } from '../src/faults.ts';
import { expectScenarioPasses, harnessForFile } from './support.ts';

const harness = harnessForFile();

test("PostgreSQL connections killed (pg_terminate_backend on the API's backends): the API lives on, nothing acknowledged is lost", async (t) => {
  const result = await expectScenarioPasses(t, harness(), postgresConnectionsKilled);
  assert.ok(Number(result.notes.terminated) > 0);
  assert.ok(harness().node(0).api.running, 'the API survived');
  await t.test(
    'failed requests are answered 503 with Retry-After, not 500',
    { todo: "API: map pg's connection-loss errors (no SQLSTATE) to 503 in http-problem.ts" },
    () => assert.deepEqual(result.tolerated, []),
  );
});

test('PostgreSQL slow (300 ms a round trip): winners answered after their commit, none lost', async (t) => {
  await expectScenarioPasses(t, harness(), postgresSlow);
});

test('API SIGKILLed between Redis wins and their PostgreSQL writes: after the restart the reconciler frees the seats', async (t) => {
  const result = await expectScenarioPasses(t, harness(), apiKilledMidWrite);
  assert.ok(Number(result.notes.redisOnlyAtKill) > 0, 'seats were won in Redis and never written when the API died');
  assert.ok(result.records.some((r) => r.outcome === 'network'), 'requests in flight lost their connection');
  assert.equal(result.audit.leaked, 0, 'the reconciler freed every seat the dead process had won');
});
