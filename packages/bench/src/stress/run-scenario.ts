import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import type { ComparisonStrategyName } from '@seatgrid/admission/testing';
import type { StoreView } from '@seatgrid/admission/testing';
import type { Redis } from 'ioredis';
import { removeEvent } from '../bench-events.ts';
import { readCpu, cpuPerRequest, type CpuReading } from '../cpu-meter.ts';
import { scrapeCounters } from './api-client.ts';
import { auditRun, goodputViolations, seatsOwed, violations, type StressAudit } from './audit.ts';
import { RECONCILE_INTERVAL_MS, REDIS_EXPIRY_GRACE_MS, startApi, SWEEP_INTERVAL_MS } from './api-server.ts';
import { runLoad, type LoadResult, type PlannedRequest } from './load.ts';
import { runDriven } from './driven-run.ts';
import { driveWaitingRoomSale } from './waiting-room-sale.ts';
import { driveWaitlistChurn } from './waitlist-churn.ts';
import { createScenarioEvent, scenarioClaims } from './scenario-requests.ts';
import { WARM_UP_CLAIMS, warmUp } from './warm-up.ts';
import { pgStatsDelta, readPgDatabaseStats, type PgDatabaseStats } from './pg-stats.ts';
import { CORRECT_STRATEGIES, type Scenario } from './scenarios.ts';
import type { Percentiles } from './stats.ts';
import type { StreamFigures } from './stream-figures.ts';

const QUERIES = 'seatgrid_pg_queries_total';
const TRANSACTIONS = 'seatgrid_pg_transactions_total';

/** One scenario × strategy. Its load figures are those of the first phase (the claims). */
export interface RunResult extends Pick<LoadResult, 'requests' | 'durationSec' | 'throughput' | 'byStatus' | 'latency' | 'byOutcome'> {
  readonly scenario: string;
  readonly strategy: ComparisonStrategyName;
  readonly eventId: string;
  /** Every load phase (two-phase has holds, then confirms). */
  readonly phases: readonly LoadResult[];
  /** Statements the API sent to PostgreSQL during the load and settle (its seatgrid_pg_queries_total). */
  readonly pgQueries: number;
  readonly pgTransactions: number;
  readonly pgQueriesPerRequest: number;
  readonly pgQueriesPerSoldSeat: number | null;
  /** pg_stat_database delta over the API's whole life, set-up and warm-up sale included. */
  readonly pgServer: PgDatabaseStats;
  readonly seatsSold: number;
  readonly seatsHeld: number;
  readonly capacity: number;
  readonly audit: StressAudit;
  /** Seats a correct strategy had to sell (every request served, demand above supply); null: not checked. */
  readonly mustSell: number | null;
  readonly violations: readonly string[];
  /** Whether violations fail the run (naive's oversell is expected and only reported). */
  readonly mustBeCorrect: boolean;
  readonly timeLimitSec: number;
  /** CPU µs the API process spent a request over every load phase (/proc/<pid>/stat); null where unreadable. */
  readonly apiCpuUsPerRequest: number | null;
  /** CPU µs the Redis server spent a request over the same phases (INFO cpu; other clients' work included). */
  readonly redisCpuUsPerRequest: number | null;
  /** The live-map scenario's seat streams (SSE) figures. */
  readonly streams?: StreamFigures;
  /** A driven scenario's own figures (queue waits, offers), one line each. */
  readonly notes?: readonly string[];
}

export interface RunContext {
  readonly store: StoreView;
  /** Reads Redis's CPU (INFO cpu) and removes the run's event keys afterwards. */
  readonly redis: Redis;
  readonly env: Record<string, string>;
  /** Cap of each load phase, unless the scenario sets its own. */
  readonly timeLimitSec: number;
  /** Leave each run's event in PostgreSQL and Redis (to inspect it) instead of removing it. */
  readonly keepEvents: boolean;
  readonly progress: (line: string) => void;
}

