import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { ComparisonStrategyName } from '@seatgrid/admission/testing';
import { removeEvent } from '../bench-events.ts';
import { cpuPerRequest, readCpu } from '../cpu-meter.ts';
import { scrapeCounters } from './api-client.ts';
import { RECONCILE_INTERVAL_MS, startApi } from './api-server.ts';
import { createScenarioEvent, scenarioClaims } from './scenario-requests.ts';
import { auditRun, goodputViolations, seatsOwed, violations } from './audit.ts';
import { runLoad, type LoadResult } from './load.ts';
import { pgStatsDelta, readPgDatabaseStats } from './pg-stats.ts';
import type { RunContext, RunResult } from './run-scenario.ts';
import type { Scenario } from './scenarios.ts';
import type { FinishMessage, WatchersInput, WatchersMessage } from './sse-watchers.ts';
import { percentiles } from './stats.ts';
import { type StreamFigures, streamViolations } from './stream-figures.ts';

const QUERIES = 'seatgrid_pg_queries_total';
const TRANSACTIONS = 'seatgrid_pg_transactions_total';
/** How long the clients get, after the load, to reach the final version. */
const CATCH_UP_MS = 15_000;

/** A winner: when its 201 arrived (hrtime ns) and the first seat index it names. */
interface Win {
  readonly at: bigint;
  readonly index: number;
}

/**
 * The live-map scenario (admission only): one API process serves the same flash sale three
 * times on three events: a warm-up, then with no stream open, then with `scenario.streams` SSE
 * clients (a worker thread) watching. Reported: from each winner's 201 to the last client
 * seeing its seats (p50/p99), the API's CPU a request without and with the streams, and their
 * CPU a client a change. The watched event is audited like every run, and each client that kept
 * up must end with the API's map.
 */
