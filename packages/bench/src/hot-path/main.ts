// `pnpm --filter @seatgrid/bench hot-path`: the CPU a request costs the API on its hot
// paths (sold-out answer, seats-taken refusal, granted hold) beside a bare Express 5 route,
// measured in one run on the same machine; --cpu-prof adds each server's top frames.
import { randomUUID } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStoreView } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { optionsOrExitCode, runMain } from '../cli-entry.ts';
import { clockTicksPerSecond, cpuReadInNanoseconds } from '../cpu-usage.ts';
import { createProgress } from '../progress.ts';
import { checkQuiet } from '../quiet-check.ts';
import { defaultOutDir, REPO_ROOT } from '../report.ts';
import { parseHotPathOptions, USAGE, type HotPathOptions } from './cli.ts';
import { combineRounds } from './combine-rounds.ts';
import { measureBurst, warmUp, type RowMeasurement } from './measure-row.ts';
import { startOtlpSink } from './otlp-sink.ts';
import { readProfile, topFrames } from './profile-top-frames.ts';
import { rowFailures, terminalReport, writeHotPathReport, type HotPathResults, type HotPathRowResult } from './report.ts';
import { HOT_PATH_ROWS, type PreparedRow, type RowContext } from './rows.ts';

const TOP_FRAMES = 20;

async function main(argv: readonly string[]): Promise<number> {
  const options = optionsOrExitCode<HotPathOptions>(() => parseHotPathOptions(argv), USAGE);
  if (typeof options === 'number') return options;
  const progress = createProgress();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid';
  const startedAt = new Date();
  const t0 = performance.now();
  const outDir = options.outDir ?? defaultOutDir(startedAt, 'hot-path-');
  const profileDir = join(outDir, 'profiles');
  const store = openStoreView(databaseUrl);
  const redis = new Redis(redisUrl);
  const sink = options.tracing ? await startOtlpSink() : undefined;
  const tracingEnv: Record<string, string> = sink === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint };
  try {
    const quiet = await checkQuiet(redis);
    const load = loadavg()[0] ?? 0;
    progress(`Redis: ${quiet.foreignCommandsPerSec.toFixed(0)} commands/s from other clients; load average ${load.toFixed(2)}`);
    const tag = `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
    // Every row's server is up at once and the rows take turns, a burst each a round: a
    // machine that is slower for a while is slower for every row alike.
    const prepared: PreparedRow[] = [];
    const rounds: RowMeasurement[][] = [];
    const checks: string[][] = [];
    const perRound = Math.ceil(options.requests / options.rounds);
    try {
      for (const row of HOT_PATH_ROWS) {
        const ctx: RowContext = {
          store,
          redis,
          env: { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, ...tracingEnv },
          nodeArgs: options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${row.name}.cpuprofile`] : [],
          totalRequests: options.warmup + perRound * options.rounds,
          tag,
        };
        progress(`${row.name}: ${row.description}`);
        prepared.push(await row.prepare(ctx));
      }
      const warm = [];
      for (const [i, row] of HOT_PATH_ROWS.entries()) {
        progress(`${row.name}: ${options.warmup} warm-up requests, ${options.connections} connections`);
        warm.push(await warmUp(row, prepared[i] as PreparedRow, options.warmup, { ...options, redis, progress }));
      }
      for (let round = 0; round < options.rounds; round++) {
        const measured: RowMeasurement[] = [];
        for (const [i, row] of HOT_PATH_ROWS.entries()) {
          const burst = { first: options.warmup + round * perRound, amount: perRound };
          measured.push(await measureBurst(row, prepared[i] as PreparedRow, burst, { ...options, redis, progress: () => undefined }));
        }
        rounds.push(measured);
        progress(
          `round ${round + 1}/${options.rounds}: ${measured.map((m) => `${m.name} ${m.cpuUsPerRequest?.toFixed(1) ?? '-'} µs/req`).join(', ')}`,
        );
      }
      for (const [i, row] of prepared.entries()) {
        const won = (warm[i]?.won ?? 0) + rounds.reduce((sum, round) => sum + (round[i]?.won ?? 0), 0);
        checks.push([...(warm[i]?.problems ?? []), ...(await row.check(won))]);
      }
    } finally {
      for (const [i, row] of HOT_PATH_ROWS.entries()) {
        const server = prepared[i];
        if (server === undefined) continue;
        // A profile is written as its server exits: stop it before reading.
        const exit = await server.server.stop();
        if (exit !== 0) progress(`${row.name}: warning: the server exited with ${exit}; its last lines:\n${server.server.tail(10)}`);
        await server.cleanUp();
      }
    }
    const rows: HotPathRowResult[] = [];
    for (const [i, combined] of combineRounds(rounds).entries()) {
      const row = { ...combined, problems: [...(checks[i] ?? []), ...combined.problems] };
      const file = options.cpuProf ? join(profileDir, `${row.name}.cpuprofile`) : undefined;
      rows.push(
        file === undefined ? row : { ...row, profile: { file, summary: topFrames(await readProfile(file), TOP_FRAMES, row.windowUs) } },
      );
    }
    const tick = 1e6 / clockTicksPerSecond();
    const results: HotPathResults = {
      startedAt: startedAt.toISOString(),
      runtimeSec: (performance.now() - t0) / 1_000,
      parameters: {
        requests: options.requests,
        warmup: options.warmup,
        rounds: options.rounds,
        connections: options.connections,
        cpuProf: options.cpuProf,
        tracing: options.tracing,
      },
      environment: {
        node: process.version,
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? 'unknown',
        clockTicksPerSecond: clockTicksPerSecond(),
        loadAverageAtStart: Number(load.toFixed(2)),
        redisCommandsPerSecFromOthersAtStart: Math.round(quiet.foreignCommandsPerSec),
      },
      notes: [
        cpuReadInNanoseconds()
          ? "CPU is the time the server's threads ran, read from /proc/<pid>/task/<tid>/schedstat in ns"
          : `CPU is read in ticks of ${tick.toFixed(0)} µs: each burst's µs/req figure is within ${(tick / perRound).toFixed(2)} µs`,
        "the API's background jobs (hold sweeper every 1 s, reconciler every 5 s) run during the measured phase and are counted",
        "the load generator, the servers, Redis and PostgreSQL share the machine's cores (and Redis is shared with other clients)",
        ...(sink === undefined
          ? []
          : [
              `--tracing: the SeatGrid servers exported spans over OTLP/HTTP (the SDK's default batching) to a sink in the bench: ` +
                `${sink.received().requests} exports, ${(sink.received().bytes / 1e6).toFixed(1)} MB`,
            ]),
        ...(options.cpuProf
          ? ["--cpu-prof: every server ran under the sampling profiler; its CPU figures include the profiler's cost"]
          : []),
      ],
      rows,
    };
    const written = await writeHotPathReport(outDir, results, REPO_ROOT);
    process.stdout.write(`\n${terminalReport(results, REPO_ROOT)}\n\n`);
    progress(`wrote ${written.markdown} and ${written.json}`);
    return rowFailures(rows).length > 0 ? 1 : 0;
  } finally {
    await sink?.close();
    await store.close();
    redis.disconnect();
  }
}

runMain('hot-path', () => main(process.argv.slice(2)));