/** One scenario against one strategy, on a fresh API child process and a fresh event. */
export async function runScenario(ctx: RunContext, scenario: Scenario, strategy: ComparisonStrategyName): Promise<RunResult> {
  if (scenario.driver === 'waitlist-churn') {
    return runDriven(
      ctx,
      scenario,
      strategy,
      {
        rows: scenario.rows,
        cols: scenario.cols,
        ...(scenario.holdTtlSeconds === undefined ? {} : { holdTtlSeconds: scenario.holdTtlSeconds }),
        ...(scenario.churn === undefined ? {} : { waitlistOfferSeconds: scenario.churn.offerSeconds }),
      },
      (drive) => driveWaitlistChurn(drive, scenario),
    );
  }
  if (scenario.driver === 'waiting-room' && scenario.room !== undefined) {
    const { admitPerSecond, admissionTtlSeconds, maxSeatsPerUser } = scenario.room;
    return runDriven(
      ctx,
      scenario,
      strategy,
      { rows: scenario.rows, cols: scenario.cols, maxSeatsPerUser, waitingRoom: { admitPerSecond, admissionTtlSeconds } },
      (drive) => driveWaitingRoomSale(drive, scenario),
    );
  }
  const { progress } = ctx;
  const label = `${scenario.name}/${strategy}`;
  const timeLimitSec = scenario.timeLimitSec ?? ctx.timeLimitSec;
  const pgBefore = await readPgDatabaseStats(ctx.store.db);
  const api = await startApi(ctx.env, strategy, { PAYMENT_SUCCESS_RATE: String(scenario.paymentSuccessRate ?? 1) });
  let stopped = false;
  const events: string[] = [];
  try {
    const newEvent = async (name: string): Promise<string> => {
      const eventId = await createScenarioEvent(api.baseUrl, scenario, name);
      events.push(eventId);
      return eventId;
    };
    const tag = `${scenario.name}-${strategy}-${Date.now().toString(36)}`;
    const eventId = await newEvent(`stress ${label}`);
    progress(
      `${label}: API pid ${api.pid} at ${api.baseUrl}, event ${eventId}, ${scenario.buyers} requests, ${scenario.connections} connections`,
    );
    // A sale nobody measures first, on an event of the same shape: the measured one runs on a
    // warm process (JIT, pools, connections), as the baseline's route does, and after what
    // setting up its event left running in the background.
    await warmUp(api.baseUrl, {
      connections: scenario.connections,
      amount: Math.min(scenario.buyers, WARM_UP_CLAIMS),
      timeLimitSec,
      next: scenarioClaims(scenario, tag, await newEvent(`stress ${label} warm-up`), 'warm-up'),
    });

    const countersBefore = await scrapeCounters(api.baseUrl, [QUERIES, TRANSACTIONS]);
    const held: { holdId: string; userId: string }[] = [];
    const cpuBefore = await readCpu(api.pid, ctx.redis);
    const claims = await runLoad({
      label,
      baseUrl: api.baseUrl,
      connections: scenario.connections,
      amount: scenario.buyers,
      timeLimitSec,
      progress,
      next: scenarioClaims(scenario, tag, eventId, 'sale'),
      onResponse: (status, body, request) => {
        if (scenario.confirmShare === undefined || status !== 201) return;
        const holdId = (JSON.parse(body) as { holdId?: string }).holdId;
        if (holdId !== undefined) held.push({ holdId, userId: request.headers['x-user-id'] ?? '' });
      },
    });
    const phases: LoadResult[] = [claims];
    if (scenario.confirmShare !== undefined) phases.push(await confirmPhase(progress, timeLimitSec, api.baseUrl, label, scenario, held));
    const cpuAfter = await readCpu(api.pid, ctx.redis);

    // Settle: bookings need only in-flight writes to land; holds must also expire in
    // PostgreSQL (sweeper) and then in Redis (reaped after the grace).
    const settleMs =
      scenario.holdTtlSeconds === undefined ? 500 : scenario.holdTtlSeconds * 1_000 + REDIS_EXPIRY_GRACE_MS + SWEEP_INTERVAL_MS + 500;
    progress(`${label}: settling ${(settleMs / 1_000).toFixed(1)} s, then auditing`);
    await sleep(settleMs);
    const countersAfter = await scrapeCounters(api.baseUrl, [QUERIES, TRANSACTIONS]);
    const audit = await auditRun(ctx.store, api.baseUrl, eventId, strategy, RECONCILE_INTERVAL_MS);
    const exit = await api.stop();
    stopped = true;
    if (exit !== 0) progress(`${label}: warning: the API exited with ${exit}`);
    // Backends flush their statistics on exit: read after the API's connections closed.
    await sleep(300);
    const pgServer = pgStatsDelta(pgBefore, await readPgDatabaseStats(ctx.store.db));

    const mustSell = seatsOwed(scenario, strategy, claims);
    const result = runResultOf({
      scenario,
      strategy,
      eventId,
      phases,
      claims,
      pg: { before: countersBefore, after: countersAfter, server: pgServer },
      cpu: { before: cpuBefore, after: cpuAfter },
      audit,
      mustSell,
      timeLimitSec,
    });
    progress(
      `${label}: ${claims.throughput.toFixed(0)} req/s, API ${result.apiCpuUsPerRequest?.toFixed(1) ?? '-'} µs CPU a request, sold ${audit.seatsSold}/${result.capacity}, ` +
        `${result.pgQueries} PG queries, audit ${result.violations.length === 0 ? 'clean' : result.violations.join(', ')}`,
    );
    return result;
  } finally {
    if (!stopped) await api.stop();
    if (!ctx.keepEvents) for (const id of events) await removeEvent(ctx.store, ctx.redis, id);
  }
}

