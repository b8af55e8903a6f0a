import { accountClaims, closeWindow, openWindow, type ClaimAccounting } from './claim-accounting.ts';
import { measureClaimThroughput, type ClaimThroughput } from './claim-throughput.ts';
import type { BenchContext } from './bench-context.ts';
import { ownCpuSeconds } from './cpu-usage.ts';
import { formatRate } from './progress.ts';

export interface LibraryMeasurement {
  readonly side: 'library';
  readonly inFlight: number;
  readonly eventId: string;
  readonly warmupClaims: number;
  readonly throughput: ClaimThroughput;
  readonly accounting: ClaimAccounting;
  /** This Node process's CPU over the counted window, in cores. */
  readonly clientCpuCores: number;
}

/**
 * claims/s through Gate.claimSeats with `inFlight` claims outstanding: an uncounted
 * warm-up on a scratch event, then the counted window on a fresh one.
 */
export async function measureLibrary(ctx: BenchContext, inFlight: number): Promise<LibraryMeasurement> {
  const { workload, progress } = ctx;
  // Warm-up (JIT, script cache, connection) on a scratch event: the measured one starts empty.
  const warmupEventId = await ctx.events.create(`lib${inFlight}-warmup`, workload.rows, workload.cols);
  let warmupClaims: number;
  try {
    progress(`library, ${inFlight} in flight: warm-up ${ctx.warmupSec} s on ${warmupEventId}`);
    const warmup = await measureClaimThroughput({
      gates: ctx.claimGates,
      eventId: warmupEventId,
      workload,
      inFlight,
      durationMs: ctx.warmupSec * 1_000,
    });
    warmupClaims = warmup.completed;
  } finally {
    await ctx.events.remove(warmupEventId);
  }

  const eventId = await ctx.events.create(`lib${inFlight}`, workload.rows, workload.cols);
  try {
    progress(`library, ${inFlight} in flight: measuring ${ctx.durationSec} s on ${eventId}`);
    const before = await openWindow(ctx.admin, ctx.adminGate, eventId);
    const cpuBefore = ownCpuSeconds();
    const throughput = await measureClaimThroughput({
      gates: ctx.claimGates,
      eventId,
      workload,
      inFlight,
      durationMs: ctx.durationSec * 1_000,
      onTick: (completed, elapsedMs) =>
        progress(
          `  ${(elapsedMs / 1_000).toFixed(0)} s: ${completed.toLocaleString('en-US')} claims (${formatRate(completed / (elapsedMs / 1_000))})`,
        ),
    });
    const clientCpuCores = (ownCpuSeconds() - cpuBefore) / (throughput.elapsedMs / 1_000);
    const after = await closeWindow(ctx.admin, ctx.adminGate, eventId);
    const accounting = accountClaims(before, after, throughput.completed, workload.rows * workload.cols);
    progress(
      `library, ${inFlight} in flight: ${formatRate(throughput.claimsPerSec)} ` +
        `(${throughput.granted} granted, ${throughput.refused} refused, ${throughput.errors} errors)`,
    );
    if (throughput.errors > 0) progress(`  first error: ${throughput.firstError}`);
    return { side: 'library', inFlight, eventId, warmupClaims, throughput, accounting, clientCpuCores };
  } finally {
    await ctx.events.remove(eventId);
  }
}
