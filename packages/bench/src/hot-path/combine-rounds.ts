import { cpuVerdict, ratioVerdict, type CpuVerdict } from './cpu-targets.ts';
import type { RowMeasurement } from './measure-row.ts';

/** One round's figures of a row, kept beside the combined ones. */
export interface RoundFigures {
  readonly cpuUsPerRequest: number | null;
  /** Over the bare Express row of the same round. */
  readonly ratio: number | null;
  readonly throughput: number;
}

/** A row over every round: the median round's figures, the verdict on the median ratio. */
export interface CombinedRow extends RowMeasurement {
  readonly verdict: CpuVerdict;
  readonly rounds: readonly RoundFigures[];
  /** The lowest and highest ratio of the rounds; null when no round had one. */
  readonly ratioRange: { readonly min: number; readonly max: number } | null;
}

/** The median (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Each round measured every row once, the baseline first: a row's ratio is taken against the
 * baseline of its own round, then the median over rounds is the verdict. CPU a request drifts
 * by tens of percent between minutes on a shared machine; rounds measured side by side and a
 * median are what make one run's ratio repeatable. The row's other figures are the median of
 * its rounds (requests, errors and problems are summed; the window spans the first round to the last).
 */
export function combineRounds(rounds: readonly (readonly RowMeasurement[])[]): CombinedRow[] {
  const first = rounds[0];
  if (first === undefined) return [];
  return first.map((firstRow, index) => {
    const own = rounds.map((round) => round[index] as RowMeasurement);
    const figures = rounds.map((round, r): RoundFigures => {
      const row = own[r] as RowMeasurement;
      const baseline = round.find((m) => m.name === 'bare-express')?.cpuUsPerRequest ?? null;
      return {
        cpuUsPerRequest: row.cpuUsPerRequest,
        ratio: cpuVerdict(row.name, row.cpuUsPerRequest, baseline).ratio,
        throughput: row.throughput,
      };
    });
    const ratios = figures.flatMap((f) => (f.ratio === null ? [] : [f.ratio]));
    const ratio = median(ratios);
    const known = <T>(values: readonly (T | null)[]) => values.filter((v): v is T => v !== null);
    return {
      ...firstRow,
      requests: sum(own.map((m) => m.requests)),
      won: sum(own.map((m) => m.won)),
      throughput: median(own.map((m) => m.throughput)) ?? 0,
      durationSec: sum(own.map((m) => m.durationSec)),
      latency: {
        ...firstRow.latency,
        p50: median(known(own.map((m) => m.latency.p50))),
        p99: median(known(own.map((m) => m.latency.p99))),
      },
      byStatus: sumCounts(own.map((m) => m.byStatus)),
      errors: sum(own.map((m) => m.errors)),
      problems: own.flatMap((m, r) => m.problems.map((p) => (rounds.length === 1 ? p : `round ${r + 1}: ${p}`))),
      cpuUsPerRequest: median(known(own.map((m) => m.cpuUsPerRequest))),
      redisCpuUsPerRequest: median(known(own.map((m) => m.redisCpuUsPerRequest))),
      redisScriptCallsPerRequest: median(own.map((m) => m.redisScriptCallsPerRequest)) ?? 0,
      redisUsPerScriptCall: median(known(own.map((m) => m.redisUsPerScriptCall))),
      verdict: ratioVerdict(firstRow.name, ratio),
      rounds: figures,
      windowUs: { startUs: firstRow.windowUs.startUs, endUs: (own[own.length - 1] as RowMeasurement).windowUs.endUs },
      ratioRange: ratios.length === 0 ? null : { min: Math.min(...ratios), max: Math.max(...ratios) },
    };
  });
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function sumCounts(counts: readonly Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const byStatus of counts) for (const [status, n] of Object.entries(byStatus)) total[status] = (total[status] ?? 0) + n;
  return total;
}
