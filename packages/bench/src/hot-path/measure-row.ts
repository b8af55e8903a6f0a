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
  /** Measured requests answered (any status). */
  readonly requests: number;
  /** Of them, 2xx answers. */
  readonly won: number;
  readonly durationSec: number;
  readonly throughput: number;
  readonly latency: Percentiles;
  readonly byStatus: Record<string, number>;
  /** Measured answers with another status than expected, plus autocannon's transport errors (timeouts among them). */
  readonly errors: number;
  /** What went wrong: too few answers, the warm-up's unexpected answers, what the row's check found after the load (a granted hold missing in PostgreSQL, say). */
  readonly problems: readonly string[];
  /** CPU µs the server process's threads ran a request answered (processCpuMicros). */
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
  readonly connections: number;
  readonly redis: Redis;
  readonly progress: (line: string) => void;
}

/** Uncounted requests of the row's own kind (JIT, keep-alive connections, the sold-out cache): what went wrong, and the 2xx answers. */
export async function warmUp(
  row: HotPathRow,
  prepared: PreparedRow,
  amount: number,
  options: MeasureOptions,
): Promise<{ readonly won: number; readonly problems: readonly string[] }> {
  if (amount === 0) return { won: 0, problems: [] };
  const { server, next } = prepared;
  const warm = await runLoad({
    baseUrl: server.baseUrl,
    connections: options.connections,
    timeLimitSec: 120,
    label: `${row.name} warm-up`,
    amount,
    next,
    progress: () => undefined,
  });
  const expected = String(row.expectedStatus);
  const unexpected = warm.requests - (warm.byStatus[expected] ?? 0);
  return {
    won: warm.byOutcome.won.count,
    problems: unexpected > 0 ? [`warm-up: ${unexpected} answers other than ${expected} (${JSON.stringify(warm.byStatus)})`] : [],
  };
}

/**
 * `amount` measured requests, from the row's `first`-th on, between two readings of the
 * server's and Redis's CPU. The row's check of the state it leaves runs once, after every burst.
 */
export async function measureBurst(
  row: HotPathRow,
  prepared: PreparedRow,
  burst: { readonly first: number; readonly amount: number },
  options: MeasureOptions,
): Promise<RowMeasurement> {
  const { server, next } = prepared;
  const scriptStats = async () => {
    const stats = await options.redis.info('commandstats');
    const [evalsha, evalStat] = [commandStat(stats, 'evalsha'), commandStat(stats, 'eval')];
    return { calls: evalsha.calls + evalStat.calls, usec: evalsha.usec + evalStat.usec };
  };
  const scriptsBefore = await scriptStats();
  const cpuBefore = await readCpu(server.pid, options.redis);
  const startUs = monotonicMicros();
  const load = await runLoad({
    baseUrl: server.baseUrl,
    connections: options.connections,
    timeLimitSec: 120,
    progress: options.progress,
    label: row.name,
    amount: burst.amount,
    next: (n) => next(burst.first + n),
  });
  const cpuAfter = await readCpu(server.pid, options.redis);
  const scriptsAfter = await scriptStats();
  const calls = scriptsAfter.calls - scriptsBefore.calls;
  const cpu = cpuPerRequest(cpuBefore, cpuAfter, load.requests);
  const expected = String(row.expectedStatus);
  const unexpected = Object.entries(load.byStatus).reduce((sum, [status, n]) => sum + (status === expected ? 0 : n), 0);
  return {
    name: row.name,
    description: row.description,
    expectedStatus: row.expectedStatus,
    requests: load.requests,
    won: load.byOutcome.won.count,
    durationSec: load.durationSec,
    throughput: load.throughput,
    latency: load.latency,
    byStatus: load.byStatus,
    errors: unexpected + load.transportErrors,
    problems: load.requests < burst.amount ? [`only ${load.requests} of ${burst.amount} requests answered`] : [],
    cpuUsPerRequest: cpu.processUsPerRequest,
    redisCpuUsPerRequest: cpu.redisUsPerRequest,
    redisScriptCallsPerRequest: load.requests === 0 ? 0 : calls / load.requests,
    redisUsPerScriptCall: calls === 0 ? null : (scriptsAfter.usec - scriptsBefore.usec) / calls,
    // Up to the last answer, as the load's duration is.
    windowUs: { startUs, endUs: startUs + load.durationSec * 1e6 },
  };
}
