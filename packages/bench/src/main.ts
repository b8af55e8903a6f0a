import { createGate } from '@seatgrid/admission/gate';
import type { BenchContext } from './bench-context.ts';
import { BenchEvents } from './bench-events.ts';
import { collectCaveats } from './caveats.ts';
import { optionsOrExitCode, runMain } from './cli-entry.ts';
import { parseCliOptions, USAGE, type BenchOptions } from './cli-options.ts';
import { describeEnvironment } from './environment.ts';
import { measureLibrary, type LibraryMeasurement } from './library-measurement.ts';
import { createProgress } from './progress.ts';
import { checkQuiet } from './quiet-check.ts';
import { closeClients, connectClients } from './redis-clients.ts';
import { measureRedisBenchmark } from './redis-benchmark-measurement.ts';
import { redisTarget, type RedisTarget } from './redis-target.ts';
import { defaultOutDir, terminalSummary, writeReport } from './report.ts';
import { compare, type BenchResults } from './results.ts';
import { defineWorkload, expectedInvalidSeatShare } from './workload.ts';

/**
 * `pnpm --filter @seatgrid/bench stress`: claims/s through the library at 50 and 200 in
 * flight against redis-benchmark -P 1 -c 50 running the same claim-seats script, in one
 * run, on the same Redis. Prints the figures and ratios; writes report.md and results.json.
 */
const ROWS = 1_000;
const COLS = 1_000;
const IN_FLIGHT_LEVELS = [50, 200] as const;
const RB_CLIENTS = 50;

async function main(argv: readonly string[]): Promise<number> {
  const options = optionsOrExitCode<BenchOptions>(() => parseCliOptions(argv), USAGE);
  if (typeof options === 'number') return options;

  let target: RedisTarget;
  try {
    target = redisTarget(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const startedAt = new Date();
  const progress = createProgress();
  const clients = connectClients(target, options.connections);
  const adminGate = createGate({ redis: clients.admin });
  const claimGates = clients.claims.map((redis) => createGate({ redis }));
  const events = new BenchEvents(adminGate, clients.admin);
  const workload = defineWorkload(ROWS, COLS, adminGate.settings.holdTtlMs);
  const ctx: BenchContext = {
    target,
    admin: clients.admin,
    adminGate,
    claimGates,
    events,
    workload,
    durationSec: options.durationSec,
    warmupSec: options.warmupSec,
    calibrationRequests: options.calibrationRequests,
    progress,
    childPid: undefined,
  };

  const interrupted = async () => {
    progress('interrupted: stopping, removing the events created so far');
    for (const client of clients.claims) client.disconnect();
    if (ctx.childPid !== undefined) process.kill(ctx.childPid, 'SIGTERM');
    await events.removeAll().catch(() => undefined);
    clients.admin.disconnect();
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());

  try {
    const environment = await describeEnvironment(clients.admin);
    progress(
      `Redis ${environment.redisVersion} at ${target.host}:${target.port}, Node ${environment.node}, ` +
        `${options.durationSec} s a measurement${options.quick ? ' (quick)' : ''}, ${ROWS} x ${COLS} events, mode '${workload.mode}', ` +
        `${options.connections} claim connection(s)`,
    );
    const quiet = await checkQuiet(clients.admin);
    if (quiet.foreignCommandsPerSec > 0) {
      progress(
        `warning: Redis is not idle (${Math.round(quiet.foreignCommandsPerSec)} commands/s from ${quiet.otherClients} other ` +
          'client(s)); the figures will be disturbed',
      );
    }
    const order: string[] = [];
    // redis-benchmark between the two library levels: slow drift of the machine does not
    // favour one ratio over the other.
    const library: LibraryMeasurement[] = [];
    library.push(await measureLibrary(ctx, IN_FLIGHT_LEVELS[0]));
    order.push(`library ${IN_FLIGHT_LEVELS[0]} in flight`);
    const redisBenchmark = await measureRedisBenchmark(ctx);
    order.push(`redis-benchmark -P 1 -c ${RB_CLIENTS}`);
    library.push(await measureLibrary(ctx, IN_FLIGHT_LEVELS[1]));
    order.push(`library ${IN_FLIGHT_LEVELS[1]} in flight`);
    await events.removeAll();

    const results: BenchResults = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      redisUrl: target.displayUrl,
      parameters: {
        durationSec: options.durationSec,
        warmupSec: options.warmupSec,
        quick: options.quick,
        rows: ROWS,
        cols: COLS,
        seatsPerClaim: workload.seatsPerClaim,
        mode: workload.mode,
        holdTtlMs: workload.holdTtlMs,
        inFlightLevels: IN_FLIGHT_LEVELS,
        redisBenchmarkClients: RB_CLIENTS,
        redisBenchmarkPipeline: 1,
        redisBenchmarkCalibrationRequests: options.calibrationRequests,
        keyspace: workload.keyspace,
        expectedInvalidSeatShare: expectedInvalidSeatShare(workload),
        claimConnections: options.connections,
        gateSettings: adminGate.settings,
        measurementOrder: order,
      },
      environment,
      quietCheck: quiet,
      library,
      redisBenchmark,
      comparisons: compare(library, redisBenchmark),
      keysDeleted: events.keysDeleted,
      caveats: collectCaveats(library, redisBenchmark, environment, expectedInvalidSeatShare(workload), quiet),
    };
    const outDir = options.outDir ?? defaultOutDir(startedAt);
    const written = await writeReport(outDir, results);
    process.stdout.write(`\n${terminalSummary(results)}\n\n`);
    progress(`wrote ${written.markdown} and ${written.json}; deleted ${events.keysDeleted} keys`);
    return 0;
  } finally {
    await events.removeAll().catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
    await closeClients(clients);
  }
}

runMain('bench', () => main(process.argv.slice(2)));
