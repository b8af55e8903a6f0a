import type { StressAudit } from '../stress/audit.ts';
import type { Percentiles } from '../stress/stats.ts';
import type { RequestOutcome } from './mixed-load.ts';
import type { Trend } from './memory-trend.ts';

/** One sampling window of the soak: the load's figures and the API's own (from /metrics). */
export interface SoakSample {
  readonly minute: number;
  readonly requestsPerSec: number;
  readonly byOutcome: Record<RequestOutcome, number>;
  readonly skippedSessions: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** The heap right after the API's latest major GC (0 before the first): what stays live. */
  readonly heapAfterGcMb: number;
  readonly eventLoopLagP99Ms: number;
  /** 0 closed, 1 half-open, 2 open. */
  readonly breakerState: number;
  readonly breakerTransitions: number;
  readonly reconcileDriftSeats: number;
  readonly compensations: number;
}

export interface SoakResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly minutes: number;
  readonly sessionsPerSec: number;
  readonly maxInFlight: number;
  readonly environment: { readonly node: string; readonly cpus: number };
  readonly samples: readonly SoakSample[];
  readonly totals: {
    readonly requests: number;
    readonly byOutcome: Record<RequestOutcome, number>;
    readonly skippedSessions: number;
    readonly latency: Percentiles;
    /** "<operation> <status>" of every error and unexpected answer. */
    readonly unexpectedStatuses: Record<string, number>;
  };
  /** heapAfterGc is the memory verdict: a reading of heapUsed depends on where the GC cycle is. */
  readonly memory: { readonly heapAfterGc: Trend; readonly heapUsed: Trend; readonly rss: Trend };
  /** Counters over the whole soak, from the API's metrics. */
  readonly breakerTransitions: number;
  readonly reconcileDriftSeats: number;
  readonly compensations: number;
  readonly audits: readonly { readonly eventId: string; readonly audit: StressAudit; readonly violations: readonly string[] }[];
  readonly failures: readonly string[];
}
