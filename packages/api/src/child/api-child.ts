import { fileURLToPath } from 'node:url';
import { ChildServer, type ChildServerOptions } from './child-server.ts';

/** The API server's entry point (what `pnpm --filter @seatgrid/api start` runs). */
export const API_SERVER_SCRIPT = fileURLToPath(new URL('../server.ts', import.meta.url));

/** Where and how the API child runs: its port, Node flags, what "ready" means and how long it may take. */
export type ApiChildOptions = Omit<ChildServerOptions, 'script' | 'env'>;

/**
 * The real API server (src/server.ts) as a child process on a loopback port; resolves once
 * GET readyPath (default /readyz) answers 2xx. Its configuration is this process's environment
 * with `env` over it, and nothing else: each harness passes the defaults it runs with.
 */
export function startApiChild(env: Readonly<Record<string, string>>, options: ApiChildOptions = {}): Promise<ChildServer> {
  return ChildServer.start({ ...options, script: API_SERVER_SCRIPT, env });
}