export async function runLiveMap(ctx: RunContext, scenario: Scenario, strategy: ComparisonStrategyName): Promise<RunResult> {
  const clients = scenario.streams ?? 0;
  const label = `${scenario.name}/${strategy}`;
  const timeLimitSec = scenario.timeLimitSec ?? ctx.timeLimitSec;
  const capacity = scenario.rows * scenario.cols;
  const pgBefore = await readPgDatabaseStats(ctx.store.db);
  const api = await startApi(ctx.env, strategy, { SSE_MAX_CLIENTS: String(clients + 10) });
  const events: string[] = [];
  let stopped = false;
  try {
    const newEvent = async (suffix: string) => {
      const eventId = await createScenarioEvent(api.baseUrl, scenario, `stress ${label} ${suffix}`);
      events.push(eventId);
      return eventId;
    };
    const tag = `${scenario.name}-${Date.now().toString(36)}`;
    const flashSale = (eventId: string, phase: string, onWin?: (win: Win) => void) =>
      runLoad({
        label: `${label} ${phase}`,
        baseUrl: api.baseUrl,
        connections: scenario.connections,
        amount: scenario.buyers,
        timeLimitSec,
        progress: ctx.progress,
        next: scenarioClaims(scenario, tag, eventId, phase),
        onResponse: (status, body) => {
          if (status !== 201 || onWin === undefined) return;
          const at = process.hrtime.bigint();
          const seat = (JSON.parse(body) as { seats?: { row: number; col: number }[] }).seats?.[0];
          if (seat !== undefined) onWin({ at, index: (seat.row - 1) * scenario.cols + (seat.col - 1) });
        },
      });

    // A sale nobody measures first, so both measured ones run on a warm process (JIT, pools).
    await flashSale(await newEvent('warm-up'), 'warm-up');
    // Without streams: the same sale on an event of its own.
    const quiet = await newEvent('no streams');
    const quietBefore = await readCpu(api.pid, ctx.redis);
    const quietLoad = await flashSale(quiet, 'no streams');
    const quietCpu = cpuPerRequest(quietBefore, await readCpu(api.pid, ctx.redis), quietLoad.requests);

    // With the clients watching.
    const watched = await newEvent('watched');
    ctx.progress(`${label}: opening ${clients} SSE clients on event ${watched}`);
    const worker = new Worker(new URL('./sse-watchers.ts', import.meta.url), {
      workerData: { url: `${api.baseUrl}/events/${watched}/seats/stream`, clients, capacity } satisfies WatchersInput,
    });
    const messages = workerMessages(worker);
    try {
      const ready = await messages.next();
      if (ready.type !== 'ready')
        throw new Error(`the SSE clients could not connect: ${ready.type === 'failed' ? ready.error : ready.type}`);
      ctx.progress(`${label}: ${clients} clients connected in ${ready.connectMs.toFixed(0)} ms`);
      const countersBefore = await scrapeCounters(api.baseUrl, [QUERIES, TRANSACTIONS]);
      const wins: Win[] = [];
      const watchedBefore = await readCpu(api.pid, ctx.redis);
      const load = await flashSale(watched, 'watched', (win) => wins.push(win));
      const watchedAfter = await readCpu(api.pid, ctx.redis);
      const watchedCpu = cpuPerRequest(watchedBefore, watchedAfter, load.requests);

      const final = await seatMapOf(api.baseUrl, watched);
      worker.postMessage({ type: 'finish', version: final.version, states: final.states, deadlineMs: CATCH_UP_MS } satisfies FinishMessage);
      const result = await messages.next();
      if (result.type !== 'result') throw new Error(`the SSE clients failed: ${result.type === 'failed' ? result.error : result.type}`);
      const countersAfter = await scrapeCounters(api.baseUrl, [QUERIES, TRANSACTIONS]);

      const toMs = (ns: string, at: bigint) => (ns === '' ? undefined : Number(BigInt(ns) - at) / 1e6);
      const keptUp = clients - result.ended;
      const lastMs: number[] = [];
      const firstMs: number[] = [];
      const spreadMs: number[] = [];
      let missed = 0;
      for (const win of wins) {
        const last = toMs(result.lastSeenNs[win.index] ?? '', win.at);
        const first = toMs(result.firstSeenNs[win.index] ?? '', win.at);
        if ((result.seenBy[win.index] ?? 0) < keptUp || last === undefined) missed++;
        if (last !== undefined) lastMs.push(last);
        if (first !== undefined) firstMs.push(first);
        if (last !== undefined && first !== undefined) spreadMs.push(last - first);
      }
      const extraUs =
        quietCpu.processUsPerRequest === null || watchedBefore.processUs === undefined || watchedAfter.processUs === undefined
          ? null
          : watchedAfter.processUs - watchedBefore.processUs - quietCpu.processUsPerRequest * load.requests;
      const streams: StreamFigures = {
        clients,
        connectMs: ready.connectMs,
        claimsTimed: wins.length,
        commitToLastClientMs: percentiles(lastMs),
        commitToFirstClientMs: percentiles(firstMs),
        firstToLastClientMs: percentiles(spreadMs),
        missed,
        dropped: result.ended,
        behind: result.behind,
        mismatched: result.mismatched,
        messages: result.messages,
        snapshots: result.snapshots,
        apiCpuUsPerRequestWithout: quietCpu.processUsPerRequest,
        apiCpuUsPerRequestWith: watchedCpu.processUsPerRequest,
        apiCpuUsPerClientChange: extraUs === null || result.messages === 0 ? null : extraUs / result.messages,
        baselineRequests: quietLoad.requests,
      };
      ctx.progress(
        `${label}: commit -> last of ${clients} clients p50 ${streams.commitToLastClientMs.p50 ?? '-'} ms, p99 ${streams.commitToLastClientMs.p99 ?? '-'} ms; ` +
          `API ${streams.apiCpuUsPerRequestWithout?.toFixed(1) ?? '-'} -> ${streams.apiCpuUsPerRequestWith?.toFixed(1) ?? '-'} µs a request, ` +
          `${streams.apiCpuUsPerClientChange?.toFixed(2) ?? '-'} µs a client a change`,
      );

      const audit = await auditRun(ctx.store, api.baseUrl, watched, strategy, RECONCILE_INTERVAL_MS);
      const exit = await api.stop();
      stopped = true;
      if (exit !== 0) ctx.progress(`${label}: warning: the API exited with ${exit}`);
      await sleep(300);
      const pgQueries = (countersAfter[QUERIES] ?? 0) - (countersBefore[QUERIES] ?? 0);
      const mustSell = seatsOwed(scenario, strategy, load);
      return {
        scenario: scenario.name,
        strategy,
        eventId: watched,
        requests: load.requests,
        durationSec: load.durationSec,
        throughput: load.throughput,
        byStatus: load.byStatus,
        latency: load.latency,
        byOutcome: load.byOutcome,
        phases: [quietLoad, load] satisfies LoadResult[],
        pgQueries,
        pgTransactions: (countersAfter[TRANSACTIONS] ?? 0) - (countersBefore[TRANSACTIONS] ?? 0),
        pgQueriesPerRequest: load.requests === 0 ? 0 : pgQueries / load.requests,
        pgQueriesPerSoldSeat: audit.seatsSold === 0 ? null : pgQueries / audit.seatsSold,
        pgServer: pgStatsDelta(pgBefore, await readPgDatabaseStats(ctx.store.db)),
        seatsSold: audit.seatsSold,
        seatsHeld: audit.seatsHeld,
        capacity,
        audit,
        mustSell,
        violations: [...violations(audit), ...goodputViolations(mustSell, audit.seatsSold), ...streamViolations(streams)],
        mustBeCorrect: true,
        timeLimitSec,
        apiCpuUsPerRequest: watchedCpu.processUsPerRequest,
        redisCpuUsPerRequest: watchedCpu.redisUsPerRequest,
        streams,
      };
    } finally {
      await worker.terminate();
    }
  } finally {
    if (!stopped) await api.stop();
    if (!ctx.keepEvents) for (const eventId of events) await removeEvent(ctx.store, ctx.redis, eventId);
  }
}

/** The worker's messages, one at a time; its failure or exit rejects the one awaited. */
function workerMessages(worker: Worker): { next(): Promise<WatchersMessage> } {
  const queue: WatchersMessage[] = [];
  let waiting: { resolve: (m: WatchersMessage) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  worker.on('message', (message: WatchersMessage) => {
    if (waiting === undefined) queue.push(message);
    else {
      waiting.resolve(message);
      waiting = undefined;
    }
  });
  const fail = (error: Error) => {
    failure = error;
    waiting?.reject(error);
    waiting = undefined;
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the SSE worker exited with ${code}`)));
  return {
    next: () => {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
  };
}

async function seatMapOf(baseUrl: string, eventId: string): Promise<{ version: number; states: string }> {
  const res = await fetch(`${baseUrl}/events/${eventId}/seats`);
  const json = (await res.json()) as { version?: number; grid?: string[] };
  if (!res.ok || json.grid === undefined || json.version === undefined) throw new Error(`GET seats answered ${res.status}`);
  return { version: json.version, states: json.grid.join('') };
}
