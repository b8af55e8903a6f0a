import { createServer } from 'node:net';

/** A loopback port free right now (bind 0, read it, close). */
export function freePort(): Promise<number> {
  return bindAndRelease(0);
}

/**
 * Throws when something already listens on the loopback port: a server started there would
 * fail to bind, and its readiness poll could be answered by the other one.
 */
export async function assertPortFree(port: number): Promise<void> {
  await bindAndRelease(port).catch((error: unknown) => {
    throw new Error(`port ${port} on 127.0.0.1 is taken (${error instanceof Error ? error.message : String(error)})`);
  });
}

function bindAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}
