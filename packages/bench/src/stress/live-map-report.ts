import type { RunResult } from './run-scenario.ts';
import type { Percentiles } from './stats.ts';

const ms = (p: Percentiles) =>
  p.count === 0 ? 'no sample' : `p50 ${p.p50?.toFixed(1)} ms, p99 ${p.p99?.toFixed(1)} ms, max ${p.max?.toFixed(1)} ms (${p.count} claims)`;
const us = (value: number | null, digits = 1) => (value === null ? '-' : `${value.toFixed(digits)} µs`);

/** The live-map runs' stream figures, a few lines each (stdout and report.md). */
export function liveMapLines(runs: readonly RunResult[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    const s = run.streams;
    if (s === undefined) continue;
    const extra =
      s.apiCpuUsPerRequestWith === null || s.apiCpuUsPerRequestWithout === null
        ? null
        : s.apiCpuUsPerRequestWith - s.apiCpuUsPerRequestWithout;
    lines.push(
      `${run.scenario}/${run.strategy}: ${s.clients} SSE clients, connected (each with its snapshot) in ${s.connectMs.toFixed(0)} ms; ` +
        `${s.messages} change messages and ${s.snapshots} snapshots delivered`,
      `  claim's 201 -> last client sees it: ${ms(s.commitToLastClientMs)}`,
      `  claim's 201 -> first client sees it: ${ms(s.commitToFirstClientMs)}`,
      `  first client -> last client (the fan-out): ${ms(s.firstToLastClientMs)}`,
      `  API CPU a request: ${us(s.apiCpuUsPerRequestWithout)} without streams (${s.baselineRequests} requests, its own event), ` +
        `${us(s.apiCpuUsPerRequestWith)} with them (${extra === null ? '-' : `${extra >= 0 ? '+' : ''}${extra.toFixed(1)} µs`}); ` +
        `${us(s.apiCpuUsPerClientChange, 2)} a client a change`,
      `  clients dropped ${s.dropped}, behind ${s.behind}, maps differing ${s.mismatched}, sales unseen ${s.missed}`,
    );
  }
  return lines;
}

/** Notes for the report: how to read the figures. */
export const LIVE_MAP_NOTES: readonly string[] = [
  "live-map: the seat stream's changes are written by the gate's Redis script, before the PostgreSQL commit a 201 waits for, so a client may see a seat taken before its buyer hears back (a negative time)",
  'live-map: the clients run in a worker thread of the bench process, on the same cores as the API, Redis and PostgreSQL; times are from one monotonic clock',
  'live-map: "without streams" is the same flash sale on another event in the same API process just before (after an unmeasured warm-up sale), with no client connected; the difference is within the run-to-run noise of a short run',
];
