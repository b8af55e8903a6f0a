import type { Table } from '../text-table.ts';
import type { Baselines } from './baselines.ts';
import type { Ratios } from './results.ts';
import type { RunResult } from './run-scenario.ts';
import type { Percentiles } from './stats.ts';

const ms = (p: Percentiles, key: 'p50' | 'p99') => (p[key] === null ? '-' : (p[key] ?? 0).toFixed(1));
const fixed = (n: number | null, digits: number) => (n === null ? '-' : n.toFixed(digits));

/** One row a scenario x strategy: the figures the issue asks for, audit last. */
export function runsTable(runs: readonly RunResult[], ratios: Ratios): Table {
  return {
    headers: [
      'scenario/strategy',
      'reqs',
      'req/s',
      'xExpr',
      'API µs/req',
      'xExpr µs',
      'won',
      '409',
      'err',
      'p50',
      'p99',
      'won p99',
      '409 p99',
      'q/req',
      'q/sold',
      'sold/cap',
      'oversold',
      'dbl',
      'leak',
      'partial',
      'redis=pg',
      'audit',
    ],
    rows: runs.map((r) => {
      const key = `${r.scenario}/${r.strategy}`;
      const x = ratios.throughputVsBareExpress[key];
      const xCpu = ratios.apiCpuVsBareExpress[key];
      return [
        key,
        String(r.requests),
        r.throughput.toFixed(0),
        x === undefined ? '-' : x.toFixed(2),
        fixed(r.apiCpuUsPerRequest, 1),
        xCpu === undefined ? '-' : xCpu.toFixed(2),
        String(r.byOutcome.won.count),
        String(r.byOutcome.refused.count),
        String(r.byOutcome.error.count),
        ms(r.latency, 'p50'),
        ms(r.latency, 'p99'),
        ms(r.byOutcome.won, 'p99'),
        ms(r.byOutcome.refused, 'p99'),
        r.pgQueriesPerRequest.toFixed(2),
        fixed(r.pgQueriesPerSoldSeat, 1),
        `${r.seatsSold}/${r.capacity}`,
        String(r.audit.oversold),
        String(r.audit.doubleBooked),
        String(r.audit.leaked),
        String(r.audit.partial),
        r.audit.redisMatchesPg === null ? 'n/a' : r.audit.redisMatchesPg ? 'yes' : 'NO',
        r.violations.length === 0 ? 'ok' : r.mustBeCorrect ? 'FAIL' : 'caught',
      ];
    }),
  };
}

export function baselineLines(baselines: Baselines, ratios: Ratios): string[] {
  const lines: string[] = [];
  const express = baselines.bareExpress;
  lines.push(
    express === null
      ? 'bare Express POST: not measured'
      : `bare Express POST (100 connections): ${express.throughput.toFixed(0)} req/s, p99 ${ms(express.latency, 'p99')} ms, ` +
          `${fixed(express.cpuUsPerRequest, 1)} µs CPU a request`,
  );
  const rb = baselines.redisBenchmark;
  lines.push(
    rb === null
      ? 'redis-benchmark: not measured'
      : `redis-benchmark -P 1 -c 50 EVALSHA claim-seats: ${rb.requestsPerSec.toFixed(0)} claims/s, p99 ${rb.p99Ms} ms`,
  );
  const ratio = (label: string, value: number | null, target: string) =>
    lines.push(`${label}: ${value === null ? '-' : `${value.toFixed(2)}x`} (target ${target})`);
  ratio('admission flash-sale req/s vs bare Express', ratios.throughputVsBareExpress['flash-sale/admission'] ?? null, '>= 0.7x');
  ratio('admission refused req/s (flash-sale) vs bare Express', ratios.admissionRefusedVsBareExpress, 'informational');
  ratio('admission sold-out answers/s (sold-out-storm) vs bare Express', ratios.admissionSoldOutVsBareExpress, '>= 0.9x');
  ratio('admission sold-out answers/s vs redis-benchmark claims/s', ratios.admissionSoldOutVsRedisBenchmark, 'informational');
  for (const note of baselines.notes) lines.push(`note: ${note}`);
  return lines;
}
