import { setTimeout as sleep } from 'node:timers/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { openStoreView } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { removeEvent } from '../bench-events.ts';
import { optionsOrExitCode, runMain } from '../cli-entry.ts';
import { defaultOutDir } from '../report.ts';
import { renderText } from '../text-table.ts';
import { createEventOverHttp, postJson, scrapeCounters, type CreatedEvent } from '../stress/api-client.ts';
import { ADMIN_TOKEN, RECONCILE_INTERVAL_MS, REDIS_EXPIRY_GRACE_MS, startApi, SWEEP_INTERVAL_MS } from '../stress/api-server.ts';
import { auditRun, violations } from '../stress/audit.ts';
import type { ChildServer } from '@seatgrid/api/child';
import { percentiles } from '../stress/stats.ts';
import { parseSoakOptions, USAGE, type SoakOptions } from './cli.ts';
import { trendAfterWarmUp } from './memory-trend.ts';
import { MixedLoad } from './mixed-load.ts';
import { samplesTable, summaryLines, writeSoakReport } from './report.ts';
import type { SoakResults, SoakSample } from './soak-results.ts';

/**
 * `pnpm soak --minutes M`: the API under a steady mixed load for M minutes, sampled as it
 * goes (memory, latency, breaker, drift from its /metrics), then audited. Exits 1 on any
 * audit violation, 5xx, unanswered or unexpected answer.
 */
const progress = (line: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const HOLD_TTL_SECONDS = 2;
const METRICS = {
  rss: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  heapAfterGc: 'seatgrid_heap_after_major_gc_bytes',
  loopLagP99: 'nodejs_eventloop_lag_p99_seconds',
  breakerState: 'seatgrid_breaker_state',
  breakerTransitions: 'seatgrid_breaker_transitions_total',
  drift: 'seatgrid_reconcile_drift_seats_total',
  compensations: 'seatgrid_compensations_total',
} as const;

async function main(argv: readonly string[]): Promise<number> {
  const options = optionsOrExitCode<SoakOptions>(() => parseSoakOptions(argv), USAGE);
  if (typeof options === 'number') return options;
  const env = {
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid',
  };
  const store = openStoreView(env.DATABASE_URL);
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true });
  const startedAt = new Date();
  const created: string[] = [];
  let api: ChildServer | undefined;
  try {
    api = await startApi(env, 'admission');
    progress(`API pid ${api.pid} at ${api.baseUrl}; ${options.minutes} min at ${options.sessionsPerSec} sessions/s`);
    const events: CreatedEvent[] = [];
    for (let i = 0; i < 3; i++) {
      const event = await createEventOverHttp(api.baseUrl, ADMIN_TOKEN, {
        name: `soak ${i}`,
        rows: 20,
        cols: 25,
        holdTtlSeconds: HOLD_TTL_SECONDS,
      });
      created.push(event.eventId);
      events.push(event);
    }
    const soldOut = await createEventOverHttp(api.baseUrl, ADMIN_TOKEN, { name: 'soak sold out', rows: 2, cols: 5 });
    created.push(soldOut.eventId);
    for (const row of [1, 2]) {
      const { status } = await postJson(api.baseUrl, `/events/${soldOut.eventId}/bookings`, `soak-sellout-${row}`, { quantity: 5 });
      if (status !== 201) throw new Error(`selling out the sold-out event answered ${status}`);
    }

    const load = new MixedLoad(
      { baseUrl: api.baseUrl, events, soldOutEventId: soldOut.eventId },
      options.sessionsPerSec,
      options.maxInFlight,
    );
    const samples = await sampleWhileLoading(api.baseUrl, load, options.minutes);
    await load.stop();

    const settleMs = HOLD_TTL_SECONDS * 1_000 + REDIS_EXPIRY_GRACE_MS + SWEEP_INTERVAL_MS + 500;
    progress(`load stopped; settling ${(settleMs / 1_000).toFixed(1)} s, then auditing`);
    await sleep(settleMs);
    const audits = [];
    for (const event of [...events.map((e) => e.eventId), soldOut.eventId]) {
      const audit = await auditRun(store, api.baseUrl, event, 'admission', RECONCILE_INTERVAL_MS);
      audits.push({ eventId: event, audit, violations: violations(audit) });
    }
    const exit = await api.stop();
    if (exit !== 0) progress(`warning: the API exited with ${exit}`);

    const results = summarize(options, startedAt, samples, load, audits);
    const outDir = options.outDir ?? `${defaultOutDir(startedAt)}-soak`;
    const report = await writeSoakReport(outDir, results);
    process.stdout.write(`\n${renderText(samplesTable(results))}\n\n${summaryLines(results).join('\n')}\n\n`);
    progress(`wrote ${report} and ${join(outDir, 'soak.json')}`);
    if (results.failures.length > 0) {
      progress(`FAIL: ${results.failures.join('; ')}`);
      return 1;
    }
    return 0;
  } finally {
    await api?.stop();
    for (const eventId of created) await removeEvent(store, redis, eventId).catch(() => {});
    await store.close();
    redis.disconnect();
  }
}

