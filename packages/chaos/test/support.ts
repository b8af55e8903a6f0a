import assert from 'node:assert/strict';
import { after, before, type TestContext } from 'node:test';
import { ChaosHarness, type HarnessOptions } from '../src/harness.ts';
import { runScenario, type Fault, type ScenarioResult } from '../src/run-scenario.ts';
import { standardPlan } from '../src/schedule.ts';

/**
 * One harness for a test file (its private Redis, API processes and proxies), started before
 * its first test and closed after its last. Call at the top level of the file.
 */
export function harnessForFile(options: HarnessOptions = {}): () => ChaosHarness {
  let harness: ChaosHarness | undefined;
  before(async () => {
    harness = await ChaosHarness.start(options);
  });
  after(() => harness?.close());
  return () => {
    if (harness === undefined) throw new Error('the harness did not start');
    return harness;
  };
}

/** One line of what the system did, for the test log. */
export function summary(result: ScenarioResult): string {
  const { overall: o, during: d, audit: a } = result;
  return (
    `${result.fault}: ${o.requests} requests, ${o.ok} 2xx, ${o.conflicts} 409 (${a.conflicts.byPostgres} by PostgreSQL, ` +
    `${a.conflicts.byGhost} by claims in flight, ${a.conflicts.imprecise} listing free seats too), ${o.unavailable} 503, ${o.other} other; during the fault ${d.requests} requests, ` +
    `errors ${(d.errorRate * 100).toFixed(1)}%, p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms; settled in ${a.settledMs ?? 'never'} ms` +
    (Object.keys(result.notes).length > 0 ? `; ${JSON.stringify(result.notes)}` : '')
  );
}

/**
 * Runs the fault's standard scenario and asserts it kept every invariant, answered every
 * request and that the fault really hit requests in flight.
 */
export async function expectScenarioPasses(t: TestContext, harness: ChaosHarness, fault: Fault): Promise<ScenarioResult> {
  const result = await runScenario(harness, standardPlan(fault));
  t.diagnostic(summary(result));
  for (const known of result.tolerated) t.diagnostic(`known issue: ${known}`);
  assert.deepEqual(result.violations, [], `${fault.name} broke invariants`);
  assert.ok(result.during.requests > 0, 'requests were sent while the fault was on');
  assert.ok(result.overall.ok > 0 && result.overall.conflicts > 0, 'the burst both sold seats and refused buyers');
  assert.deepEqual(result.audit.unanswered, [], 'every request was answered');
  return result;
}
