import { setTimeout as sleep } from 'node:timers/promises';
import { loadavg } from 'node:os';
import type { StoreView } from '@seatgrid/admission/testing';
import type { Cluster } from 'ioredis';
import { readCpu, usPerRequest } from '../cpu-meter.ts';
import { auditRun, violations } from '../stress/audit.ts';
import { RECONCILE_INTERVAL_MS, REDIS_EXPIRY_GRACE_MS, SWEEP_INTERVAL_MS } from '../stress/api-server.ts';
import type { LoadResult } from '../stress/load.ts';
import { clusterCpuMicros } from './cluster-cpu-micros.ts';
import type { ApiScaleRun, EventAudit, MeasuredLoad } from './scale-results.ts';
import type { ScaleSizes } from './scale-sizes.ts';
import {
  createScaleEvents,
  flashSaleLoad,
  type ScaleEvent,
  soldOutStormLoad,
  twoPhaseConfirms,
  twoPhaseHolds,
  warmUpSale,
  type WorkloadContext,
} from './scale-workloads.ts';
import { type ScaleTopology, startScaleApi } from './start-scale-api.ts';

export interface ScaleRunContext {
  /** REDIS_URL and DATABASE_URL, under the topology's settings. */
  readonly env: Record<string, string>;
  readonly topology: ScaleTopology;
  /** A view over every shard, in the topology's order. */
  readonly store: StoreView;
  /** The cluster's masters: their CPU, and removing the events' keys. */
  readonly cluster: Cluster;
  readonly sizes: ScaleSizes;
  readonly progress: (line: string) => void;
}

/**
 * The admission API with `workers` processes on the cluster and the shards: fresh events, the
 * flash sale, the sold-out storm and the two-phase sale, each phase's throughput and CPU; then,
 * once holds have expired everywhere, every event audited on its shard. Returns the events it
 * made in `made` as it goes, so the caller can remove them whatever happens.
 */
export async function runApiAtScale(ctx: ScaleRunContext, workers: number, made: ScaleEvent[]): Promise<ApiScaleRun> {
  const { sizes } = ctx;
  const progress = (line: string) => ctx.progress(`[${workers} worker${workers === 1 ? '' : 's'}] ${line}`);
  const api = await startScaleApi(ctx.env, ctx.topology, workers);
  try {
    progress(`API at ${api.baseUrl}, ${workers} process(es) serving`);
    const work: WorkloadContext = { baseUrl: api.baseUrl, sizes, tag: `${workers}w-${Date.now().toString(36)}`, progress };
    const events = await createScaleEvents(work);
    made.push(...events);
    made.push(await warmUpSale(work, workers));
    const loadAverage = loadavg()[0] ?? 0;

    const measure = async (phase: () => Promise<LoadResult>): Promise<MeasuredLoad> => {
      const before = { api: await readCpu(api.pid, undefined), redis: await clusterCpuMicros(ctx.cluster) };
      const load = await phase();
      const after = { api: await readCpu(api.pid, undefined), redis: await clusterCpuMicros(ctx.cluster) };
      progress(`${load.label}: ${load.requests} answered, ${load.throughput.toFixed(0)} req/s ${JSON.stringify(load.byStatus)}`);
      return {
        ...load,
        apiCpuUsPerRequest: usPerRequest(before.api.processUs, after.api.processUs, load.requests),
        redisCpuUsPerRequest: usPerRequest(before.redis, after.redis, load.requests),
      };
    };
    const flash = await measure(() => flashSaleLoad(work, events));
    const storm = await measure(() => soldOutStormLoad(work, events));
    let held: Awaited<ReturnType<typeof twoPhaseHolds>>['held'] = [];
    const holds = await measure(async () => {
      const phase = await twoPhaseHolds(work, events);
      held = phase.held;
      return phase.load;
    });
    const confirms = await measure(() => twoPhaseConfirms(work, held));

    // Unconfirmed holds expire in PostgreSQL (sweeper), then in Redis (reaped after the grace).
    const settleMs = sizes.holdTtlSeconds * 1_000 + REDIS_EXPIRY_GRACE_MS + SWEEP_INTERVAL_MS + 500;
    progress(`settling ${(settleMs / 1_000).toFixed(1)} s, then auditing ${events.length} events`);
    await sleep(settleMs);
    const audits: EventAudit[] = [];
    for (const event of events) audits.push(await auditEvent(ctx.store, api.baseUrl, event));
    const eventsPerShard = ctx.store.shards.map((_, shard) => audits.filter((a) => a.shard === shard).length);
    const failed = audits.filter((a) => a.violations.length > 0);
    progress(
      `audits: ${audits.length - failed.length}/${audits.length} clean; events per shard ${eventsPerShard.join(' + ')}` +
        (failed.length > 0 ? `; ${failed.map((a) => `${a.eventId}: ${a.violations.join(', ')}`).join('; ')}` : ''),
    );
    const exit = await api.stop();
    if (exit !== 0) progress(`warning: the API exited with ${exit}`);
    return {
      workers,
      loadAverage,
      loads: { 'flash-sale': flash, 'sold-out-storm': storm, 'two-phase holds': holds, 'two-phase confirms': confirms },
      audits,
      eventsPerShard,
    };
  } finally {
    if (api.running) await api.stop();
  }
}

/** The stress run's audit of one event (PostgreSQL, then Redis's map against it), on the shard that holds it. */
async function auditEvent(store: StoreView, baseUrl: string, event: ScaleEvent): Promise<EventAudit> {
  const shard = await shardOf(store, event.eventId);
  const audit = await auditRun(store, baseUrl, event.eventId, 'admission', RECONCILE_INTERVAL_MS);
  return {
    eventId: event.eventId,
    workload: event.workload,
    shard,
    capacity: event.rows * event.cols,
    audit,
    violations: [...violations(audit), ...(shard === -1 ? ['in no shard'] : [])],
  };
}

/** The shard whose events table holds the event (-1: none). */
async function shardOf(store: StoreView, eventId: string): Promise<number> {
  for (const [shard, db] of store.shards.entries()) {
    if ((await db.selectFrom('events').select('id').where('id', '=', eventId).executeTakeFirst()) !== undefined) return shard;
  }
  return -1;
}
