import { runLoad, type PlannedRequest } from './load.ts';

/** A warm-up sale's claims: as many as the measured sale's, up to this many (a process). */
export const WARM_UP_CLAIMS = 1_000;

/** A warm-up's requests: at most `amount`, for at most `timeLimitSec`. */
export interface WarmUpPlan {
  readonly connections: number;
  readonly amount: number;
  readonly timeLimitSec?: number;
  /** The n-th request: of the kind the load after it measures. */
  readonly next: (n: number) => PlannedRequest;
}

const DEFAULT_TIME_LIMIT_SEC = 5;

/**
 * A short uncounted burst at a fresh server: JIT and the keep-alive connections are set up
 * before the measured load, so its first seconds measure the route, not the start-up. Only
 * requests of the measured kind warm the code that answers them: a GET warms little of a claim.
 */
export async function warmUp(baseUrl: string, plan: WarmUpPlan): Promise<void> {
  await runLoad({
    label: 'warm-up',
    baseUrl,
    connections: plan.connections,
    amount: plan.amount,
    timeLimitSec: plan.timeLimitSec ?? DEFAULT_TIME_LIMIT_SEC,
    progress: () => undefined,
    next: plan.next,
  });
}
