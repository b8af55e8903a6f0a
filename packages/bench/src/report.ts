import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BenchResults } from './results.ts';
import { summaryFootnote, summaryTable } from './summary-table.ts';
import { renderMarkdown, renderText } from './text-table.ts';

/** The repository root: packages/bench/src -> ../../.. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** <repo>/bench-results/<prefix><UTC timestamp>. */
export function defaultOutDir(startedAt: Date, prefix = ''): string {
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  return join(REPO_ROOT, 'bench-results', `${prefix}${stamp}`);
}

/** Writes report.md and results.json into `dir`; returns their paths. */
export async function writeReport(dir: string, results: BenchResults): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const markdown = join(dir, 'report.md');
  const json = join(dir, 'results.json');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(markdown, renderReport(results));
  return { markdown, json };
}

/** The compact table and the ratio lines, for the terminal. */
export function terminalSummary(results: BenchResults): string {
  const ratios = results.comparisons.map(
    (c) =>
      `library / redis-benchmark -P 1 at ${c.inFlight} in flight: ${c.ratio.toFixed(2)}x ` +
      `(${Math.round(c.libraryPerSec).toLocaleString('en-US')} / ${Math.round(c.redisBenchmarkPerSec).toLocaleString('en-US')} claims/s; ` +
      `target >= ${c.target.toFixed(1)}x: ${c.meetsTarget ? 'met' : 'not met'})`,
  );
  const footnote = summaryFootnote(results);
  return [renderText(summaryTable(results)), ...(footnote === undefined ? [] : [footnote]), '', ...ratios].join('\n');
}

