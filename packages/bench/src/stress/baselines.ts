import { fileURLToPath } from 'node:url';
import { createGate, eventKeys } from '@seatgrid/admission/gate';
import { ChildServer, waitFor } from '@seatgrid/api/child';
import { Redis } from 'ioredis';
import { claimSeatsCommand, loadClaimScript, probeCommand, runRedisBenchmark } from '../redis-benchmark.ts';
import { redisTarget } from '../redis-target.ts';
import { defineWorkload } from '../workload.ts';
import { readCpu, usPerRequest } from '../cpu-meter.ts';
import { EVERY_WORKER_LISTENING } from './bare-express-ready.ts';
import { runLoad, type LoadResult, type PlannedRequest } from './load.ts';
import { warmUp } from './warm-up.ts';

const BARE_EXPRESS = fileURLToPath(new URL('./bare-express-server.ts', import.meta.url));

export interface RedisBenchmarkBaseline {
  readonly clients: number;
  readonly requests: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The bare Express run, with the CPU its process spent a request answered (/proc, over the measured load). */
export interface BareExpressBaseline extends LoadResult {
  readonly cpuUsPerRequest: number | null;
}

export interface Baselines {
  readonly bareExpress: BareExpressBaseline | null;
  readonly redisBenchmark: RedisBenchmarkBaseline | null;
  readonly notes: readonly string[];
}

/**
 * The baseline server (bare-express-server.ts) as a child process on a spare port, run like the
 * API; with `workers` > 1, resolved once every one of its processes listens. With
 * `oneRedisCall` (a Redis URL) its route sends one claim-shaped EVALSHA before answering.
 */
export async function startBareExpress(nodeArgs: readonly string[] = [], workers = 1, oneRedisCall?: string): Promise<ChildServer> {
  const server = await ChildServer.start({
    script: BARE_EXPRESS,
    readyPath: '/healthz',
    readyTimeoutMs: 15_000,
    nodeArgs,
    env: { WORKERS: String(workers), ...(oneRedisCall === undefined ? {} : { ONE_REDIS_CALL: oneRedisCall }) },
  });
  try {
    await waitFor(`bare Express: ${workers} process(es) listening`, () => server.output.includes(EVERY_WORKER_LISTENING), 15_000);
  } catch (error) {
    await server.kill();
    throw error;
  }
  return server;
}

/** The request the baseline answers with a 409 problem, shaped like a buyer's. */
export function bareExpressRequest(n: number): PlannedRequest {
  return { method: 'POST', path: '/events/baseline/bookings', headers: { 'x-user-id': `u-${n}` }, body: { quantity: 1 } };
}

/**
 * A bare Express POST route under the same autocannon load as the scenarios (100 connections),
 * served by `workers` processes (node:cluster); the CPU is theirs together.
 */
export async function measureBareExpress(
  requests: number,
  timeLimitSec: number,
  progress: (line: string) => void,
  workers = 1,
): Promise<BareExpressBaseline> {
  const server = await startBareExpress([], workers);
  const label = workers === 1 ? 'bare Express' : `bare Express x${workers}`;
  try {
    await warmUp(server.baseUrl, { connections: 100, amount: 2_000, next: bareExpressRequest });
    progress(`baseline: ${label} POST route, ${requests} requests, 100 connections`);
    const cpuBefore = await readCpu(server.pid, undefined);
    const result = await runLoad({
      label: workers === 1 ? 'bare-express' : `bare-express-x${workers}`,
      baseUrl: server.baseUrl,
      connections: 100,
      amount: requests,
      timeLimitSec,
      progress,
      next: bareExpressRequest,
    });
    const cpuUsPerRequest = usPerRequest(cpuBefore.processUs, (await readCpu(server.pid, undefined)).processUs, result.requests);
    progress(`baseline: ${label} ${result.throughput.toFixed(0)} req/s, ${cpuUsPerRequest?.toFixed(1) ?? '-'} µs CPU a request`);
    return { ...result, cpuUsPerRequest };
  } finally {
    await server.stop();
  }
}

/**
 * redis-benchmark -P 1 -c 50 sending EVALSHA of the library's claim-seats script, through
 * the claims micro-benchmark's modules, on a scratch 1000 x 1000 event removed afterwards.
 */
export async function measureRedisBenchmarkBaseline(
  redisUrl: string,
  requests: number,
  progress: (line: string) => void,
): Promise<RedisBenchmarkBaseline> {
  const target = redisTarget(redisUrl);
  const redis = new Redis(redisUrl);
  const gate = createGate({ redis });
  const eventId = `stress-rb-${Date.now().toString(36)}`;
  const workload = defineWorkload(1_000, 1_000, gate.settings.holdTtlMs);
  try {
    await gate.loadEvent({ eventId, rows: workload.rows, cols: workload.cols, holds: [] });
    const sha = await loadClaimScript(redis);
    const command = claimSeatsCommand(sha, gate.settings, eventId, workload);
    await probeCommand(redis, command, workload);
    progress(`baseline: redis-benchmark -P 1 -c 50 EVALSHA claim-seats, -n ${requests}`);
    const run = await runRedisBenchmark({ target, command, clients: 50, requests, keyspace: workload.keyspace });
    progress(`baseline: redis-benchmark ${run.requestsPerSec.toFixed(0)} claims/s`);
    return { clients: 50, requests, requestsPerSec: run.requestsPerSec, p50Ms: run.latencyMs.p50, p99Ms: run.latencyMs.p99 };
  } finally {
    const keys = eventKeys(gate.settings.keyPrefix, eventId);
    const scratch = await redis.keys(`${gate.settings.keyPrefix}:{ev:${eventId}}:*`);
    if (keys.length + scratch.length > 0) await redis.del(...keys, ...scratch);
    redis.disconnect();
  }
}
