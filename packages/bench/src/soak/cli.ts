import { parseArgs } from 'node:util';

export interface SoakOptions {
  readonly minutes: number;
  /** Buyer sessions started per second (each is 1-3 requests). */
  readonly sessionsPerSec: number;
  /** Sessions in flight at most; a session due while at the cap is skipped and counted. */
  readonly maxInFlight: number;
  readonly outDir: string | undefined;
}

export const USAGE = `usage: pnpm soak [options]   (or pnpm --filter @seatgrid/bench soak)
  --minutes M        how long the steady load runs (default 2; fractions allowed)
  --rate N           buyer sessions started per second (default 150)
  --max-in-flight N  sessions in flight at most (default 200)
  --out DIR          where to write report.md, soak.json, charts (default bench-results/<timestamp>-soak)`;

function positive(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new Error(`--${name} must be a number above 0 and at most ${max}, not '${raw}'`);
  return value;
}

export function parseSoakOptions(argv: readonly string[]): SoakOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      rate: { type: 'string' },
      'max-in-flight': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  return {
    minutes: positive('minutes', values.minutes, 2, 24 * 60),
    sessionsPerSec: positive('rate', values.rate, 150, 5_000),
    maxInFlight: Math.round(positive('max-in-flight', values['max-in-flight'], 200, 10_000)),
    outDir: values.out,
  };
}