function renderReport(r: BenchResults): string {
  const p = r.parameters;
  const e = r.environment;
  const rb = r.redisBenchmark;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const lines = [
    '# Admission engine micro-benchmark: library vs redis-benchmark',
    '',
    `Run ${r.startedAt} → ${r.finishedAt}, Redis at ${r.redisUrl}.`,
    '',
    '## Result',
    '',
    renderMarkdown(summaryTable(r)),
    '',
    ...(summaryFootnote(r) === undefined ? [] : [`${summaryFootnote(r)}`, '']),
    ...r.comparisons.map(
      (c) =>
        `- **${c.inFlight} in flight: library / redis-benchmark -P 1 = ${c.ratio.toFixed(2)}x** ` +
        `(${Math.round(c.libraryPerSec).toLocaleString('en-US')} vs ${Math.round(c.redisBenchmarkPerSec).toLocaleString('en-US')} claims/s); ` +
        `design target ≥ ${c.target.toFixed(1)}x: ${c.meetsTarget ? 'met' : 'not met'}.`,
    ),
    '',
    'Columns: *claims/s* = admission decisions answered per second (grants and refusals). *granted* / *refused* =',
    "shares of this measurement's calls, exact, from the event's own available counter; *of which invalid* = calls ",
    "refused before the script decided (invalid seat or argument: calls that never reached the script's TIME call, ",
    'from INFO commandstats). *server µs/call* = Redis CPU time per script call (commandstats): the work per call the',
    'server did for each side. *Redis CPU* / *client CPU* = CPU used over the window in % of one core (Redis: INFO cpu;',
    'client: this Node process, or the redis-benchmark child). Latencies are per claim as the client saw them.',
    '',
    '## What was measured',
    '',
    `- Script: \`claim-seats\` (flattened source from \`gateScripts['claim-seats'].lua\`), sha1 \`${rb.scriptSha}\`, ` +
      'the same for both sides (the library sends EVALSHA of the same text).',
    `- Claims: 1 seat each, uniformly random on a fresh ${p.rows} x ${p.cols} event per measurement, random user ` +
      `(~1M distinct), mode \`${p.mode}\` (hold TTL ${p.holdTtlMs} ms, so nothing expires during a run), no idempotency key.`,
    `- Library: \`admission.claimSeats\` over ${p.claimConnections} ioredis connection(s) with enableAutoPipelining, one engine each; a closed loop of N ` +
      `workers (N = ${p.inFlightLevels.join(', ')}), each sending the next claim when the last is answered, for ` +
      `${p.durationSec} s, after a ${p.warmupSec} s warm-up on a scratch event.`,
    `- redis-benchmark: \`-P 1 -c ${p.redisBenchmarkClients} -r ${p.keyspace}\`, EVALSHA with the library's key and ARGV layout, ` +
      `\`-n\` sized from an uncounted ${p.redisBenchmarkCalibrationRequests}-request calibration run (on a scratch event) so it lasts about ${p.durationSec} s ` +
      `(this run: -n ${rb.run.requests}, ${(rb.run.wallMs / 1_000).toFixed(1)} s; calibration ${Math.round(rb.calibration.requestsPerSec).toLocaleString('en-US')}/s).`,
    `- Expected share of redis-benchmark calls with a 0 row or col (refused as INVALID_SEAT): ${pct(p.expectedInvalidSeatShare)}.`,
    `- Order: ${p.measurementOrder.join(' → ')}.`,
    '',
    'redis-benchmark command line:',
    '',
    '```',
    rb.commandLine,
    '```',
    '',
    '## Per measurement',
    '',
    ...r.library.flatMap((m) => [
      `### library, ${m.inFlight} in flight`,
      '',
      `- ${m.throughput.completed} claims in ${(m.throughput.elapsedMs / 1_000).toFixed(2)} s = ` +
        `${Math.round(m.throughput.claimsPerSec).toLocaleString('en-US')}/s (warm-up ${m.warmupClaims} claims, uncounted)`,
      `- client: ${m.throughput.granted} granted (${pct(m.throughput.granted / m.throughput.completed)}), ` +
        `${m.throughput.refused} refused ${JSON.stringify(m.throughput.refusals)}, ${m.throughput.errors} errors`,
      `- server: ${m.accounting.granted} granted, ${m.accounting.refusedTaken} refused after deciding (taken), ` +
        `${m.accounting.rejectedBeforeDeciding} before deciding; ${m.accounting.scriptCalls} script calls ` +
        `(${m.accounting.foreignScriptCalls} not ours), ${m.accounting.serverUsecPerCall.toFixed(2)} µs/call; ` +
        `${m.accounting.takenAtStart} seats taken at start`,
      `- CPU: Redis ${(100 * m.accounting.redisCpuCores).toFixed(0)}% of a core, Node client ${(100 * m.clientCpuCores).toFixed(0)}%`,
      `- latency ms: avg ${m.throughput.latencyMs.avg.toFixed(3)}, p50 ${m.throughput.latencyMs.p50.toFixed(3)}, ` +
        `p95 ${m.throughput.latencyMs.p95.toFixed(3)}, p99 ${m.throughput.latencyMs.p99.toFixed(3)}, max ${m.throughput.latencyMs.max.toFixed(3)}`,
      '',
    ]),
    `### redis-benchmark -P 1 -c ${rb.run.clients}`,
    '',
    `- ${rb.run.requests} requests, ${Math.round(rb.run.requestsPerSec).toLocaleString('en-US')}/s (its own figure)`,
    `- server: ${rb.accounting.granted} granted (${pct(rb.accounting.grantShare)}), ${rb.accounting.refused} refused ` +
      `(${pct(rb.accounting.refusalShare)}): ${rb.accounting.refusedTaken} after deciding (taken), ` +
      `${rb.accounting.rejectedBeforeDeciding} before deciding (${pct(rb.accounting.rejectedBeforeDeciding / Math.max(rb.run.requests, 1))}); ` +
      `${rb.accounting.scriptCalls} script calls (${rb.accounting.foreignScriptCalls} not ours), ` +
      `${rb.accounting.serverUsecPerCall.toFixed(2)} µs/call; ${rb.accounting.takenAtStart} seats taken at start`,
    `- CPU: Redis ${(100 * rb.accounting.redisCpuCores).toFixed(0)}% of a core, redis-benchmark ` +
      `${rb.clientCpuCores === undefined ? 'n/a' : `${(100 * rb.clientCpuCores).toFixed(0)}%`}`,
    `- latency ms: avg ${rb.run.latencyMs.avg.toFixed(3)}, p50 ${rb.run.latencyMs.p50.toFixed(3)}, p95 ${rb.run.latencyMs.p95.toFixed(3)}, ` +
      `p99 ${rb.run.latencyMs.p99.toFixed(3)}, max ${rb.run.latencyMs.max.toFixed(3)}`,
    '',
    '## Environment',
    '',
    `- Node ${e.node}; Redis ${e.redisVersion} (io-threads ${e.redisIoThreads}; persistence: ${e.redisPersistence}); ${e.redisBenchmark}`,
    `- ${e.cpus} CPU(s), ${e.cpuModel}; ${e.os}`,
    `- Before the run: ${Math.round(r.quietCheck.foreignCommandsPerSec)} commands/s from ${r.quietCheck.otherClients} other client(s) ` +
      `(sampled over ${r.quietCheck.sampleMs} ms)`,
    '',
    '## Caveats',
    '',
    ...r.caveats.map((c) => `- ${c}`),
    '',
    `Clean-up: ${r.keysDeleted} keys deleted under the events' \`{ev:<id>}\` tags.`,
    '',
  ];
  return lines.join('\n');
}