/** Runs the load for `minutes`, reading its window and the API's metrics about 150 times (every 1-10 s). */
async function sampleWhileLoading(baseUrl: string, load: MixedLoad, minutes: number): Promise<SoakSample[]> {
  const everyMs = Math.min(10_000, Math.max(1_000, (minutes * 60_000) / 150));
  const samples: SoakSample[] = [];
  const start = performance.now();
  let last = start;
  load.start();
  while (performance.now() - start < minutes * 60_000) {
    await sleep(everyMs);
    const window = load.takeWindow();
    const m = await scrapeCounters(baseUrl, Object.values(METRICS));
    const now = performance.now();
    const latency = percentiles(window.latenciesMs);
    const sample: SoakSample = {
      minute: (now - start) / 60_000,
      requestsPerSec: window.requests / ((now - last) / 1_000),
      byOutcome: window.byOutcome,
      skippedSessions: window.skippedSessions,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      rssMb: (m[METRICS.rss] ?? 0) / 2 ** 20,
      heapUsedMb: (m[METRICS.heapUsed] ?? 0) / 2 ** 20,
      heapAfterGcMb: (m[METRICS.heapAfterGc] ?? 0) / 2 ** 20,
      eventLoopLagP99Ms: (m[METRICS.loopLagP99] ?? 0) * 1_000,
      breakerState: m[METRICS.breakerState] ?? 0,
      breakerTransitions: m[METRICS.breakerTransitions] ?? 0,
      reconcileDriftSeats: m[METRICS.drift] ?? 0,
      compensations: m[METRICS.compensations] ?? 0,
    };
    if (sample.rssMb === 0 || sample.heapUsedMb === 0) throw new Error(`the API's /metrics has no ${METRICS.rss} / ${METRICS.heapUsed}`);
    samples.push(sample);
    last = now;
    if (samples.length % 10 === 0) {
      progress(
        `${sample.minute.toFixed(1)} min: ${sample.requestsPerSec.toFixed(0)} req/s, p99 ${sample.p99Ms ?? '-'} ms, heap ${sample.heapUsedMb.toFixed(1)} MB (${sample.heapAfterGcMb.toFixed(1)} MB after the last major GC), RSS ${sample.rssMb.toFixed(1)} MB`,
      );
    }
  }
  return samples;
}

function summarize(
  options: SoakOptions,
  startedAt: Date,
  samples: readonly SoakSample[],
  load: MixedLoad,
  audits: SoakResults['audits'],
): SoakResults {
  const total = load.total;
  const last = samples.at(-1);
  const failures: string[] = [];
  for (const a of audits) if (a.violations.length > 0) failures.push(`${a.eventId}: ${a.violations.join(', ')}`);
  if (total.byOutcome.error > 0) failures.push(`${total.byOutcome.error} requests answered 5xx or not at all`);
  if (total.byOutcome.unexpected > 0) failures.push(`${total.byOutcome.unexpected} unexpected 4xx answers`);
  const live = trendAfterWarmUp(samples.filter((s) => s.heapAfterGcMb > 0).map((s) => ({ minute: s.minute, value: s.heapAfterGcMb })));
  if (live.verdict === 'growing') failures.push(`the heap after major GCs grew ${(live.growthShare * 100).toFixed(1)}% after warm-up`);
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    minutes: options.minutes,
    sessionsPerSec: options.sessionsPerSec,
    maxInFlight: options.maxInFlight,
    environment: { node: process.version, cpus: cpus().length },
    samples,
    totals: {
      requests: total.requests,
      byOutcome: total.byOutcome,
      skippedSessions: total.skippedSessions,
      latency: percentiles(total.latenciesMs),
      unexpectedStatuses: load.unexpectedStatuses,
    },
    memory: {
      // Readings before the first major GC say nothing of what stays live.
      heapAfterGc: live,
      heapUsed: trendAfterWarmUp(samples.map((s) => ({ minute: s.minute, value: s.heapUsedMb }))),
      rss: trendAfterWarmUp(samples.map((s) => ({ minute: s.minute, value: s.rssMb }))),
    },
    breakerTransitions: last?.breakerTransitions ?? 0,
    reconcileDriftSeats: last?.reconcileDriftSeats ?? 0,
    compensations: last?.compensations ?? 0,
    audits,
    failures,
  };
}

runMain('soak', () => main(process.argv.slice(2)));
