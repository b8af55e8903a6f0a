import type { ClaimAccounting } from './claim-accounting.ts';
import type { LatencySummary } from './claim-throughput.ts';
import type { BenchResults } from './results.ts';
import type { Table } from './text-table.ts';

const HEADERS = [
  'measurement',
  'claims/s',
  'ratio lib/rb',
  'granted',
  'refused',
  'of which invalid',
  'server µs/call',
  'Redis CPU',
  'client CPU',
  'p50 ms',
  'p99 ms',
];

/** Marks a server-wide figure that another client's activity made inexact. */
const DISTURBED_MARK = '*';

/** One line per measurement: the figures and the grant/refusal mix, counted by the server. */
export function summaryTable(results: BenchResults): Table {
  const rb = results.redisBenchmark;
  const rows = results.library.map((m) => {
    const comparison = results.comparisons.find((c) => c.inFlight === m.inFlight);
    return row(
      `library, ${m.inFlight} in flight`,
      m.throughput.claimsPerSec,
      comparison === undefined ? '' : `${comparison.ratio.toFixed(2)}x`,
      m.accounting,
      m.clientCpuCores,
      m.throughput.latencyMs,
    );
  });
  rows.push(
    row(`redis-benchmark -P 1 -c ${rb.run.clients}`, rb.run.requestsPerSec, '1.00x', rb.accounting, rb.clientCpuCores, rb.run.latencyMs),
  );
  return { headers: HEADERS, rows };
}

/** The table's footnote, when a window was disturbed. */
export function summaryFootnote(results: BenchResults): string | undefined {
  const disturbed = [...results.library.map((m) => m.accounting), results.redisBenchmark.accounting].some((a) => a.disturbed);
  return disturbed
    ? `${DISTURBED_MARK} another client ran scripts on this Redis during that window: server-wide figures are inexact, and so may be the rates.`
    : undefined;
}

function row(
  name: string,
  perSec: number,
  ratio: string,
  accounting: ClaimAccounting,
  clientCpuCores: number | undefined,
  latency: LatencySummary,
): string[] {
  const mark = accounting.disturbed ? DISTURBED_MARK : '';
  const share = (n: number) => `${((100 * n) / Math.max(accounting.calls, 1)).toFixed(1)}%`;
  const cores = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(100 * n)}%`);
  return [
    name,
    Math.round(perSec).toLocaleString('en-US'),
    ratio,
    share(accounting.granted),
    share(accounting.refused),
    share(accounting.rejectedBeforeDeciding) + mark,
    accounting.serverUsecPerCall.toFixed(1) + mark,
    cores(accounting.redisCpuCores) + mark,
    cores(clientCpuCores),
    latency.p50.toFixed(2),
    latency.p99.toFixed(2),
  ];
}
