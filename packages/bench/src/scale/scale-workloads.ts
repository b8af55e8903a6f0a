import { createEventOverHttp, sellOut } from '../stress/api-client.ts';
import { ADMIN_TOKEN } from '../stress/api-server.ts';
import { type LoadPlan, type LoadResult, type PlannedRequest, runLoad } from '../stress/load.ts';
import { confirmPhase } from '../stress/run-scenario.ts';
import { randomSeats } from '../stress/scenarios.ts';
import { WARM_UP_CLAIMS } from '../stress/warm-up.ts';
import type { ScaleSizes } from './scale-sizes.ts';

export type ScaleWorkloadName = 'warm-up' | 'flash-sale' | 'sold-out-storm' | 'two-phase';

/** An event a scale run created over HTTP: the API placed it on a shard by its id. */
export interface ScaleEvent {
  readonly eventId: string;
  readonly workload: ScaleWorkloadName;
  readonly rows: number;
  readonly cols: number;
}

export interface WorkloadContext {
  readonly baseUrl: string;
  readonly sizes: ScaleSizes;
  /** Makes this run's user ids its own. */
  readonly tag: string;
  readonly progress: (line: string) => void;
}

/** The events of every workload: flash-sale and sold-out-storm 10x10, two-phase 20x10 with short holds. */
export async function createScaleEvents(ctx: WorkloadContext): Promise<ScaleEvent[]> {
  const { sizes } = ctx;
  const plan: { workload: ScaleWorkloadName; count: number; rows: number; cols: number; holdTtlSeconds?: number }[] = [
    { workload: 'flash-sale', count: sizes.flashEvents, rows: 10, cols: 10 },
    { workload: 'sold-out-storm', count: sizes.stormEvents, rows: 10, cols: 10 },
    { workload: 'two-phase', count: sizes.twoPhaseEvents, rows: 20, cols: 10, holdTtlSeconds: sizes.holdTtlSeconds },
  ];
  const events: ScaleEvent[] = [];
  for (const { workload, count, rows, cols, holdTtlSeconds } of plan) {
    for (let i = 0; i < count; i++) {
      const created = await createEventOverHttp(ctx.baseUrl, ADMIN_TOKEN, {
        name: `scale ${workload} ${i}`,
        rows,
        cols,
        ...(holdTtlSeconds === undefined ? {} : { holdTtlSeconds }),
      });
      events.push({ eventId: created.eventId, workload, rows, cols });
    }
  }
  for (const event of events.filter((e) => e.workload === 'sold-out-storm'))
    await sellOut(ctx.baseUrl, event.eventId, event.rows, event.cols);
  return events;
}

/**
 * A flash sale nobody measures, on a 10x10 event of its own, before the measured phases: every
 * process then serves them warm (JIT, pools, connections), as bare Express serves its route.
 * Up to WARM_UP_CLAIMS claims a process. Returns the event, for the caller to remove.
 */
export async function warmUpSale(ctx: WorkloadContext, processes: number): Promise<ScaleEvent> {
  const created = await createEventOverHttp(ctx.baseUrl, ADMIN_TOKEN, { name: 'scale warm-up', rows: 10, cols: 10 });
  const event: ScaleEvent = { eventId: created.eventId, workload: 'warm-up', rows: 10, cols: 10 };
  await claimLoad(ctx, [event], {
    label: 'warm-up',
    workload: 'warm-up',
    endpoint: 'bookings',
    amount: WARM_UP_CLAIMS * processes,
    body: (e) => randomSeats(e.rows, e.cols),
  });
  return event;
}

/** The n-th buyer's event: buyers go round the workload's events. */
function roundRobin(events: readonly ScaleEvent[], workload: ScaleWorkloadName): (n: number) => ScaleEvent {
  const own = events.filter((e) => e.workload === workload);
  if (own.length === 0) throw new Error(`no ${workload} event`);
  return (n) => own[n % own.length] as ScaleEvent;
}

/** One claim a request, buyers going round the workload's events, each a fresh user id. */
interface ClaimLoad {
  readonly label: string;
  readonly workload: ScaleWorkloadName;
  readonly endpoint: 'bookings' | 'holds';
  readonly amount: number;
  readonly body: (event: ScaleEvent) => unknown;
  readonly onResponse?: LoadPlan['onResponse'];
}

function claimLoad(ctx: WorkloadContext, events: readonly ScaleEvent[], claim: ClaimLoad): Promise<LoadResult> {
  const eventFor = roundRobin(events, claim.workload);
  return runLoad({
    label: claim.label,
    baseUrl: ctx.baseUrl,
    connections: ctx.sizes.connections,
    amount: claim.amount,
    timeLimitSec: ctx.sizes.timeLimitSec,
    progress: ctx.progress,
    next: (n): PlannedRequest => {
      const event = eventFor(n);
      return {
        method: 'POST',
        path: `/events/${event.eventId}/${claim.endpoint}`,
        headers: { 'x-user-id': `${claim.workload}-${ctx.tag}-${n}` },
        body: claim.body(event),
      };
    },
    ...(claim.onResponse === undefined ? {} : { onResponse: claim.onResponse }),
  });
}

/** Buyers spread over the flash-sale events, 1-2 random seats each, one-step bookings. */
export function flashSaleLoad(ctx: WorkloadContext, events: readonly ScaleEvent[]): Promise<LoadResult> {
  return claimLoad(ctx, events, {
    label: 'flash-sale',
    workload: 'flash-sale',
    endpoint: 'bookings',
    amount: ctx.sizes.flashBuyers,
    body: (event) => randomSeats(event.rows, event.cols),
  });
}

/** Requests to events already sold out: the API answers from its sold-out cache, the API-bound case. */
export function soldOutStormLoad(ctx: WorkloadContext, events: readonly ScaleEvent[]): Promise<LoadResult> {
  return claimLoad(ctx, events, {
    label: 'sold-out-storm',
    workload: 'sold-out-storm',
    endpoint: 'bookings',
    amount: ctx.sizes.stormRequests,
    body: () => ({ quantity: 1 }),
  });
}

/** A hold a buyer got: its id and owner, for the confirm phase. */
export interface HeldSeats {
  readonly holdId: string;
  readonly userId: string;
}

/** Two-phase, first step: holds spread over the two-phase events (they expire after the event's short TTL). */
export async function twoPhaseHolds(
  ctx: WorkloadContext,
  events: readonly ScaleEvent[],
): Promise<{ readonly load: LoadResult; readonly held: readonly HeldSeats[] }> {
  const held: HeldSeats[] = [];
  const load = await claimLoad(ctx, events, {
    label: 'two-phase holds',
    workload: 'two-phase',
    endpoint: 'holds',
    amount: ctx.sizes.holders,
    body: (event) => randomSeats(event.rows, event.cols),
    onResponse: (status, body, request) => {
      if (status !== 201) return;
      const holdId = (JSON.parse(body) as { holdId?: string }).holdId;
      if (holdId !== undefined) held.push({ holdId, userId: request.headers['x-user-id'] ?? '' });
    },
  });
  return { load, held };
}

/** Two-phase, second step: a share of the holders confirm; the rest never do and their holds expire. */
export function twoPhaseConfirms(ctx: WorkloadContext, held: readonly HeldSeats[]): Promise<LoadResult> {
  return confirmPhase(
    ctx.progress,
    ctx.sizes.timeLimitSec,
    ctx.baseUrl,
    'two-phase',
    { confirmShare: ctx.sizes.confirmShare, connections: ctx.sizes.connections },
    held,
  );
}
