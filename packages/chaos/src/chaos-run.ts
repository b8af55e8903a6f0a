import { faultNamed } from './faults.ts';
import { ChaosHarness, type HarnessShape } from './harness.ts';
import { runScenario, type ScenarioResult } from './run-scenario.ts';
import type { ChaosSchedule, ScheduledScenario } from './schedule.ts';

/** The harness most faults share: two API instances, so the two-instance fault can be drawn too. */
const standardShape: HarnessShape = { instances: 2 };

/**
 * Runs a seeded schedule scenario after scenario: each on the standard harness, or on a
 * harness of the fault's own shape (workers, a Redis Cluster), started the first time a fault
 * needs it and kept for the next. Every harness is closed at the end, failed or not.
 */
export async function runChaos(
  schedule: ChaosSchedule,
  onScenario: (result: ScenarioResult, index: number, planned: ScheduledScenario) => void = () => {},
): Promise<ScenarioResult[]> {
  const harnesses = new Map<string, Promise<ChaosHarness>>();
  const harnessFor = (shape: HarnessShape): Promise<ChaosHarness> => {
    const key = JSON.stringify(shape);
    let harness = harnesses.get(key);
    if (harness === undefined) {
      harness = ChaosHarness.start(shape);
      harnesses.set(key, harness);
    }
    return harness;
  };
  const results: ScenarioResult[] = [];
  try {
    for (const [index, planned] of schedule.scenarios.entries()) {
      const fault = faultNamed(planned.fault);
      const result = await runScenario(await harnessFor(fault.harness ?? standardShape), { ...planned, fault });
      results.push(result);
      onScenario(result, index, planned);
    }
  } finally {
    await Promise.all(
      [...harnesses.values()].map((harness) =>
        harness.then(
          (h) => h.close(),
          () => undefined,
        ),
      ),
    );
  }
  return results;
}
