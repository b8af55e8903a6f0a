import { createServer } from 'node:net';

/** Binds the loopback port (0: any) and lets it go; resolves with the port it had. */
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

/**
 * A loopback port free right now, drawn from 20000-31999: below the range Linux hands out for
 * outgoing connections (32768 and up), so a server killed and restarted on it (the API, a
 * private Redis) finds it still free.
 */
export async function sparePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (
      await bindAndRelease(port).then(
        () => true,
        () => false,
      )
    )
      return port;
  }
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
