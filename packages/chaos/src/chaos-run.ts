import { faultNamed } from './faults.ts';
import { ChaosHarness } from './harness.ts';
import { runScenario, type ScenarioResult } from './run-scenario.ts';
import type { ChaosSchedule, ScheduledScenario } from './schedule.ts';

/**
 * Runs a seeded schedule on one harness of two API instances (so every fault, the
 * two-instance one included, can be drawn), scenario after scenario.
 */
export async function runChaos(
  schedule: ChaosSchedule,
  onScenario: (result: ScenarioResult, index: number, planned: ScheduledScenario) => void = () => {},
): Promise<ScenarioResult[]> {
  const harness = await ChaosHarness.start({ instances: 2 });
  const results: ScenarioResult[] = [];
  try {
    for (const [index, planned] of schedule.scenarios.entries()) {
      const result = await runScenario(harness, { ...planned, fault: faultNamed(planned.fault) });
      results.push(result);
      onScenario(result, index, planned);
    }
  } finally {
    await harness.close();
  }
  return results;
}
