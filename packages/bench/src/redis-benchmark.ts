import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { gateScripts, eventKeys, idempotencyRecordKey, ResultCode, type GateSettings } from '@seatgrid/admission/gate';
import type { Redis } from 'ioredis';
import type { LatencySummary } from './claim-throughput.ts';
import type { RedisTarget } from './redis-target.ts';
import { HOLD_ID_TEMPLATE, RAND_TOKEN, randomToken, USER_ID_TEMPLATE, type Workload } from './workload.ts';

/**
 * redis-benchmark (the C client from redis-tools) sending EVALSHA of the very script the
 * library runs for claimSeats, with the library's key and argument layout (see the header
 * of lua/claim-seats-7.lua), unpipelined.
 */
export interface RedisBenchmarkRun {
  readonly clients: number;
  readonly pipeline: 1;
  readonly requests: number;
  readonly requestsPerSec: number;
  readonly latencyMs: LatencySummary;
  readonly wallMs: number;
}

/** SCRIPT LOAD of the flattened claim-seats source; returns its sha1. */
export async function loadClaimScript(redis: Redis): Promise<string> {
  return String(await redis.script('LOAD', gateScripts['claim-seats'].lua));
}

/**
 * The EVALSHA command line: the event's six keys and an idempotency record key (left
 * untouched: the fingerprint is empty), then ARGV exactly as Gate.claimSeats sends it
 * with these settings, `__rand_int__` standing in for the random user, hold id and seat.
 */
export function claimSeatsCommand(sha: string, settings: GateSettings, eventId: string, workload: Workload): string[] {
  const script = gateScripts['claim-seats'];
  const keys = [...eventKeys(settings.keyPrefix, eventId), idempotencyRecordKey(settings.keyPrefix, eventId, 'redis-benchmark', undefined)];
  if (keys.length !== script.numberOfKeys) throw new Error(`claim-seats takes ${script.numberOfKeys} keys, got ${keys.length}`);
  const args = [
    settings.reapBatchSize,
    settings.tombstoneMs,
    USER_ID_TEMPLATE,
    HOLD_ID_TEMPLATE,
    workload.holdTtlMs,
    settings.expiryGraceMs,
    '', // fingerprint: no idempotency key
    settings.idempotencyTtlMs,
    RAND_TOKEN, // row
    RAND_TOKEN, // col
  ].map(String);
  return ['EVALSHA', sha, String(keys.length), ...keys, ...args];
}

/**
 * Sends the command once from here with its tokens filled in as redis-benchmark would
 * (a valid seat), and checks that the script grants it: proof that the layout is right.
 */
export async function probeCommand(redis: Redis, command: readonly string[], workload: Workload): Promise<void> {
  const filled = command.map((arg) => arg.replaceAll(RAND_TOKEN, () => randomToken(workload.keyspace).replace(/^0+$/, '1')));
  const reply = (await redis.call(filled[0] as string, ...filled.slice(1))) as unknown[];
  if (Number(reply[0]) !== ResultCode.OK) {
    throw new Error(`the redis-benchmark command does not claim a seat: reply ${JSON.stringify(reply)}`);
  }
}

export interface RedisBenchmarkInvocation {
  readonly target: RedisTarget;
  readonly command: readonly string[];
  readonly clients: number;
  readonly requests: number;
  readonly keyspace: number;
  /** Receives the child's pid while it runs, undefined when it ended (for Ctrl-C). */
  readonly onChild?: (pid: number | undefined) => void;
}

export function redisBenchmarkArgs(invocation: RedisBenchmarkInvocation): string[] {
  const { target } = invocation;
  return [
    '-h',
    target.host,
    '-p',
    String(target.port),
    ...(target.db === 0 ? [] : ['--dbnum', String(target.db)]),
    ...(target.username === undefined ? [] : ['--user', target.username]),
    ...(target.password === undefined ? [] : ['-a', target.password]),
    '-c',
    String(invocation.clients),
    '-n',
    String(invocation.requests),
    '-P',
    '1',
    '-r',
    String(invocation.keyspace),
    '--csv',
    ...invocation.command,
  ];
}

export async function runRedisBenchmark(invocation: RedisBenchmarkInvocation): Promise<RedisBenchmarkRun> {
  const start = performance.now();
  const { stdout, stderr, code } = await runChild('redis-benchmark', redisBenchmarkArgs(invocation), invocation.onChild);
  const wallMs = performance.now() - start;
  if (code !== 0) throw new Error(`redis-benchmark exited with ${code}: ${stderr.trim() || stdout.trim()}`);
  const row = parseCsvRow(stdout);
  const number = (name: string): number => {
    const value = Number(row[name]);
    if (!Number.isFinite(value)) throw new Error(`redis-benchmark CSV has no ${name}: ${stdout.trim()}`);
    return value;
  };
  return {
    clients: invocation.clients,
    pipeline: 1,
    requests: invocation.requests,
    requestsPerSec: number('rps'),
    latencyMs: {
      avg: number('avg_latency_ms'),
      p50: number('p50_latency_ms'),
      p95: number('p95_latency_ms'),
      p99: number('p99_latency_ms'),
      max: number('max_latency_ms'),
    },
    wallMs,
  };
}

function runChild(
  file: string,
  args: readonly string[],
  onChild: ((pid: number | undefined) => void) | undefined,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    onChild?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      onChild?.(undefined);
      reject(error);
    });
    child.on('close', (code) => {
      onChild?.(undefined);
      resolve({ stdout, stderr, code });
    });
  });
}

/** The header and the last data row of redis-benchmark's --csv output, as name -> value. */
function parseCsvRow(output: string): Record<string, string> {
  const lines = output.split(/\r?\n/).filter((line) => line.startsWith('"'));
  const header = lines.find((line) => line.startsWith('"test"'));
  const data = lines.filter((line) => line !== header).at(-1);
  if (header === undefined || data === undefined) throw new Error(`unexpected redis-benchmark output: ${output.trim()}`);
  const names = parseCsvLine(header);
  const values = parseCsvLine(data);
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? '']));
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else value += line[i++];
      }
      fields.push(value);
    } else {
      const end = line.indexOf(',', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
    if (line[i] === ',') i++;
  }
  return fields;
}
