import type { RunResult } from './run-scenario.ts';
import { renderBarChart } from './svg-chart.ts';

export interface ChartFile {
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

const label = (r: RunResult) => `${r.scenario}/${r.strategy}`;

/** The report's charts: latency percentiles per run (grouped by strategy), PostgreSQL queries per sold seat. */
export function buildCharts(runs: readonly RunResult[]): ChartFile[] {
  const ordered = [...runs].sort((a, b) => a.strategy.localeCompare(b.strategy) || a.scenario.localeCompare(b.scenario));
  const latency = renderBarChart({
    title: 'Latency percentiles per strategy and scenario (ms, log scale)',
    yLabel: 'ms',
    log: true,
    groups: ordered.map(label),
    series: (['p50', 'p95', 'p99'] as const).map((p) => ({ name: p, values: ordered.map((r) => r.latency[p]) })),
  });
  const refusals = renderBarChart({
    title: 'p99 by outcome (ms, log scale): won (2xx) vs refused (409)',
    yLabel: 'ms',
    log: true,
    groups: ordered.map(label),
    series: [
      { name: 'won p99', values: ordered.map((r) => r.byOutcome.won.p99) },
      { name: 'refused p99', values: ordered.map((r) => r.byOutcome.refused.p99) },
    ],
  });
  const queries = renderBarChart({
    title: 'PostgreSQL queries per sold seat (log scale)',
    yLabel: 'queries / sold seat',
    log: true,
    groups: ordered.map(label),
    series: [
      { name: 'queries/sold seat', values: ordered.map((r) => r.pgQueriesPerSoldSeat) },
      { name: 'queries/request', values: ordered.map((r) => r.pgQueriesPerRequest) },
    ],
  });
  return [
    { file: 'latency.svg', title: 'Latency percentiles', svg: latency },
    { file: 'latency-by-outcome.svg', title: 'p99 by outcome', svg: refusals },
    { file: 'pg-queries.svg', title: 'PostgreSQL queries per sold seat', svg: queries },
  ];
}
