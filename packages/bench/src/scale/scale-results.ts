import type { BareExpressBaseline } from '../stress/baselines.ts';
import type { StressAudit } from '../stress/audit.ts';
import type { LoadResult } from '../stress/load.ts';
import type { ScaleSizes } from './scale-sizes.ts';
import type { ScaleWorkloadName } from './scale-workloads.ts';

/** The load phases measured on each API, in the order they run. */
export const SCALE_PHASES = ['flash-sale', 'sold-out-storm', 'two-phase holds', 'two-phase confirms'] as const;
export type ScalePhase = (typeof SCALE_PHASES)[number];

/** One load phase with the CPU it cost: the API's processes together (/proc), the cluster's masters together (INFO cpu). */
export interface MeasuredLoad extends LoadResult {
  readonly apiCpuUsPerRequest: number | null;
  readonly redisCpuUsPerRequest: number | null;
}

/** One event's audit, on the shard it lives in. */
export interface EventAudit {
  readonly eventId: string;
  readonly workload: ScaleWorkloadName;
  /** Index into the shard list; -1 when no shard has it (itself a failure). */
  readonly shard: number;
  readonly capacity: number;
  readonly audit: StressAudit;
  readonly violations: readonly string[];
}

/** Everything measured on the API at one process count. */
export interface ApiScaleRun {
  readonly workers: number;
  /** 1-minute load average as its load began: other work on the machine shows here. */
  readonly loadAverage: number;
  readonly loads: Record<ScalePhase, MeasuredLoad>;
  readonly audits: readonly EventAudit[];
  /** Events of this run per shard, in shard order. */
  readonly eventsPerShard: readonly number[];
}

/** Throughput at the most processes over throughput at one. */
export interface ScaleRatios {
  readonly api: Partial<Record<ScalePhase, number>>;
  readonly bareExpress: number | null;
}

export interface ScaleResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly runtimeSec: number;
  readonly quick: boolean;
  readonly environment: {
    readonly node: string;
    readonly cpus: number;
    /** 1-minute load average as the run began and ended: other work on the machine shows here. */
    readonly loadAverageBefore: number;
    readonly loadAverageAfter: number;
    readonly redisClusterNodes: string;
    /** The shard databases' URLs, passwords masked. */
    readonly shards: readonly string[];
  };
  readonly sizes: ScaleSizes;
  readonly apiRuns: readonly ApiScaleRun[];
  /** The bare Express route at each process count, in the same order as apiRuns. */
  readonly bareExpress: readonly (BareExpressBaseline & { readonly workers: number; readonly loadAverage: number })[];
  readonly ratios: ScaleRatios;
  readonly notes: readonly string[];
  readonly failures: readonly string[];
}

export function computeScaleRatios(
  apiRuns: readonly ApiScaleRun[],
  bareExpress: readonly (BareExpressBaseline & { readonly workers: number })[],
): ScaleRatios {
  const over = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b <= 0 ? undefined : a / b);
  const first = apiRuns.find((r) => r.workers === 1);
  const most = apiRuns.reduce<ApiScaleRun | undefined>((m, r) => (m === undefined || r.workers > m.workers ? r : m), undefined);
  const api: Partial<Record<ScalePhase, number>> = {};
  if (first !== undefined && most !== undefined && most !== first) {
    for (const phase of SCALE_PHASES) {
      const ratio = over(most.loads[phase].throughput, first.loads[phase].throughput);
      if (ratio !== undefined) api[phase] = ratio;
    }
  }
  const bareOne = bareExpress.find((b) => b.workers === 1);
  const bareMost = bareExpress.reduce<(typeof bareExpress)[number] | undefined>(
    (m, b) => (m === undefined || b.workers > m.workers ? b : m),
    undefined,
  );
  return { api, bareExpress: bareMost === bareOne ? null : (over(bareMost?.throughput, bareOne?.throughput) ?? null) };
}
