import { parseArgs } from 'node:util';
import { comparisonStrategyNames, isComparisonStrategyName, type ComparisonStrategyName } from '@seatgrid/admission/testing';

export interface StressOptions {
  readonly scenarios: readonly string[] | undefined;
  readonly strategies: readonly ComparisonStrategyName[];
  readonly quick: boolean;
  readonly outDir: string | undefined;
  readonly baselines: boolean;
  readonly keepEvents: boolean;
  /** After the runs, serve one admission API on this port until SIGINT/SIGTERM; undefined: do not. */
  readonly keepApiPort: number | undefined;
}

export const DEFAULT_KEEP_API_PORT = 3000;

export const USAGE = `usage: pnpm --filter @seatgrid/bench stress [options]
  --scenario NAME    a scenario (repeatable or comma list; default: all)
  --strategy NAME    admission, optimistic, pessimistic, naive (repeatable or comma list; default: all)
  --quick            small sizes, seconds a run; exits 1 on any audit violation of a correct strategy
  --no-baselines     skip bare Express and redis-benchmark
  --keep-events      leave each run's event in PostgreSQL and Redis (default: removed after its audit)
  --keep-api [PORT]  after the runs, keep an admission API up on 127.0.0.1:PORT (default 3000) with a
                     flash-sale event, for a Prometheus to scrape its /metrics; stops on Ctrl-C/SIGTERM
  --out DIR          where to write report.md, results.json, charts (default bench-results/<timestamp>)`;

export function parseStressOptions(argv: readonly string[], knownScenarios: readonly string[]): StressOptions | 'help' {
  const { rest, keepApiPort } = takeKeepApi(argv);
  const { values } = parseArgs({
    args: rest,
    options: {
      scenario: { type: 'string', multiple: true },
      strategy: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      'no-baselines': { type: 'boolean', default: false },
      'keep-events': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const list = (raw: string[] | undefined) =>
    raw
      ?.flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const scenarios = list(values.scenario);
  for (const name of scenarios ?? []) {
    if (!knownScenarios.includes(name)) throw new Error(`unknown scenario '${name}' (one of ${knownScenarios.join(', ')})`);
  }
  const strategies = list(values.strategy) ?? [...comparisonStrategyNames];
  for (const name of strategies) {
    if (!isComparisonStrategyName(name)) throw new Error(`unknown strategy '${name}' (one of ${comparisonStrategyNames.join(', ')})`);
  }
  return {
    scenarios,
    strategies: strategies as ComparisonStrategyName[],
    quick: values.quick,
    outDir: values.out,
    baselines: !values['no-baselines'],
    keepEvents: values['keep-events'],
    keepApiPort,
  };
}

/** `--keep-api`, `--keep-api PORT` or `--keep-api=PORT`: parseArgs has no optional values, so it is taken out first. */
function takeKeepApi(argv: readonly string[]): { rest: string[]; keepApiPort: number | undefined } {
  const rest: string[] = [];
  let keepApiPort: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg !== '--keep-api' && !arg.startsWith('--keep-api=')) {
      rest.push(arg);
      continue;
    }
    let raw = arg.startsWith('--keep-api=') ? arg.slice('--keep-api='.length) : undefined;
    if (raw === undefined && /^\d+$/.test(argv[i + 1] ?? '')) raw = argv[++i];
    keepApiPort = raw === undefined ? DEFAULT_KEEP_API_PORT : Number(raw);
    if (!Number.isInteger(keepApiPort) || keepApiPort < 1 || keepApiPort > 65_535)
      throw new Error(`--keep-api wants a port from 1 to 65535, got ${raw}`);
  }
  return { rest, keepApiPort };
}
