import type { Redis } from 'ioredis';
import { processTreeCpuMicros, redisCpuSeconds } from './cpu-usage.ts';

/** CPU µs used so far by a server process with its workers, if any (/proc), and by the Redis server (INFO cpu). */
export interface CpuReading {
  readonly processUs: number | undefined;
  readonly redisUs: number | undefined;
}

/** CPU µs a request answered over a measured phase; null where a reading is missing or nothing was answered. */
export interface CpuPerRequest {
  readonly processUsPerRequest: number | null;
  readonly redisUsPerRequest: number | null;
}

/** The process first: it is the figure that matters, and INFO's round trip comes after it. */
export async function readCpu(pid: number | undefined, redis: Redis | undefined): Promise<CpuReading> {
  const processUs = pid === undefined ? undefined : processTreeCpuMicros(pid);
  const redisUs = redis === undefined ? undefined : redisCpuSeconds(await redis.info('cpu')) * 1e6;
  return { processUs, redisUs: Number.isFinite(redisUs) ? redisUs : undefined };
}

export function usPerRequest(before: number | undefined, after: number | undefined, requests: number): number | null {
  if (before === undefined || after === undefined || requests <= 0) return null;
  return Math.max(0, after - before) / requests;
}

export function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): CpuPerRequest {
  return {
    processUsPerRequest: usPerRequest(before.processUs, after.processUs, requests),
    redisUsPerRequest: usPerRequest(before.redisUs, after.redisUs, requests),
  };
}
