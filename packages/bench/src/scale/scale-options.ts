import { parseArgs } from 'node:util';

export interface ScaleOptions {
  readonly quick: boolean;
  /** Leave the shard databases and the events' Redis keys behind, to inspect them. */
  readonly keep: boolean;
  readonly outDir: string | undefined;
}

export const SCALE_USAGE = `usage: pnpm --filter @seatgrid/bench scale [options]
  The admission API at WORKERS=1 and then WORKERS=2, each on the Redis Cluster
  (REDIS_CLUSTER_NODES, else scripts/redis-cluster-up.sh) and two PostgreSQL shards (scratch
  databases on DATABASE_URL's server): a flash sale over several events, a sold-out storm and
  a two-phase sale, then every event audited on its shard; a bare Express route at 1 and 2
  processes under the same load; req/s at 1 vs 2 processes and their ratios.

  --quick      small sizes (about a minute)
  --keep       keep the shard databases and the events' Redis keys (default: removed)
  --out DIR    where to write report.md and results.json (default bench-results/scale-<time>)

  Exits 1 when an audit finds a seat oversold, partial or leaked, or Redis's map differs from
  PostgreSQL's, or the events did not land on both shards.`;

export function parseScaleOptions(argv: readonly string[]): ScaleOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (values.out === '') throw new Error('--out wants a folder');
  return { quick: values.quick, keep: values.keep, outDir: values.out };
}
