import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderLineChart } from '../stress/svg-line-chart.ts';
import { renderMarkdown, type Table } from '../text-table.ts';
import { FLAT_TOLERANCE, type Trend } from './memory-trend.ts';
import type { SoakResults } from './soak-results.ts';

const pct = (share: number) => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(1)}%`;

export function trendLine(name: string, trend: Trend): string {
  return (
    `${name}: troughs after warm-up (${trend.warmUpMinutes.toFixed(1)} min) average ${trend.mean.toFixed(1)} MB, ` +
    `slope ${trend.slopePerMinute.toFixed(2)} MB/min, ${pct(trend.growthShare)} over the run: ` +
    `${trend.verdict === 'growing' ? 'GROWING' : trend.verdict} (flat within ±${FLAT_TOLERANCE * 100}%)`
  );
}

/** The soak's headline figures, for the terminal and the report. */
export function summaryLines(results: SoakResults): string[] {
  const t = results.totals;
  return [
    `${results.minutes} min at ${results.sessionsPerSec} sessions/s: ${t.requests} requests ` +
      `(ok ${t.byOutcome.ok}, refused ${t.byOutcome.refused}, errors ${t.byOutcome.error}, unexpected ${t.byOutcome.unexpected}), ` +
      `${t.skippedSessions} sessions skipped at the in-flight cap; latency p50 ${t.latency.p50 ?? '-'} ms, p99 ${t.latency.p99 ?? '-'} ms`,
    trendLine('heap after major GC (the verdict)', results.memory.heapAfterGc),
    trendLine('heap used', results.memory.heapUsed),
    trendLine('RSS', results.memory.rss),
    `breaker transitions ${results.breakerTransitions}, reconcile drift ${results.reconcileDriftSeats} seats, compensations ${results.compensations}`,
    `audit of ${results.audits.length} events: ${results.audits.every((a) => a.violations.length === 0) ? 'clean' : 'VIOLATIONS'}`,
  ];
}

export function samplesTable(results: SoakResults, rows = 20): Table {
  const every = Math.max(1, Math.ceil(results.samples.length / rows));
  const picked = results.samples.filter((_, i) => i % every === 0 || i === results.samples.length - 1);
  return {
    headers: [
      'min',
      'req/s',
      'ok',
      'refused',
      'err',
      'p50 ms',
      'p99 ms',
      'heap MB',
      'after GC MB',
      'RSS MB',
      'loop lag p99 ms',
      'breaker',
      'drift',
    ],
    rows: picked.map((s) => [
      s.minute.toFixed(2),
      s.requestsPerSec.toFixed(0),
      String(s.byOutcome.ok),
      String(s.byOutcome.refused),
      String(s.byOutcome.error + s.byOutcome.unexpected),
      s.p50Ms?.toFixed(1) ?? '-',
      s.p99Ms?.toFixed(1) ?? '-',
      s.heapUsedMb.toFixed(1),
      s.heapAfterGcMb.toFixed(1),
      s.rssMb.toFixed(1),
      s.eventLoopLagP99Ms.toFixed(1),
      ['closed', 'half-open', 'open'][s.breakerState] ?? String(s.breakerState),
      String(s.reconcileDriftSeats),
    ]),
  };
}

/** Writes soak.json, the charts and report.md (which links them); returns the report's path. */
export async function writeSoakReport(outDir: string, results: SoakResults): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const warmUp = { x: results.memory.heapUsed.warmUpMinutes, label: 'warm-up ends' };
  const charts = [
    {
      file: 'memory.svg',
      title: 'API memory over the soak (MB)',
      svg: renderLineChart({
        title: 'API memory over the soak',
        xLabel: 'minutes',
        yLabel: 'MB',
        marker: warmUp,
        series: [
          { name: 'RSS', points: results.samples.map((s) => ({ x: s.minute, y: s.rssMb })) },
          { name: 'heap used', points: results.samples.map((s) => ({ x: s.minute, y: s.heapUsedMb })) },
          { name: 'heap after major GC', points: results.samples.map((s) => ({ x: s.minute, y: s.heapAfterGcMb })) },
        ],
      }),
    },
    {
      file: 'latency.svg',
      title: 'Latency per window (ms)',
      svg: renderLineChart({
        title: 'Latency per window',
        xLabel: 'minutes',
        yLabel: 'ms',
        series: [
          { name: 'p50', points: results.samples.map((s) => ({ x: s.minute, y: s.p50Ms ?? 0 })) },
          { name: 'p99', points: results.samples.map((s) => ({ x: s.minute, y: s.p99Ms ?? 0 })) },
        ],
      }),
    },
    {
      file: 'throughput.svg',
      title: 'Requests per second per window',
      svg: renderLineChart({
        title: 'Requests per second',
        xLabel: 'minutes',
        yLabel: 'req/s',
        series: [{ name: 'req/s', points: results.samples.map((s) => ({ x: s.minute, y: s.requestsPerSec })) }],
      }),
    },
  ];
  for (const chart of charts) await writeFile(join(outDir, chart.file), chart.svg);
  await writeFile(join(outDir, 'soak.json'), `${JSON.stringify(results, null, 2)}\n`);
  const unexpected = Object.entries(results.totals.unexpectedStatuses);
  const markdown = [
    `# SeatGrid soak ${results.startedAt}`,
    '',
    `The API (admission strategy) as a child process under a steady open-loop mix for ${results.minutes} min ` +
      `on ${results.environment.cpus} CPUs, Node ${results.environment.node}: holds (then confirm + cancel, release, or expiry), ` +
      'bookings of listed and best-available seats (cancelled later), seat maps, and claims on a sold-out event. ' +
      "Every seat taken is given back, so the mix stays the same for the whole run. Memory, breaker and drift come from the API's /metrics.",
    '',
    '## Summary',
    '',
    ...summaryLines(results).map((l) => `- ${l}`),
    ...(unexpected.length === 0 ? [] : [`- errors and unexpected answers: ${unexpected.map(([k, n]) => `${k}: ${n}`).join(', ')}`]),
    ...(results.failures.length === 0 ? ['- result: pass'] : [`- result: FAIL (${results.failures.join('; ')})`]),
    '',
    '## Charts',
    '',
    ...charts.map((c) => `- [${c.title}](${c.file})\n\n  ![${c.title}](${c.file})`),
    '',
    '## Over time',
    '',
    renderMarkdown(samplesTable(results)),
    '',
    '## Audit per event (after the load, a settle of hold TTL + grace + one reconcile interval)',
    '',
    '| event | sold | held | oversold | double-booked | leaked | partial | Redis = PostgreSQL |',
    '| :--- | ---: | ---: | ---: | ---: | ---: | ---: | :--- |',
    ...results.audits.map(
      ({ eventId, audit: a }) =>
        `| ${eventId} | ${a.seatsSold} | ${a.seatsHeld} | ${a.oversold} | ${a.doubleBooked} | ${a.leaked} | ${a.partial} | ${a.redisMatchesPg === null ? 'n/a' : a.redisMatchesPg ? 'yes' : 'NO'} |`,
    ),
    '',
  ].join('\n');
  const path = join(outDir, 'report.md');
  await writeFile(path, markdown);
  return path;
}
