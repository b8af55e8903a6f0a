import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openStoreView } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { optionsOrExitCode, runMain } from '../cli-entry.ts';
import { clockTicksPerSecond } from '../cpu-usage.ts';
import { renderText } from '../text-table.ts';
import { measureBareExpress, measureRedisBenchmarkBaseline, type Baselines } from './baselines.ts';
import { parseStressOptions, USAGE, type StressOptions } from './cli.ts';
import { keepApiUp } from './kept-api.ts';
import { defaultStressOutDir, writeStressReport } from './report.ts';
import { computeRatios, type StressResults } from './results.ts';
import { runLiveMap } from './live-map.ts';
import { runScenario, type RunResult } from './run-scenario.ts';
import { scenarios } from './scenarios.ts';
import { liveMapLines } from './live-map-report.ts';
import { baselineLines, runsTable } from './summary-table.ts';

/**
 * `pnpm --filter @seatgrid/bench stress`: every scenario x strategy against the real API
 * (a child process a run), audited; baselines (bare Express, redis-benchmark) in the same
 * run; a table here and report.md, results.json and SVG charts in the output folder.
 */
const progress = (line: string) => process.stderr.write(`[stress ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  const options = optionsOrExitCode<StressOptions>(
    () =>
      parseStressOptions(
        argv,
        scenarios({ quick: false }).map((s) => s.name),
      ),
    USAGE,
  );
  if (typeof options === 'number') return options;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid';
  const selected = scenarios({ quick: options.quick }).filter((s) => options.scenarios?.includes(s.name) ?? true);
  const startedAt = new Date();
  const t0 = performance.now();
  const timeLimitSec = options.quick ? 8 : 12;
  const store = openStoreView(databaseUrl);
  const redis = new Redis(redisUrl, { lazyConnect: true });
  const failures: string[] = [];
  const runs: RunResult[] = [];
  try {
    progress(
      `${selected.length} scenario(s) x ${options.strategies.length} strategy(ies)${options.quick ? ', quick' : ''}; Redis ${redisUrl}`,
    );
    const baselines = await measureBaselines(options, redisUrl);
    for (const scenario of selected) {
      for (const strategy of options.strategies) {
        if (scenario.strategies !== undefined && !scenario.strategies.includes(strategy)) {
          progress(`${scenario.name}/${strategy}: skipped (runs on ${scenario.strategies.join(', ')} only)`);
          continue;
        }
        const context = {
          store,
          redis,
          env: { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl },
          timeLimitSec,
          keepEvents: options.keepEvents,
          progress,
        };
        const run =
          scenario.streams === undefined ? await runScenario(context, scenario, strategy) : await runLiveMap(context, scenario, strategy);
        runs.push(run);
        if (run.mustBeCorrect && run.violations.length > 0) failures.push(`${scenario.name}/${strategy}: ${run.violations.join(', ')}`);
      }
    }
    const ratios = computeRatios(runs, baselines);
    const scaling = selected
      .filter((s) => s.scaledFrom !== undefined)
      .map((s) => `${s.name}: ${s.description} (scaled down from ${s.scaledFrom})`);
    const ownLimits = selected.filter((s) => s.timeLimitSec !== undefined).map((s) => `${s.name} ${s.timeLimitSec} s`);
    scaling.push(
      `each load phase is capped at ${timeLimitSec} s${ownLimits.length > 0 ? ` (${ownLimits.join(', ')})` : ''}; runs that hit it say "time limit" below`,
    );
    scaling.push(
      'goodput: where demand exceeds supply, admission and pessimistic must sell every seat demanded once every buyer was heard (optimistic may refuse after its bounded retries: reported only)',
    );
    scaling.push(
      'the API runs with rate limiting off (RATE_LIMIT_PER_SECOND=0, RATE_LIMIT_IP_PER_SECOND=0: one load generator, one IP) and LOG_LEVEL=warn (at info it logs every request), on a port the bench picks',
    );
    scaling.push(
      'the load generator, the API, Redis and PostgreSQL share the same cores: absolute figures are lower than on separate machines',
    );
    scaling.push(
      `CPU a request: user + system time of the API (or bare Express) process from /proc/<pid>/stat over the load phases, in ticks of ${(1e6 / clockTicksPerSecond()).toFixed(0)} µs, so each figure is within one tick / requests; Redis's from INFO cpu, which counts every client's work`,
    );
    const results: StressResults = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      runtimeSec: (performance.now() - t0) / 1_000,
      quick: options.quick,
      environment: { node: process.version, cpus: cpus().length, redisUrl, databaseUrl: databaseUrl.replace(/:[^:@/]*@/, ':***@') },
      scaling,
      runs,
      baselines,
      ratios,
      failures,
    };
    const written = await writeStressReport(options.outDir ?? defaultStressOutDir(startedAt), results);
    const streamLines = liveMapLines(runs);
    process.stdout.write(
      `\n${renderText(runsTable(runs, ratios))}\n\n${baselineLines(baselines, ratios).join('\n')}\n\n` +
        (streamLines.length > 0 ? `${streamLines.join('\n')}\n\n` : ''),
    );
    const notes = runs.flatMap((run) => (run.notes ?? []).map((note) => `${run.scenario}/${run.strategy}: ${note}`));
    if (notes.length > 0) process.stdout.write(`${notes.join('\n')}\n\n`);
    progress(`wrote ${written.markdown} and ${written.json} in ${results.runtimeSec.toFixed(0)} s`);
    if (options.keepApiPort !== undefined) {
      await keepApiUp(
        { store, redis, env: { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl }, keepEvents: options.keepEvents, progress },
        options.keepApiPort,
      );
    }
    if (failures.length > 0) {
      progress(`audit violations by correct strategies: ${failures.join('; ')}`);
      // The quick run is the CI gate; a full run reports and still exits non-zero so nobody misses it.
      return 1;
    }
    return 0;
  } finally {
    await store.close();
    redis.disconnect();
  }
}

async function measureBaselines(options: StressOptions, redisUrl: string): Promise<Baselines> {
  if (!options.baselines) return { bareExpress: null, redisBenchmark: null, notes: ['baselines skipped (--no-baselines)'] };
  const notes: string[] = [];
  const bareExpress = await measureBareExpress(options.quick ? 5_000 : 30_000, options.quick ? 5 : 10, progress).catch((error: unknown) => {
    notes.push(`bare Express failed: ${String(error)}`);
    return null;
  });
  const redisBenchmark = await measureRedisBenchmarkBaseline(redisUrl, options.quick ? 10_000 : 60_000, progress).catch(
    (error: unknown) => {
      notes.push(`redis-benchmark failed: ${String(error)}`);
      return null;
    },
  );
  return { bareExpress, redisBenchmark, notes };
}

runMain('stress', () => main(process.argv.slice(2)));
