import { setTimeout as sleep } from 'node:timers/promises';
import type { ComparisonStrategyName } from '@seatgrid/admission/testing';
import type { StoreView } from '@seatgrid/admission/testing';
import { seatGrid } from './api-client.ts';
import type { LoadResult } from './load.ts';
import type { Scenario } from './scenarios.ts';

/** Optimistic locking may refuse a buyer after its bounded retries (a false conflict): its goodput is reported, not owed. */
const OWE_GOODPUT: readonly ComparisonStrategyName[] = ['admission', 'pessimistic'];

export interface StressAudit {
  readonly oversold: number;
  readonly doubleBooked: number;
  /** Seats taken in the API's (Redis's) map but free in PostgreSQL after the settle; 0 for PG-only strategies. */
  readonly leaked: number;
  readonly partial: number;
  /** Rows whose free-seat bits in PostgreSQL disagree with the seats' states. */
  readonly staleRows: number;
  /** Redis's map equals PostgreSQL's; null where the API serves PostgreSQL's own map (no Redis). */
  readonly redisMatchesPg: boolean | null;
  readonly seatsSold: number;
  readonly seatsHeld: number;
  readonly activeHolds: number;
}

/**
 * PostgreSQL's audit, then the API's seat map (Redis's, for admission) against PostgreSQL's
 * seat states. A difference may be a write still landing, so it is re-read until it is gone
 * or the deadline (one reconcile interval) passes.
 */
export async function auditRun(
  { grid }: StoreView,
  baseUrl: string,
  eventId: string,
  strategy: ComparisonStrategyName,
  matchDeadlineMs: number,
): Promise<StressAudit> {
  const pg = await grid.audit(eventId);
  const usesRedis = strategy === 'admission';
  let leaked = 0;
  let matches = true;
  const deadline = Date.now() + matchDeadlineMs;
  for (;;) {
    const [redis, truth] = await Promise.all([seatGrid(baseUrl, eventId), grid.storedSeatStates(eventId)]);
    leaked = 0;
    for (let i = 0; i < truth.length; i++) if (redis[i] !== '.' && truth[i] === '.') leaked++;
    matches = redis === truth;
    if (matches || Date.now() > deadline) break;
    await sleep(250);
  }
  return {
    oversold: pg.oversold,
    doubleBooked: pg.doubleBooked,
    leaked: usesRedis ? leaked : 0,
    partial: pg.partial,
    staleRows: pg.staleRows,
    redisMatchesPg: usesRedis ? matches : null,
    seatsSold: pg.seatsSold,
    seatsHeld: pg.seatsHeld,
    activeHolds: pg.activeHolds,
  };
}

/** The invariants a correct strategy must keep in every run. */
export function violations(audit: StressAudit): string[] {
  const found: string[] = [];
  if (audit.oversold > 0) found.push(`${audit.oversold} oversold`);
  if (audit.doubleBooked > 0) found.push(`${audit.doubleBooked} double-booked`);
  if (audit.partial > 0) found.push(`${audit.partial} partial`);
  if (audit.staleRows > 0) found.push(`${audit.staleRows} rows with stale free-seat bits`);
  if (audit.leaked > 0) found.push(`${audit.leaked} leaked`);
  if (audit.redisMatchesPg === false) found.push('Redis != PostgreSQL');
  return found;
}

/**
 * Seats the strategy had to sell in this run, or null when none are owed. Owed only when
 * every buyer was heard: a run cut by its time limit or by transport errors may leave seats
 * unsold for want of buyers, not through false conflicts.
 */
export function seatsOwed(
  scenario: Pick<Scenario, 'mustSell'>,
  strategy: ComparisonStrategyName,
  claims: Pick<LoadResult, 'stoppedByTimeLimit' | 'transportErrors'>,
): number | null {
  const everyBuyerHeard = !claims.stoppedByTimeLimit && claims.transportErrors === 0;
  return scenario.mustSell !== undefined && everyBuyerHeard && OWE_GOODPUT.includes(strategy) ? scenario.mustSell : null;
}

/** Goodput: every owed seat sold (no false conflicts). */
export function goodputViolations(owed: number | null, seatsSold: number): string[] {
  return owed !== null && seatsSold < owed ? [`sold ${seatsSold} of the ${owed} seats demanded`] : [];
}
