import { runLoad } from './load.ts';

/**
 * A short uncounted burst of GET requests at a fresh server: JIT and the 100 keep-alive
 * connections are set up before the measured load, so the first seconds of a run measure
 * the route, not the start-up.
 */
export async function warmUp(baseUrl: string, path: string, connections: number, requests: number): Promise<void> {
  await runLoad({
    label: 'warm-up',
    baseUrl,
    connections,
    amount: requests,
    timeLimitSec: 5,
    progress: () => undefined,
    next: () => ({ method: 'GET', path, headers: {} }),
  });
}
