import type { Gate } from '@seatgrid/admission/gate';
import type { Redis } from 'ioredis';
import type { BenchEvents } from './bench-events.ts';
import type { Progress } from './progress.ts';
import type { RedisTarget } from './redis-target.ts';
import type { Workload } from './workload.ts';

/** What every measurement of one run shares. */
export interface BenchContext {
  readonly target: RedisTarget;
  /** Plain client: set-up, stats, clean-up. */
  readonly admin: Redis;
  /** The engine on the admin client: creates events, reads counters. */
  readonly adminGate: Gate;
  /** The engine on each auto-pipelining claim connection: the library side's claims, nothing else. */
  readonly claimGates: readonly Gate[];
  readonly events: BenchEvents;
  readonly workload: Workload;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly calibrationRequests: number;
  readonly progress: Progress;
  /** Set while redis-benchmark runs, so Ctrl-C can stop it. */
  childPid: number | undefined;
}
