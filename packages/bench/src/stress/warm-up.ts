import { runLoad, type PlannedRequest } from './load.ts';

/**
 * A short uncounted burst at a fresh server: JIT and the keep-alive connections are set up
 * before the measured load, so the first seconds of a run measure the route, not the
 * start-up. `request` is a GET path, or the measured request itself (its code paths get
 * compiled too).
 */
export async function warmUp(
  baseUrl: string,
  request: string | ((n: number) => PlannedRequest),
  connections: number,
  requests: number,
): Promise<void> {
  await runLoad({
    label: 'warm-up',
    baseUrl,
    connections,
    amount: requests,
    timeLimitSec: 5,
    progress: () => undefined,
    next: typeof request === 'string' ? () => ({ method: 'GET', path: request, headers: {} }) : request,
  });
}
