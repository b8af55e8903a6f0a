import { parseArgs } from 'node:util';
import { wholeFlag } from './cli-entry.ts';

/** What one `stress` run measures, from the command line. */
export interface BenchOptions {
  /** Length of each counted measurement, in seconds. */
  readonly durationSec: number;
  /** Uncounted warm-up before each library measurement, in seconds. */
  readonly warmupSec: number;
  /** Requests of the uncounted redis-benchmark calibration run (sizes -n to the duration). */
  readonly calibrationRequests: number;
  readonly quick: boolean;
  /** Auto-pipelining connections the library's claims are spread over. */
  readonly connections: number;
  /** Where report.md and results.json go; undefined: bench-results/<timestamp>/ at the repo root. */
  readonly outDir: string | undefined;
}

export const USAGE = `usage: node src/main.ts [--duration SECONDS] [--quick] [--out DIR]

  --duration SECONDS  length of each measurement (default 5; 2 with --quick)
  --quick             short run for CI smoke tests (~2 s a measurement)
  --connections N     auto-pipelining connections for the library's claims (default 4)
  --out DIR           write report.md and results.json here
                      (default: bench-results/<timestamp>/ at the repo root)

Environment: REDIS_URL (default redis://127.0.0.1:6379; loopback hosts only).`;

const DEFAULT_DURATION_SEC = 5;
const QUICK_DURATION_SEC = 2;

export function parseCliOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      connections: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const quick = values.quick;
  let durationSec = quick ? QUICK_DURATION_SEC : DEFAULT_DURATION_SEC;
  if (values.duration !== undefined) {
    durationSec = Number(values.duration);
    if (!Number.isFinite(durationSec) || durationSec <= 0 || durationSec > 600) {
      throw new Error(`--duration must be a number of seconds in (0, 600], got ${values.duration}`);
    }
  }
  const connections = wholeFlag('connections', values.connections, 4, 1, 64);
  return {
    connections,
    durationSec,
    warmupSec: quick ? 0.5 : 1,
    calibrationRequests: quick ? 5_000 : 20_000,
    quick,
    outDir: values.out,
  };
}
