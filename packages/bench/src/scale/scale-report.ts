import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderMarkdown } from '../text-table.ts';
import type { ScaleResults } from './scale-results.ts';
import { auditTable, throughputTable } from './scale-tables.ts';

/** Writes results.json and report.md into `outDir`; returns their paths. */
export async function writeScaleReport(outDir: string, results: ScaleResults): Promise<{ markdown: string; json: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'results.json');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = join(outDir, 'report.md');
  await writeFile(markdown, renderScaleMarkdown(results));
  return { markdown, json };
}

export function renderScaleMarkdown(results: ScaleResults): string {
  const { environment: env, sizes } = results;
  const counts = results.apiRuns.map((r) => r.workers).join(' and ');
  return [
    `# SeatGrid scale run ${results.startedAt}`,
    '',
    `${results.quick ? 'Quick run (small sizes). ' : ''}The admission API at ${counts} process(es) (WORKERS), each on the Redis ` +
      `Cluster ${env.redisClusterNodes} and ${env.shards.length} PostgreSQL shards, then a bare Express route at the same ` +
      `process counts, in ${results.runtimeSec.toFixed(0)} s on ${env.cpus} CPUs (Node ${env.node}; load average ` +
      `${env.loadAverageBefore.toFixed(2)} at the start, ${env.loadAverageAfter.toFixed(2)} at the end).`,
    '',
    '## Throughput at 1 vs more processes',
    '',
    renderMarkdown(throughputTable(results)),
    '',
    'Columns: `req/s @N` answers a second with N processes; `N/1` that over one process, beside the same ratio for a bare ' +
      'Express 5 route answering 409 (no I/O) under the same load; `API µs/req` CPU (user + system, /proc) of the API ' +
      'processes together (primary and workers) a request; `Redis µs/req` CPU of the cluster masters together (INFO cpu; ' +
      'any other client of the cluster counts too).',
    '',
    '## Audits, per shard',
    '',
    renderMarkdown(auditTable(results)),
    '',
    'Every event was audited on the shard that holds it: PostgreSQL (no seat in two live holds, no partial hold) and the ' +
      "API's seat map (Redis's) against PostgreSQL's seat states (a leaked seat is taken in Redis and free in PostgreSQL).",
    '',
    '## Load shape',
    '',
    `- flash-sale: ${sizes.flashBuyers.toLocaleString('en-US')} buyers spread over ${sizes.flashEvents} events of 10x10, 1-2 random seats each, bookings`,
    `- sold-out-storm: ${sizes.stormRequests.toLocaleString('en-US')} bookings of 1 seat spread over ${sizes.stormEvents} sold-out 10x10 events (answered from the in-process sold-out cache: the API-bound case)`,
    `- two-phase: ${sizes.holders.toLocaleString('en-US')} holds spread over ${sizes.twoPhaseEvents} events of 20x10 (${sizes.holdTtlSeconds} s holds), then ${Math.round(sizes.confirmShare * 100)}% of the holders confirm and the other holds expire`,
    `- ${sizes.connections} autocannon connections (loopback, pipelining 1), each phase capped at ${sizes.timeLimitSec} s; node:cluster hands each connection to a worker`,
    '',
    '## Notes',
    '',
    ...results.notes.map((n) => `- ${n}`),
    '',
    results.failures.length === 0 ? 'Every audit clean.' : `**Failures:** ${results.failures.join('; ')}`,
    '',
  ].join('\n');
}
