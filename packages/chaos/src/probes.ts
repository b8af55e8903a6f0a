import { request } from 'node:http';
import { EventNotLoadedError } from '@seatgrid/admission';
import type { FaultContext } from './run-scenario.ts';

/**
 * What a fault reads off the APIs and the stores while it runs: metrics, the log lines of an
 * API's processes, seats Redis and PostgreSQL disagree on.
 */

/**
 * GET /metrics: under WORKERS > 1, the sum over the workers (undefined when it fails, as it
 * does while a worker is starting: the primary waits for every worker's share).
 */
export async function metricsText(baseUrl: string): Promise<string | undefined> {
  return fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) }).then(
    async (res) => (res.ok ? res.text() : undefined),
    () => undefined,
  );
}

/**
 * GET on a connection of its own, closed after the answer; resolves with the status (0: no
 * answer within 2 s). Under WORKERS > 1 each new connection may go to another worker, where a
 * kept-alive one always reaches the same: this is how a probe reaches every worker.
 */
export function freshGet(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { connection: 'close' }, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** The sum of a metric's samples whose labels contain every one of `labels` (e.g. 'path="redis"'). */
export function metricSum(text: string, name: string, ...labels: readonly string[]): number {
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) && labels.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** The breaker state an API reports in its metrics: 0 closed, 1 half-open, 2 open (summed over its workers). */
export async function breakerGauge(baseUrl: string): Promise<number | undefined> {
  const line = (await metricsText(baseUrl))?.split('\n').find((l) => l.startsWith('seatgrid_breaker_state '));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * Seats taken in Redis that PostgreSQL has free, right now; undefined while the event is not
 * loaded in Redis (a fenced re-hydration reads as not loaded too).
 */
export async function redisOnlySeats(context: FaultContext): Promise<number | undefined> {
  const map = await context.harness.gate.seatMap(context.event.eventId).catch((error: unknown) => {
    if (error instanceof EventNotLoadedError) return undefined;
    throw error;
  });
  if (map === undefined) return undefined;
  const redis = map.states;
  const postgres = await context.harness.store.grid.storedSeatStates(context.event.eventId);
  let count = 0;
  for (let i = 0; i < postgres.length; i++) if (redis[i] !== '.' && postgres[i] === '.') count++;
  return count;
}

/** One line an API process logged (pino JSON); the fields the faults read. */
export interface LogLine {
  readonly msg?: string;
  /** Epoch ms. */
  readonly time?: number;
  readonly pid?: number;
  /** The node:cluster worker id, on a worker's lines. */
  readonly worker?: number;
  readonly path?: string;
  readonly eventId?: string;
  readonly seats?: number;
  readonly byKind?: Readonly<Record<string, number>>;
}

/** The JSON lines of an API's output (the primary's and its workers'), those with `msg` if given. */
export function logLines(output: readonly string[], msg?: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of output) {
    if (!text.startsWith('{') || (msg !== undefined && !text.includes(`"msg":"${msg}"`))) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut by a crash: not one of ours to read
    }
  }
  return lines;
}
