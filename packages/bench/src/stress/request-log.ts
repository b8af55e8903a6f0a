import { performance } from 'node:perf_hooks';
import type { LoadResult } from './load.ts';
import { outcomeOf, OUTCOMES, type Outcome } from './outcome.ts';
import { percentiles, type Percentiles } from './stats.ts';

/** One answer: its status, its JSON body (undefined when none), and how long it took. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly ms: number;
}

/**
 * The scenarios that drive the API themselves (a buyer's steps in order, not one request
 * shape): fetch with at most `inFlight` requests at once (the rest wait their turn, unmeasured),
 * each answer timed and logged under a phase, as LoadResults for the report.
 */
export class RequestLog {
  readonly #baseUrl: string;
  readonly #inFlight: number;
  #running = 0;
  readonly #queue: (() => void)[] = [];
  readonly #phases = new Map<string, { statuses: number[]; ms: number[]; first: number; last: number }>();

  constructor(baseUrl: string, inFlight: number) {
    this.#baseUrl = baseUrl;
    this.#inFlight = inFlight;
  }

  async send(
    phase: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Answer> {
    if (this.#running >= this.#inFlight) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#running++;
    const started = performance.now();
    try {
      const res = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      const ms = performance.now() - started;
      this.#note(phase, res.status, ms, started);
      return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), ms };
    } catch (error) {
      this.#note(phase, 0, performance.now() - started, started);
      return { status: 0, body: { error: String(error) }, ms: performance.now() - started };
    } finally {
      this.#running--;
      this.#queue.shift()?.();
    }
  }

  #note(phase: string, status: number, ms: number, started: number): void {
    let log = this.#phases.get(phase);
    if (log === undefined) {
      log = { statuses: [], ms: [], first: started, last: started };
      this.#phases.set(phase, log);
    }
    log.statuses.push(status);
    log.ms.push(ms);
    log.last = Math.max(log.last, started + ms);
  }

  /** Each phase's answers, as the autocannon phases report theirs. */
  phases(label: string): LoadResult[] {
    return [...this.#phases.entries()].map(([phase, log]) => loadResult(`${label} ${phase}`, log));
  }

  /** Every answer of the phases named (all by default) as one LoadResult. */
  total(label: string, names?: readonly string[]): LoadResult {
    const logs = [...this.#phases.entries()].filter(([phase]) => names?.includes(phase) ?? true).map(([, log]) => log);
    return loadResult(label, {
      statuses: logs.flatMap((log) => log.statuses),
      ms: logs.flatMap((log) => log.ms),
      first: Math.min(...logs.map((log) => log.first)),
      last: Math.max(...logs.map((log) => log.last)),
    });
  }
}

function loadResult(label: string, log: { statuses: readonly number[]; ms: readonly number[]; first: number; last: number }): LoadResult {
  const byStatus: Record<string, number> = {};
  const samples: Record<Outcome, number[]> = { won: [], refused: [], error: [] };
  for (const [i, status] of log.statuses.entries()) {
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    samples[outcomeOf(status)].push(log.ms[i] ?? 0);
  }
  const durationSec = log.statuses.length === 0 ? 0 : (log.last - log.first) / 1_000;
  return {
    label,
    requests: log.statuses.length,
    durationSec,
    throughput: durationSec > 0 ? log.statuses.length / durationSec : 0,
    byStatus,
    latency: percentiles(log.ms),
    byOutcome: Object.fromEntries(OUTCOMES.map((o) => [o, percentiles(samples[o])])) as Record<Outcome, Percentiles>,
    transportErrors: byStatus[0] ?? 0,
    timeouts: 0,
    stoppedByTimeLimit: false,
  };
}
