import { faults as allFaults } from './faults.ts';
import type { Fault, ScenarioPlan } from './run-scenario.ts';
import { seededRandom, type SeededRandom } from './seeded-random.ts';
import { defaultWorkload, type Workload } from './workload.ts';

/** One scenario of a seeded run: everything about it but the clock comes from the seed. */
export interface ScheduledScenario extends Omit<ScenarioPlan, 'fault'> {
  readonly fault: string;
}

export interface ChaosSchedule {
  readonly seed: number;
  readonly scenarios: readonly ScheduledScenario[];
}

/** Roughly what a scenario costs beyond its burst (heal, settle, audit, a restart or two), to fit a run into its minutes. */
const OVERHEAD_ESTIMATE_MS = 4_000;

function share(random: SeededRandom, max: number): number {
  return Math.round(random.next() * max * 20) / 20; // steps of 0.05: readable in a printed plan
}

function randomWorkload(random: SeededRandom, fault: Fault): Workload {
  const spreadMs = random.between(2_500, 4_000);
  return {
    ...defaultWorkload,
    buyers: random.between(120, 280),
    spreadMs,
    concurrency: random.between(16, 48),
    maxSeatsPerClaim: random.between(1, 4),
    bookShare: share(random, 0.5),
    bestShare: share(random, 0.3),
    confirmShare: 0.3 + share(random, 0.4),
    releaseShare: share(random, 0.2),
    idempotentShare: 0.2 + share(random, 0.6),
    thinkMs: [random.between(10, 50), random.between(100, 400)] as const,
    ...fault.workload,
  };
}

/**
 * The scenarios a seed stands for: faults, their timing, grids and workloads, drawn in a
 * fixed order from one generator, so the same seed (and the same fault list) always gives
 * the same schedule. Fills `minutes` (estimated), or exactly `scenarios` when given.
 */
export function chaosSchedule(
  seed: number,
  options: { readonly minutes?: number; readonly scenarios?: number; readonly faults?: readonly Fault[] } = {},
): ChaosSchedule {
  const random = seededRandom(seed);
  const faults = options.faults ?? allFaults;
  const budgetMs = (options.minutes ?? 1) * 60_000;
  const scenarios: ScheduledScenario[] = [];
  let plannedMs = 0;
  while (options.scenarios === undefined ? plannedMs < budgetMs : scenarios.length < options.scenarios) {
    const fault = random.pick(faults);
    const workload = randomWorkload(random, fault);
    const grid = fault.grid ?? { rows: random.between(4, 12), cols: random.between(8, 20) };
    const faultAtMs = Math.round(workload.spreadMs * (0.2 + 0.2 * random.next()));
    const faultForMs = Math.max(800, Math.round(workload.spreadMs * (0.25 + 0.25 * random.next())));
    scenarios.push({
      fault: fault.name,
      seed: random.below(2 ** 31),
      grid,
      holdTtlSeconds: random.between(1, 2),
      faultAtMs,
      faultForMs,
      workload,
    });
    plannedMs += workload.spreadMs + OVERHEAD_ESTIMATE_MS;
  }
  return { seed, scenarios };
}

/** The fixed plan the fault tests use: the default workload with the fault's own changes. */
export function standardPlan(fault: Fault, seed = 1): ScenarioPlan {
  const workload = { ...defaultWorkload, ...fault.workload };
  return {
    fault,
    workload,
    seed,
    grid: fault.grid ?? { rows: 10, cols: 20 },
    holdTtlSeconds: 1,
    faultAtMs: Math.round(workload.spreadMs / 3),
    faultForMs: Math.round(workload.spreadMs / 2),
  };
}
