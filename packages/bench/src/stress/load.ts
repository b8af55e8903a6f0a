import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { outcomeOf, OUTCOMES, type Outcome } from './outcome.ts';
import { percentiles, type Percentiles } from './stats.ts';

/** One request to send: built lazily so every request can carry its own user id and body. */
export interface PlannedRequest {
  readonly method: 'POST' | 'GET' | 'DELETE';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

export interface LoadPlan {
  readonly label: string;
  readonly baseUrl: string;
  readonly connections: number;
  /** Requests to send at most (autocannon's `amount`). */
  readonly amount: number;
  /** Wall-clock limit: the run is stopped here even if `amount` was not reached. */
  readonly timeLimitSec: number;
  /** The n-th request (0-based); called once per request sent. */
  readonly next: (n: number) => PlannedRequest;
  /** Sees each response with the request it answers (e.g. to collect hold ids). */
  readonly onResponse?: (status: number, body: string, request: PlannedRequest) => void;
  readonly progress: (line: string) => void;
}

export interface LoadResult {
  readonly label: string;
  readonly requests: number;
  readonly durationSec: number;
  readonly throughput: number;
  readonly byStatus: Record<string, number>;
  readonly latency: Percentiles;
  readonly byOutcome: Record<Outcome, Percentiles>;
  /** Socket errors and timeouts autocannon saw (no status). */
  readonly transportErrors: number;
  readonly timeouts: number;
  readonly stoppedByTimeLimit: boolean;
}

/** Per-connection state autocannon hands to setupRequest and onResponse. */
interface ConnectionContext {
  current?: PlannedRequest;
}

/**
 * Drives one autocannon run (loopback, pipelining 1). Per-outcome latency comes from
 * autocannon's own per-response timing (the tracker's 'response' event), bucketed by status,
 * so won/refused/error each get their percentiles, which autocannon's summary cannot give.
 */
export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  let sent = 0;
  const samples: Record<Outcome, number[]> = { won: [], refused: [], error: [] };
  const all: number[] = [];
  const byStatus: Record<string, number> = {};
  let lastResponseAt = 0;
  // Without a callback autocannon returns its instance, which is also a promise of the result;
  // the typings only know the promise.
  const instance = autocannon({
    url: plan.baseUrl,
    connections: Math.min(plan.connections, plan.amount),
    pipelining: 1,
    amount: plan.amount,
    timeout: 30,
    requests: [
      {
        setupRequest: (request, context) => {
          const planned = plan.next(sent++);
          (context as ConnectionContext).current = planned;
          return {
            ...request,
            method: planned.method,
            path: planned.path,
            headers: { ...planned.headers, ...(planned.body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(planned.body === undefined ? {} : { body: JSON.stringify(planned.body) }),
          };
        },
        onResponse: (status, body, context) => {
          const planned = (context as ConnectionContext).current;
          if (planned !== undefined) plan.onResponse?.(status, body, planned);
        },
      },
    ],
  }) as Promise<autocannon.Result> & autocannon.Instance;
  // The typings omit the client argument the tracker passes first.
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    samples[outcomeOf(status)].push(ms);
    all.push(ms);
    lastResponseAt = performance.now();
  });
  const started = performance.now();
  let stoppedByTimeLimit = false;
  const limit = setTimeout(() => {
    stoppedByTimeLimit = true;
    instance.stop();
  }, plan.timeLimitSec * 1_000);
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - started) / 1_000;
    plan.progress(
      `  ${plan.label}: ${all.length}/${plan.amount} answered in ${elapsed.toFixed(1)} s ` +
        `(won ${samples.won.length}, refused ${samples.refused.length}, error ${samples.error.length})`,
    );
  }, 2_000);
  try {
    const result = await instance;
    // Up to the last answer: autocannon notices that `amount` was reached only on its next
    // one-second tick, which would round every duration up to whole seconds.
    const durationSec = ((all.length > 0 ? lastResponseAt : performance.now()) - started) / 1_000;
    const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, percentiles(samples[o])])) as Record<Outcome, Percentiles>;
    return {
      label: plan.label,
      requests: all.length,
      durationSec,
      throughput: durationSec > 0 ? all.length / durationSec : 0,
      byStatus,
      latency: percentiles(all),
      byOutcome,
      transportErrors: result.errors,
      timeouts: result.timeouts,
      stoppedByTimeLimit,
    };
  } finally {
    clearTimeout(limit);
    clearInterval(ticker);
  }
}
