import type { Redis } from 'ioredis';
import { commandStat } from '../claim-accounting.ts';
import { cpuPerRequest, readCpu } from '../cpu-meter.ts';
import { runLoad } from '../stress/load.ts';
import type { Percentiles } from '../stress/stats.ts';
import type { RowName } from './cpu-targets.ts';
import { monotonicMicros } from './profile-top-frames.ts';
import type { HotPathRow, PreparedRow } from './rows.ts';

export interface RowMeasurement {
  readonly name: RowName;
  readonly description: string;
  readonly expectedStatus: number;
  readonly warmupRequests: number;
  /** Measured requests answered (any status). */
  readonly requests: number;
  readonly durationSec: number;
  readonly throughput: number;
  readonly latency: Percentiles;
  readonly byStatus: Record<string, number>;
  /** Measured answers with another status than expected, plus autocannon's transport errors (timeouts among them). */
  readonly errors: number;
  /** What the row's check found wrong after the load (e.g. a granted hold missing in PostgreSQL). */
  readonly problems: readonly string[];
  /** CPU µs (user + system, /proc/<pid>/stat) the server process spent a request answered. */
  readonly cpuUsPerRequest: number | null;
  /** CPU µs Redis spent a request (INFO cpu; other clients' work included). */
  readonly redisCpuUsPerRequest: number | null;
  /** EVALSHA/EVAL calls Redis ran a request (INFO commandstats; other clients' included). */
  readonly redisScriptCallsPerRequest: number;
  /** Redis's own time a script call (INFO commandstats usec over calls); null when none ran. */
  readonly redisUsPerScriptCall: number | null;
  /** The measured phase on the monotonic clock, to cut the server's profile to it. */
  readonly windowUs: { readonly startUs: number; readonly endUs: number };
}

export interface MeasureOptions {
  readonly requests: number;
  readonly warmup: number;
  readonly connections: number;
  readonly redis: Redis;
  readonly progress: (line: string) => void;
}

/**
 * Warm-up with the row's own request (JIT, keep-alive connections, the sold-out cache),
 * then the measured load between two readings of the server's and Redis's CPU.
 */
export async function measureRow(row: HotPathRow, prepared: PreparedRow, options: MeasureOptions): Promise<RowMeasurement> {
  const { server, next } = prepared;
  const base = { baseUrl: server.baseUrl, connections: options.connections, timeLimitSec: 120, progress: options.progress };
  const warm =
    options.warmup === 0
      ? undefined
      : await runLoad({ ...base, label: `${row.name} warm-up`, amount: options.warmup, next, progress: () => undefined });
  const scriptStats = async () => {
    const stats = await options.redis.info('commandstats');
    const [evalsha, evalStat] = [commandStat(stats, 'evalsha'), commandStat(stats, 'eval')];
    return { calls: evalsha.calls + evalStat.calls, usec: evalsha.usec + evalStat.usec };
  };
  const scriptsBefore = await scriptStats();
  const cpuBefore = await readCpu(server.pid, options.redis);
  const startUs = monotonicMicros();
  const load = await runLoad({ ...base, label: row.name, amount: options.requests, next: (n) => next(options.warmup + n) });
  const cpuAfter = await readCpu(server.pid, options.redis);
  const scriptsAfter = await scriptStats();
  const calls = scriptsAfter.calls - scriptsBefore.calls;
  const cpu = cpuPerRequest(cpuBefore, cpuAfter, load.requests);
  const expected = String(row.expectedStatus);
  const unexpected = Object.entries(load.byStatus).reduce((sum, [status, n]) => sum + (status === expected ? 0 : n), 0);
  const won = (warm?.byOutcome.won.count ?? 0) + load.byOutcome.won.count;
  const problems = [...(await prepared.check(won))];
  const warmUnexpected = warm === undefined ? 0 : warm.requests - (warm.byStatus[expected] ?? 0);
  if (warmUnexpected > 0) problems.push(`warm-up: ${warmUnexpected} answers other than ${expected} (${JSON.stringify(warm?.byStatus)})`);
  if (load.requests < options.requests) problems.push(`only ${load.requests} of ${options.requests} requests answered`);
  return {
    name: row.name,
    description: row.description,
    expectedStatus: row.expectedStatus,
    warmupRequests: warm?.requests ?? 0,
    requests: load.requests,
    durationSec: load.durationSec,
    throughput: load.throughput,
    latency: load.latency,
    byStatus: load.byStatus,
    errors: unexpected + load.transportErrors,
    problems,
    cpuUsPerRequest: cpu.processUsPerRequest,
    redisCpuUsPerRequest: cpu.redisUsPerRequest,
    redisScriptCallsPerRequest: load.requests === 0 ? 0 : calls / load.requests,
    redisUsPerScriptCall: calls === 0 ? null : (scriptsAfter.usec - scriptsBefore.usec) / calls,
    // Up to the last answer, as the load's duration is.
    windowUs: { startUs, endUs: startUs + load.durationSec * 1e6 },
  };
}
