import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderMarkdown, renderText, type Table } from '../text-table.ts';
import type { CombinedRow } from './combine-rounds.ts';
import { describeVerdict } from './cpu-targets.ts';
import type { RowMeasurement } from './measure-row.ts';
import { frameLocation, type ProfileSummary } from './profile-top-frames.ts';

export interface HotPathRowResult extends CombinedRow {
  /** With --cpu-prof: the .cpuprofile and its top frames from the first burst to the last. */
  readonly profile?: { readonly file: string; readonly summary: ProfileSummary };
}

export interface HotPathResults {
  readonly startedAt: string;
  readonly runtimeSec: number;
  readonly parameters: {
    readonly requests: number;
    readonly warmup: number;
    readonly rounds: number;
    readonly connections: number;
    readonly cpuProf: boolean;
    readonly tracing: boolean;
  };
  readonly environment: Record<string, string | number>;
  readonly notes: readonly string[];
  readonly rows: readonly HotPathRowResult[];
}

const fixed = (n: number | null, digits: number) => (n === null ? '-' : n.toFixed(digits));

export function rowsTable(rows: readonly HotPathRowResult[]): Table {
  return {
    headers: [
      'request',
      'reqs',
      'req/s',
      'p50 ms',
      'p99 ms',
      'API µs/req',
      'xExpr',
      'rounds',
      'target',
      'met',
      'Redis µs/req',
      'scripts/req',
      'µs/script',
      'errors',
    ],
    rows: rows.map((r) => {
      const { target, met } = describeVerdict(r.verdict);
      return [
        r.name,
        String(r.requests),
        r.throughput.toFixed(0),
        fixed(r.latency.p50, 1),
        fixed(r.latency.p99, 1),
        fixed(r.cpuUsPerRequest, 1),
        r.verdict.ratio === null ? '-' : `${r.verdict.ratio.toFixed(2)}x`,
        r.ratioRange === null ? '-' : `${r.ratioRange.min.toFixed(2)}-${r.ratioRange.max.toFixed(2)}x`,
        target,
        met,
        fixed(r.redisCpuUsPerRequest, 1),
        r.redisScriptCallsPerRequest.toFixed(2),
        fixed(r.redisUsPerScriptCall, 1),
        String(r.errors + r.problems.length),
      ];
    }),
  };
}

export function framesTable(summary: ProfileSummary, requests: number, repoRoot: string): Table {
  return {
    headers: ['function', 'url:line', 'self %', 'self ms', 'µs/req'],
    rows: summary.frames.map((f) => [
      f.functionName,
      frameLocation(f, repoRoot),
      f.selfPercent.toFixed(1),
      f.selfMs.toFixed(1),
      requests === 0 ? '-' : ((f.selfMs * 1_000) / requests).toFixed(2),
    ]),
  };
}

function profileHeading(row: HotPathRowResult): string {
  const s = row.profile?.summary;
  if (s === undefined) return '';
  const span = s.windowed ? 'measured phase' : 'whole process (the measured window was not found in the profile)';
  return `top frames by self time, ${row.name} (${span}: ${s.totalMs.toFixed(0)} ms sampled, ${(s.totalMs - s.idleMs).toFixed(0)} ms busy; self % of busy)`;
}

/** Problems and errors, one line each; empty when every row answered as expected. */
export function rowFailures(rows: readonly RowMeasurement[]): string[] {
  return rows.flatMap((r) => [
    ...(r.errors > 0 ? [`${r.name}: ${r.errors} answers other than ${r.expectedStatus} (${JSON.stringify(r.byStatus)})`] : []),
    ...r.problems.map((p) => `${r.name}: ${p}`),
  ]);
}

/** The terminal's summary: the table, then the top frames of each profiled row. */
export function terminalReport(results: HotPathResults, repoRoot: string): string {
  const parts = [renderText(rowsTable(results.rows))];
  for (const row of results.rows) {
    if (row.profile !== undefined)
      parts.push(`${profileHeading(row)}\n${renderText(framesTable(row.profile.summary, row.requests, repoRoot))}`);
  }
  const failures = rowFailures(results.rows);
  if (failures.length > 0) parts.push(failures.map((f) => `error: ${f}`).join('\n'));
  return parts.join('\n\n');
}

export async function writeHotPathReport(
  outDir: string,
  results: HotPathResults,
  repoRoot: string,
): Promise<{ markdown: string; json: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'results.json');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  const p = results.parameters;
  const failures = rowFailures(results.rows);
  const lines = [
    `# SeatGrid hot path: CPU a request, ${results.startedAt}`,
    '',
    `${p.requests} measured requests a row after ${p.warmup} of warm-up, in ${p.rounds} rounds: every server up, the rows take turns, ` +
      `a burst each a round; ${p.connections} connections, in ${results.runtimeSec.toFixed(0)} s. ` +
      'Each row: its server as a child process (the API: admission strategy, rate limits off, LOG_LEVEL=warn' +
      (p.tracing ? ', tracing on: spans exported over OTLP/HTTP to a local sink' : ', tracing off') +
      '), autocannon on loopback.',
    '',
    renderMarkdown(rowsTable(results.rows)),
    '',
    "Columns: `API µs/req` the time the server process's threads ran (/proc) over the row's bursts, a request " +
      "answered (the bare-express row: the bare Express process); `xExpr` that over bare Express's in the same round, the median " +
      'over rounds, against its `target`, and `rounds` the lowest and highest round; other figures are medians over rounds, `reqs` their sum; ' +
      "`Redis µs/req` Redis's CPU (INFO cpu), `scripts/req` EVALSHA calls (INFO commandstats) and `µs/script` Redis's time in each, all counting every client of the shared Redis; " +
      '`errors` answers other than the expected status, transport errors and failed checks.',
    '',
    ...results.rows.map((r) => `- \`${r.name}\`: ${r.description}; expected ${r.expectedStatus}; statuses ${JSON.stringify(r.byStatus)}`),
    '',
    failures.length === 0 ? 'Every answer had the expected status.' : `**Errors:**\n\n${failures.map((f) => `- ${f}`).join('\n')}`,
    '',
    ...results.rows.flatMap((r) =>
      r.profile === undefined
        ? []
        : [
            `## ${profileHeading(r)}`,
            '',
            `Profile: \`${r.profile.file}\``,
            '',
            renderMarkdown(framesTable(r.profile.summary, r.requests, repoRoot)),
            '',
          ],
    ),
    '## Environment and notes',
    '',
    ...Object.entries(results.environment).map(([k, v]) => `- ${k}: ${v}`),
    ...results.notes.map((n) => `- ${n}`),
    '',
  ];
  const markdown = join(outDir, 'report.md');
  await writeFile(markdown, lines.join('\n'));
  return { markdown, json };
}