/** What one run measured, for runResultOf. */
export interface RunMeasurements {
  readonly scenario: Scenario;
  readonly strategy: ComparisonStrategyName;
  readonly eventId: string;
  /** Every load phase; the figures of the result are those of `claims`. */
  readonly phases: readonly LoadResult[];
  readonly claims: Pick<LoadResult, 'durationSec' | 'throughput' | 'byStatus' | 'latency' | 'byOutcome'>;
  /** The API's PostgreSQL counters (seatgrid_pg_*) before and after, and the server's own delta. */
  readonly pg: { readonly before: Record<string, number>; readonly after: Record<string, number>; readonly server: PgDatabaseStats };
  readonly cpu: { readonly before: CpuReading; readonly after: CpuReading };
  readonly audit: StressAudit;
  readonly mustSell: number | null;
  /** Violations of the scenario's own, beside the audit's and goodput's. */
  readonly moreViolations?: readonly string[];
  readonly timeLimitSec: number;
}

/** A run's result from what it measured: the same figures and verdicts for every kind of run. */
export function runResultOf(m: RunMeasurements): RunResult {
  const requests = m.phases.reduce((sum, p) => sum + p.requests, 0);
  const pgQueries = (m.pg.after[QUERIES] ?? 0) - (m.pg.before[QUERIES] ?? 0);
  const cpu = cpuPerRequest(m.cpu.before, m.cpu.after, requests);
  return {
    scenario: m.scenario.name,
    strategy: m.strategy,
    eventId: m.eventId,
    requests,
    durationSec: m.claims.durationSec,
    throughput: m.claims.throughput,
    byStatus: m.claims.byStatus,
    latency: m.claims.latency,
    byOutcome: m.claims.byOutcome,
    phases: m.phases,
    pgQueries,
    pgTransactions: (m.pg.after[TRANSACTIONS] ?? 0) - (m.pg.before[TRANSACTIONS] ?? 0),
    pgQueriesPerRequest: requests === 0 ? 0 : pgQueries / requests,
    pgQueriesPerSoldSeat: m.audit.seatsSold === 0 ? null : pgQueries / m.audit.seatsSold,
    pgServer: m.pg.server,
    seatsSold: m.audit.seatsSold,
    seatsHeld: m.audit.seatsHeld,
    capacity: m.scenario.rows * m.scenario.cols,
    audit: m.audit,
    mustSell: m.mustSell,
    violations: [...violations(m.audit), ...goodputViolations(m.mustSell, m.audit.seatsSold), ...(m.moreViolations ?? [])],
    mustBeCorrect: CORRECT_STRATEGIES.includes(m.strategy),
    timeLimitSec: m.timeLimitSec,
    apiCpuUsPerRequest: cpu.processUsPerRequest,
    redisCpuUsPerRequest: cpu.redisUsPerRequest,
  };
}

/** Two-phase, second step: a share of the holders confirm (mock payment), the rest walk away. */
export async function confirmPhase(
  progress: (line: string) => void,
  timeLimitSec: number,
  baseUrl: string,
  label: string,
  scenario: Pick<Scenario, 'confirmShare' | 'connections'>,
  held: readonly { holdId: string; userId: string }[],
): Promise<LoadResult> {
  const confirming = held.filter(() => randomInt(1_000) < (scenario.confirmShare ?? 0) * 1_000);
  progress(`${label}: ${held.length} holds; ${confirming.length} confirm, ${held.length - confirming.length} never do`);
  if (confirming.length === 0) {
    return {
      label: `${label} confirm`,
      requests: 0,
      durationSec: 0,
      throughput: 0,
      byStatus: {},
      latency: emptyPercentiles(),
      byOutcome: { won: emptyPercentiles(), refused: emptyPercentiles(), error: emptyPercentiles() },
      transportErrors: 0,
      timeouts: 0,
      stoppedByTimeLimit: false,
    };
  }
  return runLoad({
    label: `${label} confirm`,
    baseUrl,
    connections: Math.min(scenario.connections, confirming.length),
    amount: confirming.length,
    timeLimitSec,
    progress,
    next: (n): PlannedRequest => {
      const hold = confirming[n % confirming.length] ?? { holdId: 'none', userId: 'none' };
      return { method: 'POST', path: `/holds/${hold.holdId}/confirm`, headers: { 'x-user-id': hold.userId } };
    },
  });
}

function emptyPercentiles(): Percentiles {
  return { count: 0, p50: null, p95: null, p99: null, max: null };
}
