import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresSlowUnderWorkers, redisFailover, scaleHarness, workerKilled } from '../src/scale-faults.ts';
import { expectScenarioPasses, harnessForFile } from './support.ts';

// One API whose primary runs two workers, on a private Redis Cluster of three masters with a
// replica each; PostgreSQL through a fault proxy.
const harness = harnessForFile(scaleHarness);

test('a worker SIGKILLed mid-burst: the other answers on, the primary forks a replacement, the dead one’s Redis wins are freed', async (t) => {
  const result = await expectScenarioPasses(t, harness(), workerKilled);
  assert.ok(Number(result.notes.redisOnlyAtKill) > 0, 'seats were won in Redis and unwritten when the worker died');
  assert.ok(Number(result.notes.survivorAnswers) > 0, 'the other worker answered after the death');
  assert.ok(Number(result.notes.replacedMs) > 0, 'a replacement worker listens');
  assert.equal(result.audit.leaked, 0, 'the reconciler freed every seat the dead worker had won');
});

test("PostgreSQL slow (1 s a round trip) under two workers: neither worker's reconciler takes the other's writes in flight for drift", async (t) => {
  const result = await expectScenarioPasses(t, harness(), postgresSlowUnderWorkers);
  assert.deepEqual(
    ['leak', 'unguarded', 'state'].map((kind) => result.notes[`drift.${kind}`]),
    [0, 0, 0],
    'no drift repaired',
  );
});

test('the Redis Cluster master of the event fails over to its replica mid-burst: PostgreSQL answers meanwhile, then the gate, nothing lost', async (t) => {
  const result = await expectScenarioPasses(t, harness(), redisFailover);
  assert.ok(Number(result.notes.failoverMs) > 0, 'a replica took over');
  assert.ok(Number(result.notes.fallbackDecisions) > 0, 'PostgreSQL decided claims while the master was down');
  assert.deepEqual([result.audit.leaked, result.audit.missing], [0, 0], 'Redis equals PostgreSQL after settling');
});
