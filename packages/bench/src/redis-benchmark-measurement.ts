import { accountClaims, closeWindow, openWindow, type ClaimAccounting } from './claim-accounting.ts';
import type { BenchContext } from './bench-context.ts';
import { childrenCpuSeconds } from './cpu-usage.ts';
import { formatRate } from './progress.ts';
import {
  claimSeatsCommand,
  loadClaimScript,
  probeCommand,
  redisBenchmarkArgs,
  runRedisBenchmark,
  type RedisBenchmarkRun,
} from './redis-benchmark.ts';

export interface RedisBenchmarkMeasurement {
  readonly side: 'redis-benchmark';
  readonly eventId: string;
  readonly scriptSha: string;
  /** The command line, password masked. */
  readonly commandLine: string;
  readonly calibration: RedisBenchmarkRun;
  readonly run: RedisBenchmarkRun;
  readonly accounting: ClaimAccounting;
  /** redis-benchmark's CPU over the counted run, in cores; undefined without /proc. */
  readonly clientCpuCores: number | undefined;
}

const CLIENTS = 50;

/**
 * `redis-benchmark -P 1 -c 50` running EVALSHA of the claim-seats script: a probe (one claim
 * from here, must be granted) and an uncounted calibration run that sizes -n so the counted
 * run lasts about the configured duration, both on a scratch event, then the counted run on
 * a fresh event.
 */
export async function measureRedisBenchmark(ctx: BenchContext): Promise<RedisBenchmarkMeasurement> {
  const { workload, progress } = ctx;
  const scriptSha = await loadClaimScript(ctx.admin);
  const invocation = (eventId: string) => ({
    target: ctx.target,
    command: claimSeatsCommand(scriptSha, ctx.adminGate.settings, eventId, workload),
    clients: CLIENTS,
    keyspace: workload.keyspace,
    onChild: (pid: number | undefined) => (ctx.childPid = pid),
  });

  // Probe and calibration on an event of their own: redis-benchmark seeds its generator with
  // time(NULL) ^ getpid(), so two runs a second apart can draw the very same sequence, and a
  // replayed sequence on the measured event would hit its own hold ids and seats.
  const calibrationEventId = await ctx.events.create('rb-calibration', workload.rows, workload.cols);
  let calibration: RedisBenchmarkRun;
  try {
    const probe = invocation(calibrationEventId);
    await probeCommand(ctx.admin, probe.command, workload);
    progress(`redis-benchmark -P 1 -c ${CLIENTS}: calibration, ${ctx.calibrationRequests} requests on ${calibrationEventId}`);
    calibration = await runRedisBenchmark({ ...probe, requests: ctx.calibrationRequests });
  } finally {
    await ctx.events.remove(calibrationEventId);
  }

  const eventId = await ctx.events.create('rb', workload.rows, workload.cols);
  try {
    const measured = invocation(eventId);
    const requests = Math.max(ctx.calibrationRequests, Math.round(calibration.requestsPerSec * ctx.durationSec));
    progress(
      `redis-benchmark -P 1 -c ${CLIENTS}: measuring, -n ${requests} ` +
        `(~${ctx.durationSec} s at ${formatRate(calibration.requestsPerSec)}) on ${eventId}`,
    );
    const before = await openWindow(ctx.admin, ctx.adminGate, eventId);
    const cpuBefore = childrenCpuSeconds();
    const run = await runRedisBenchmark({ ...measured, requests });
    const cpuAfter = childrenCpuSeconds();
    const clientCpuCores = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / (run.wallMs / 1_000);
    const after = await closeWindow(ctx.admin, ctx.adminGate, eventId);
    const accounting = accountClaims(before, after, requests, workload.rows * workload.cols);
    progress(
      `redis-benchmark -P 1 -c ${CLIENTS}: ${formatRate(run.requestsPerSec)} in ${(run.wallMs / 1_000).toFixed(1)} s ` +
        `(${accounting.granted} granted, ${accounting.refused} refused)`,
    );
    const commandLine = ['redis-benchmark', ...redisBenchmarkArgs({ ...measured, requests })]
      .map((arg, i, all) => (all[i - 1] === '-a' ? '***' : shellQuote(arg)))
      .join(' ');
    return { side: 'redis-benchmark', eventId, scriptSha, commandLine, calibration, run, accounting, clientCpuCores };
  } finally {
    await ctx.events.remove(eventId);
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
