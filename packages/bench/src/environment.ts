import { execFile } from 'node:child_process';
import { availableParallelism, cpus, platform, release } from 'node:os';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';

const run = promisify(execFile);

/** Where the figures were taken: they mean little without it. */
export interface Environment {
  readonly node: string;
  readonly redisVersion: string;
  readonly redisIoThreads: string;
  readonly redisPersistence: string;
  readonly redisBenchmark: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly os: string;
}

export async function describeEnvironment(redis: Redis): Promise<Environment> {
  const server = await redis.info('server');
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(server)?.[1]?.trim() ?? 'unknown';
  const ioThreads = (await redis.config('GET', 'io-threads')) as string[];
  const [, save] = (await redis.config('GET', 'save')) as string[];
  const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
  const benchVersion = await run('redis-benchmark', ['--version']).then(
    (out) => out.stdout.trim(),
    (error: unknown) => `unavailable (${String(error)})`,
  );
  return {
    node: process.version,
    redisVersion: field('redis_version'),
    redisIoThreads: ioThreads[1] ?? 'unknown',
    redisPersistence: `save "${save ?? ''}", appendonly ${appendonly ?? 'unknown'}`,
    redisBenchmark: benchVersion,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    os: `${platform()} ${release()}`,
  };
}
