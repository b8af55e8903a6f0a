import type { GateSettings } from '@seatgrid/admission/gate';
import type { Environment } from './environment.ts';
import type { LibraryMeasurement } from './library-measurement.ts';
import type { QuietCheck } from './quiet-check.ts';
import type { RedisBenchmarkMeasurement } from './redis-benchmark-measurement.ts';

/** The target: library decisions/s >= 1.0x redis-benchmark -P 1, same script, same run. */
export const TARGET_RATIO = 1.0;

export interface Comparison {
  readonly inFlight: number;
  readonly libraryPerSec: number;
  readonly redisBenchmarkPerSec: number;
  /** library / redis-benchmark. */
  readonly ratio: number;
  readonly target: number;
  readonly meetsTarget: boolean;
}

export interface Parameters {
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly quick: boolean;
  readonly rows: number;
  readonly cols: number;
  readonly seatsPerClaim: number;
  readonly mode: 'hold';
  readonly holdTtlMs: number;
  readonly inFlightLevels: readonly number[];
  /** Auto-pipelining connections the in-flight claims were spread over. */
  readonly claimConnections: number;
  readonly redisBenchmarkClients: number;
  readonly redisBenchmarkPipeline: 1;
  readonly redisBenchmarkCalibrationRequests: number;
  readonly keyspace: number;
  readonly expectedInvalidSeatShare: number;
  readonly gateSettings: Readonly<GateSettings>;
  readonly measurementOrder: readonly string[];
}

/** Everything results.json holds. */
export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly redisUrl: string;
  readonly parameters: Parameters;
  readonly environment: Environment;
  /** Other clients' load on the server just before the run. */
  readonly quietCheck: QuietCheck;
  readonly library: readonly LibraryMeasurement[];
  readonly redisBenchmark: RedisBenchmarkMeasurement;
  readonly comparisons: readonly Comparison[];
  readonly keysDeleted: number;
  readonly caveats: readonly string[];
}

export function compare(library: readonly LibraryMeasurement[], rb: RedisBenchmarkMeasurement): Comparison[] {
  return library.map((m) => {
    const ratio = m.throughput.claimsPerSec / rb.run.requestsPerSec;
    return {
      inFlight: m.inFlight,
      libraryPerSec: m.throughput.claimsPerSec,
      redisBenchmarkPerSec: rb.run.requestsPerSec,
      ratio,
      target: TARGET_RATIO,
      meetsTarget: ratio >= TARGET_RATIO,
    };
  });
}
