import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultOutDir } from '../report.ts';
import { renderMarkdown } from '../text-table.ts';
import { buildCharts } from './charts.ts';
import { LIVE_MAP_NOTES, liveMapLines } from './live-map-report.ts';
import type { StressResults } from './results.ts';
import { baselineLines, runsTable } from './summary-table.ts';
import { WARM_UP_CLAIMS } from './warm-up.ts';

/** <repo>/bench-results/<UTC timestamp>, next to the claims micro-benchmark's folders. */
export function defaultStressOutDir(startedAt: Date): string {
  return defaultOutDir(startedAt);
}

/** Writes results.json, the SVG charts and report.md (which links them); returns the paths. */
export async function writeStressReport(outDir: string, results: StressResults): Promise<{ markdown: string; json: string }> {
  await mkdir(outDir, { recursive: true });
  const charts = buildCharts(results.runs);
  for (const chart of charts) await writeFile(join(outDir, chart.file), chart.svg);
  const json = join(outDir, 'results.json');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = join(outDir, 'report.md');
  await writeFile(
    markdown,
    renderStressMarkdown(
      results,
      charts.map((c) => ({ file: c.file, title: c.title })),
    ),
  );
  return { markdown, json };
}

export function renderStressMarkdown(results: StressResults, charts: readonly { file: string; title: string }[]): string {
  const lines = [
    `# SeatGrid stress run ${results.startedAt}`,
    '',
    `${results.quick ? 'Quick run (small sizes). ' : ''}${results.runs.length} runs in ${results.runtimeSec.toFixed(0)} s on ` +
      `${results.environment.cpus} CPUs, Node ${results.environment.node}. Each run: a fresh API child process with the ` +
      `strategy, a fresh event created over HTTP, an unmeasured warm-up sale of up to ${WARM_UP_CLAIMS.toLocaleString('en-US')} of the same claims on a second ` +
      'event of the same shape (the baseline is warmed on its own route too), autocannon load (loopback, pipelining 1, one new user id a request), ' +
      'a settle, the PostgreSQL audit and the Redis-vs-PostgreSQL seat-map comparison, then SIGTERM.',
    '',
    '## Results',
    '',
    renderMarkdown(runsTable(results.runs, results.ratios)),
    '',
    'Columns: `xExpr` throughput over bare Express; `API µs/req` CPU (user + system, /proc/<pid>/stat) the API process spent ' +
      "a request over the load phases, and `xExpr µs` that over bare Express's (Redis's CPU a request is `redisCpuUsPerRequest` " +
      'in results.json); `won`/`409`/`err` responses by outcome (2xx, 409, other); latencies in ms; ' +
      '`q/req` and `q/sold` PostgreSQL statements the API sent (its `seatgrid_pg_queries_total`) during load and settle, per ' +
      'request and per sold seat; audit `ok`, `caught` (naive: its oversell is expected and reported), `FAIL` (a correct strategy broke an invariant).',
    '',
    ...scenarioFigures(results),
    '## Baselines and ratios',
    '',
    ...baselineLines(results.baselines, results.ratios).map((l) => `- ${l}`),
    '',
    '## Charts',
    '',
    ...charts.map((c) => `- [${c.title}](${c.file})\n\n  ![${c.title}](${c.file})`),
    '',
    '## Status codes and PostgreSQL server counters',
    '',
    '| run | statuses | phases | PG transactions (API) | pg_stat_database xacts / tuples read / written (API lifetime) |',
    '| :--- | :--- | :--- | ---: | :--- |',
    ...results.runs.map(
      (r) =>
        `| ${r.scenario}/${r.strategy} | ${Object.entries(r.byStatus)
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ')} | ` +
        `${r.phases
          .map(
            (p) =>
              `${p.label}: ${p.requests} in ${p.durationSec.toFixed(1)} s${p.stoppedByTimeLimit ? ' (time limit)' : ''} [${Object.entries(
                p.byStatus,
              )
                .map(([s, n]) => `${s}: ${n}`)
                .join(', ')}]`,
          )
          .join('; ')} | ` +
        `${r.pgTransactions} | ${r.pgServer.transactions} / ${r.pgServer.tuplesRead} / ${r.pgServer.tuplesWritten} |`,
    ),
    '',
    ...(liveMapLines(results.runs).length > 0
      ? [
          '## Live seat map (Server-Sent Events)',
          '',
          '```',
          ...liveMapLines(results.runs),
          '```',
          '',
          ...LIVE_MAP_NOTES.map((n) => `- ${n}`),
          '',
        ]
      : []),
    '## Scaling and caveats',
    '',
    ...results.scaling.map((s) => `- ${s}`),
    '',
    results.failures.length === 0 ? 'No audit violation by a correct strategy.' : `**Audit violations:** ${results.failures.join('; ')}`,
    '',
  ];
  return lines.join('\n');
}

/** The driven scenarios' own figures (queue waits, offers, their audits), a list a run. */
function scenarioFigures(results: StressResults): string[] {
  const runs = results.runs.filter((run) => (run.notes ?? []).length > 0);
  if (runs.length === 0) return [];
  return [
    '## Scenario figures',
    '',
    ...runs.flatMap((run) => [`- ${run.scenario}/${run.strategy}`, ...(run.notes ?? []).map((note) => `  - ${note}`)]),
    '',
  ];
}
