import type { Table } from '../text-table.ts';
import { SCALE_PHASES, type ScaleResults } from './scale-results.ts';

const rate = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const fixed = (n: number | null | undefined, digits: number) => (n === null || n === undefined ? '-' : n.toFixed(digits));
const times = (n: number | null | undefined) => (n === null || n === undefined ? '-' : `${n.toFixed(2)}x`);

/**
 * One row a load phase and one for bare Express: req/s at each process count, the ratio of the
 * most to one beside bare Express's, and the CPU a request (API processes together; Redis masters together).
 */
export function throughputTable(results: ScaleResults): Table {
  const runs = results.apiRuns;
  const counts = runs.map((r) => r.workers);
  const most = Math.max(...counts);
  const bareRatio = times(results.ratios.bareExpress);
  return {
    headers: [
      'phase',
      ...counts.map((n) => `req/s @${n}`),
      `${most}/1`,
      `bare Express ${most}/1`,
      ...counts.map((n) => `API µs/req @${n}`),
      ...counts.map((n) => `Redis µs/req @${n}`),
      'statuses (last run)',
    ],
    rows: [
      ...SCALE_PHASES.map((phase) => [
        phase,
        ...runs.map((r) => rate(r.loads[phase].throughput)),
        times(results.ratios.api[phase]),
        phase === 'sold-out-storm' || phase === 'flash-sale' ? bareRatio : '',
        ...runs.map((r) => fixed(r.loads[phase].apiCpuUsPerRequest, 1)),
        ...runs.map((r) => fixed(r.loads[phase].redisCpuUsPerRequest, 1)),
        statuses(runs.at(-1)?.loads[phase].byStatus),
      ]),
      [
        'bare Express 409',
        ...counts.map((n) => rate(results.bareExpress.find((b) => b.workers === n)?.throughput)),
        bareRatio,
        bareRatio,
        ...counts.map((n) => fixed(results.bareExpress.find((b) => b.workers === n)?.cpuUsPerRequest, 1)),
        ...counts.map(() => '-'),
        statuses(results.bareExpress.at(-1)?.byStatus),
      ],
    ],
  };
}

/** One row a process count and shard: events there, how many audited clean, seats sold, what failed. */
export function auditTable(results: ScaleResults): Table {
  return {
    headers: [
      'API',
      'load avg',
      'shard',
      'events',
      'clean',
      'seats sold/capacity',
      'oversold',
      'partial',
      'leaked',
      'redis=pg',
      'violations',
    ],
    rows: results.apiRuns.flatMap((run) =>
      run.eventsPerShard.map((count, shard) => {
        const here = run.audits.filter((a) => a.shard === shard);
        const sum = (pick: (a: (typeof here)[number]) => number) => here.reduce((s, a) => s + pick(a), 0);
        const bad = here.filter((a) => a.violations.length > 0);
        return [
          `${run.workers} worker${run.workers === 1 ? '' : 's'}`,
          run.loadAverage.toFixed(2),
          String(shard),
          String(count),
          `${here.length - bad.length}/${here.length}`,
          `${sum((a) => a.audit.seatsSold)}/${sum((a) => a.capacity)}`,
          String(sum((a) => a.audit.oversold)),
          String(sum((a) => a.audit.partial)),
          String(sum((a) => a.audit.leaked)),
          here.every((a) => a.audit.redisMatchesPg === true) ? 'yes' : 'NO',
          bad.length === 0 ? 'none' : bad.map((a) => `${a.eventId}: ${a.violations.join(', ')}`).join('; '),
        ];
      }),
    ),
  };
}

function statuses(byStatus: Record<string, number> | undefined): string {
  return byStatus === undefined
    ? '-'
    : Object.entries(byStatus)
        .map(([status, n]) => `${status}: ${n}`)
        .join(', ');
}
