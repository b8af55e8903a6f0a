import { parseArgs } from 'node:util';
import { isStrategyName, strategyNames, type StrategyName } from '@seatgrid/admission';

export interface StressOptions {
  readonly scenarios: readonly string[] | undefined;
  readonly strategies: readonly StrategyName[];
  readonly quick: boolean;
  readonly outDir: string | undefined;
  readonly baselines: boolean;
  readonly keepEvents: boolean;
}

export const USAGE = `usage: pnpm --filter @seatgrid/bench stress [options]
  --scenario NAME    a scenario (repeatable or comma list; default: all)
  --strategy NAME    admission, optimistic, pessimistic, naive (repeatable or comma list; default: all)
  --quick            small sizes, seconds a run; exits 1 on any audit violation of a correct strategy
  --no-baselines     skip bare Express and redis-benchmark
  --keep-events      leave each run's event in PostgreSQL and Redis (default: removed after its audit)
  --out DIR          where to write report.md, results.json, charts (default bench-results/<timestamp>)`;

export function parseStressOptions(argv: readonly string[], knownScenarios: readonly string[]): StressOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
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
  const list = (raw: string[] | undefined) => raw?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const scenarios = list(values.scenario);
  for (const name of scenarios ?? []) {
    if (!knownScenarios.includes(name)) throw new Error(`unknown scenario '${name}' (one of ${knownScenarios.join(', ')})`);
  }
  const strategies = list(values.strategy) ?? [...strategyNames];
  for (const name of strategies) {
    if (!isStrategyName(name)) throw new Error(`unknown strategy '${name}' (one of ${strategyNames.join(', ')})`);
  }
  return {
    scenarios,
    strategies: strategies as StrategyName[],
    quick: values.quick,
    outDir: values.out,
    baselines: !values['no-baselines'],
    keepEvents: values['keep-events'],
  };
}
