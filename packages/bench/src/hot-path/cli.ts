import { parseArgs } from 'node:util';
import { wholeFlag } from '../cli-entry.ts';

export interface HotPathOptions {
  /** Measured requests a row, over every round. */
  readonly requests: number;
  /** Uncounted requests a row before it, of the same kind. */
  readonly warmup: number;
  /** Bursts the measured requests are split into; the rows take turns, a burst each a round, and the median round's ratio is the verdict. */
  readonly rounds: number;
  readonly connections: number;
  readonly quick: boolean;
  /** Run each server with --cpu-prof and report its top frames. */
  readonly cpuProf: boolean;
  /** Run the SeatGrid servers with OpenTelemetry tracing on, exporting to a local OTLP sink. */
  readonly tracing: boolean;
  readonly outDir: string | undefined;
}

export const USAGE = `usage: pnpm --filter @seatgrid/bench hot-path [options]
  CPU a request of the API on its hot paths, against a bare Express 5 route, in one run:
  bare Express 409, sold-out answer (in-process cache), seats-taken refusal (one Redis
  script call), granted hold (answered after its PostgreSQL commit).

  --requests N      measured requests a row, over every round (default 30000; 3000 with --quick)
  --warmup N        uncounted requests of the same kind before a row's first round (default 5000; 1000 with --quick)
  --rounds N        every server stays up and the rows take turns, a burst of requests/N each a round;
                    each round's ratio is taken against its own bare Express burst and the median is
                    judged (default 10; 3 with --quick): CPU a request drifts between minutes on a
                    shared machine, and turns make every row see the same drift
  --connections N   autocannon connections (default 100)
  --quick           a short run
  --cpu-prof        run each server with --cpu-prof (one .cpuprofile a row in <out>/profiles) and print
                    its top 20 frames by self time from its first burst to its last; CPU figures then
                    include the profiler's own cost
  --tracing         run the SeatGrid servers with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set to an
                    OTLP/HTTP sink in this process, which drops what it gets): compare its µs/req with a
                    run without to see what tracing costs, on and off
  --out DIR         where to write report.md and results.json (default bench-results/hot-path-<time>)

  Exits 1 when an answer had another status than the row expects (or a granted hold is not
  in PostgreSQL); a missed CPU target is reported, not failed.`;

export function parseHotPathOptions(argv: readonly string[]): HotPathOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      requests: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string', default: '100' },
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      tracing: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  return {
    requests: wholeFlag('requests', values.requests, values.quick ? 3_000 : 30_000, 100, 500_000),
    warmup: wholeFlag('warmup', values.warmup, values.quick ? 1_000 : 5_000, 0, 100_000),
    rounds: wholeFlag('rounds', values.rounds, values.quick ? 3 : 10, 1, 100),
    connections: wholeFlag('connections', values.connections, 100, 1, 1_000),
    quick: values.quick,
    cpuProf: values['cpu-prof'],
    tracing: values.tracing,
    outDir: values.out,
  };
}
