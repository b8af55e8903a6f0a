import type { Baselines } from './baselines.ts';
import type { RunResult } from './run-scenario.ts';

/** Ratios against the baselines measured in the same run. */
export interface Ratios {
  /** Per run: its throughput over bare Express's. */
  readonly throughputVsBareExpress: Record<string, number>;
  /** Per run: the API's CPU µs a request over bare Express's (lower is better). */
  readonly apiCpuVsBareExpress: Record<string, number>;
  /** Admission's refused requests/s (flash-sale, 409s over the run) over bare Express (informational; the target is on the scenario's whole throughput, >= 0.7x). */
  readonly admissionRefusedVsBareExpress: number | null;
  /** Admission's sold-out answers/s (sold-out-storm) over bare Express (target >= 0.9x). */
  readonly admissionSoldOutVsBareExpress: number | null;
  /** Admission's sold-out-storm throughput over redis-benchmark's claims/s. */
  readonly admissionSoldOutVsRedisBenchmark: number | null;
}

export interface StressResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly runtimeSec: number;
  readonly quick: boolean;
  readonly environment: { readonly node: string; readonly cpus: number; readonly redisUrl: string; readonly databaseUrl: string };
  readonly scaling: readonly string[];
  readonly runs: readonly RunResult[];
  readonly baselines: Baselines;
  readonly ratios: Ratios;
  readonly failures: readonly string[];
}

export function computeRatios(runs: readonly RunResult[], baselines: Baselines): Ratios {
  const express = baselines.bareExpress?.throughput;
  const throughputVsBareExpress: Record<string, number> = {};
  if (express !== undefined && express > 0) {
    for (const run of runs) throughputVsBareExpress[`${run.scenario}/${run.strategy}`] = run.throughput / express;
  }
  const expressCpu = baselines.bareExpress?.cpuUsPerRequest;
  const apiCpuVsBareExpress: Record<string, number> = {};
  if (expressCpu !== undefined && expressCpu !== null && expressCpu > 0) {
    for (const run of runs) {
      if (run.apiCpuUsPerRequest !== null) apiCpuVsBareExpress[`${run.scenario}/${run.strategy}`] = run.apiCpuUsPerRequest / expressCpu;
    }
  }
  const find = (scenario: string) => runs.find((r) => r.scenario === scenario && r.strategy === 'admission');
  const refusedPerSec = (run: RunResult | undefined) =>
    run === undefined || run.durationSec === 0 ? undefined : run.byOutcome.refused.count / run.durationSec;
  const over = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? null : a / b);
  return {
    throughputVsBareExpress,
    apiCpuVsBareExpress,
    admissionRefusedVsBareExpress: over(refusedPerSec(find('flash-sale')), express),
    admissionSoldOutVsBareExpress: over(refusedPerSec(find('sold-out-storm')), express),
    admissionSoldOutVsRedisBenchmark: over(refusedPerSec(find('sold-out-storm')), baselines.redisBenchmark?.requestsPerSec),
  };
}
