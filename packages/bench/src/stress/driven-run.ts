import { setTimeout as sleep } from 'node:timers/promises';
import type { ComparisonStrategyName } from '@seatgrid/admission/testing';
import { removeEvent } from '../bench-events.ts';
import { readCpu } from '../cpu-meter.ts';
import { createEventOverHttp, scrapeCounters, type EventBody } from './api-client.ts';
import { ADMIN_TOKEN, RECONCILE_INTERVAL_MS, startApi } from './api-server.ts';
import { auditRun } from './audit.ts';
import { pgStatsDelta, readPgDatabaseStats } from './pg-stats.ts';
import { RequestLog } from './request-log.ts';
import { runResultOf, type RunContext, type RunResult } from './run-scenario.ts';
import type { Scenario } from './scenarios.ts';

const QUERIES = 'seatgrid_pg_queries_total';
const TRANSACTIONS = 'seatgrid_pg_transactions_total';
/** Requests a driven scenario has in flight at most (the rest wait their turn). */
const IN_FLIGHT = 128;

/** What a driven scenario's driver gets: the API, its event, the request log, the run's context. */
export interface Drive {
  readonly baseUrl: string;
  readonly eventId: string;
  readonly log: RequestLog;
  readonly ctx: RunContext;
  readonly label: string;
  /** A fresh tag for user ids. */
  readonly tag: string;
}

/** What a driver found: its own checks, its figures, and what to tidy. */
export interface Driven {
  /** The phases whose answers are the run's headline (its claims). */
  readonly claimPhases: readonly string[];
  /** Seats a correct strategy had to sell; null: not owed. */
  readonly mustSell: number | null;
  /** How long to let holds and offers run out before the audit. */
  readonly settleMs: number;
  /** Runs after the settle and the seat-map audit: the scenario's own violations and figures. */
  readonly verify: () => Promise<{ violations: string[]; notes: string[] }>;
  /** Redis keys the run made outside its event's (waiting-room tickets). */
  readonly extraKeys: readonly string[];
  readonly stoppedByTimeLimit: boolean;
}

/**
 * A scenario whose buyers go through several steps (queue, poll, claim; wait, confirm, cancel)
 * rather than one request shape: a fresh API child and event as for every run, the driver's own
 * requests instead of autocannon, then the same settle and audits, plus the driver's checks.
 */
export async function runDriven(
  ctx: RunContext,
  scenario: Scenario,
  strategy: ComparisonStrategyName,
  event: Omit<EventBody, 'name'>,
  driver: (drive: Drive) => Promise<Driven>,
): Promise<RunResult> {
  const label = `${scenario.name}/${strategy}`;
  const pgBefore = await readPgDatabaseStats(ctx.store.db);
  const api = await startApi(ctx.env, strategy);
  let stopped = false;
  let eventId: string | undefined;
  let extraKeys: readonly string[] = [];
  try {
    const created = await createEventOverHttp(api.baseUrl, ADMIN_TOKEN, { name: `stress ${label}`, ...event });
    eventId = created.eventId;
    ctx.progress(`${label}: API pid ${api.pid} at ${api.baseUrl}, event ${eventId}`);
    const log = new RequestLog(api.baseUrl, IN_FLIGHT);
    const countersBefore = await scrapeCounters(api.baseUrl, [QUERIES, TRANSACTIONS]);
    const cpuBefore = await readCpu(api.pid, ctx.redis);
    const tag = `${scenario.name}-${Date.now().toString(36)}`;
    const driven = await driver({ baseUrl: api.baseUrl, eventId, log, ctx, label, tag });
    extraKeys = driven.extraKeys;
    const cpuAfter = await readCpu(api.pid, ctx.redis);
    ctx.progress(`${label}: settling ${(driven.settleMs / 1_000).toFixed(1)} s, then auditing`);
    await sleep(driven.settleMs);
    const countersAfter = await scrapeCounters(api.baseUrl, [QUERIES, TRANSACTIONS]);
    const audit = await auditRun(ctx.store, api.baseUrl, eventId, strategy, RECONCILE_INTERVAL_MS);
    const own = await driven.verify();
    const exit = await api.stop();
    stopped = true;
    if (exit !== 0) ctx.progress(`${label}: warning: the API exited with ${exit}`);
    await sleep(300);
    const pgServer = pgStatsDelta(pgBefore, await readPgDatabaseStats(ctx.store.db));

    const phases = log.phases(label);
    const claims = { ...log.total(label, driven.claimPhases), stoppedByTimeLimit: driven.stoppedByTimeLimit };
    const result: RunResult = {
      ...runResultOf({
        scenario,
        strategy,
        eventId,
        phases,
        claims,
        pg: { before: countersBefore, after: countersAfter, server: pgServer },
        cpu: { before: cpuBefore, after: cpuAfter },
        audit,
        mustSell: driven.mustSell,
        moreViolations: own.violations,
        timeLimitSec: scenario.timeLimitSec ?? ctx.timeLimitSec,
      }),
      notes: own.notes,
    };
    const { requests } = result;
    for (const note of own.notes) ctx.progress(`${label}: ${note}`);
    ctx.progress(
      `${label}: ${requests} requests, sold ${audit.seatsSold}/${result.capacity}, audit ${result.violations.length === 0 ? 'clean' : result.violations.join(', ')}`,
    );
    return result;
  } finally {
    if (!stopped) await api.stop();
    if (!ctx.keepEvents && eventId !== undefined) {
      await removeEvent(ctx.store, ctx.redis, eventId);
      if (extraKeys.length > 0) await ctx.redis.del(...extraKeys);
    }
  }
}

/** Random whole number below n. */
export function below(n: number): number {
  return Math.floor(Math.random() * n);
}
