// What the API tests need beyond the app itself: a view of SeatGrid's tables, and a
// redis-server of a test file's own to pause or kill. Each is closed when its file ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { openStoreView, type StoreView } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { sparePort, waitFor } from '../src/child/index.ts';
import { testConfig } from './harness.ts';

const views: StoreView[] = [];
const redisServers: ChildProcess[] = [];
after(async () => {
  for (const server of redisServers) server.kill('SIGKILL');
  await Promise.all(views.map((view) => view.close()));
});

/** SeatGrid's tables in the test database (a Kysely bound to its schema, and a grid to read them). */
export function openTestStore(): StoreView {
  const view = openStoreView(testConfig().databaseUrl);
  views.push(view);
  return view;
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL. */
  stop(): void;
}

/**
 * A redis-server of this test file's own on a spare loopback port, with no persistence: free
 * to be paused or killed without touching the shared Redis. Killed when the file ends.
 */
export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const port = await sparePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: 'ignore',
  });
  redisServers.push(server);
  const probe = new Redis(port, '127.0.0.1', { retryStrategy: () => 50 });
  probe.on('error', () => {}); // refused until the server is up: polled below
  try {
    await waitFor(`redis-server on port ${port}`, async () => (await probe.ping().catch(() => '')) === 'PONG', 10_000);
  } finally {
    probe.disconnect();
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop: () => server.kill('SIGKILL') };
}
