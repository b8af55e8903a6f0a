// What the API tests need beyond the app itself: a view of SeatGrid's tables, and a
// redis-server of a test file's own to pause or kill. Each is closed when its file ends.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { after } from 'node:test';
import { createScratchDatabase, openStoreView, type ScratchDatabase, type StoreView } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { sparePort, waitFor } from '../src/child/index.ts';
import { testConfig } from './harness.ts';

const views: StoreView[] = [];
const scratch: ScratchDatabase[] = [];
const redisServers: ChildProcess[] = [];
after(async () => {
  for (const server of redisServers) server.kill('SIGKILL');
  await Promise.all(views.map((view) => view.close()));
  await Promise.all(scratch.map((database) => database.drop()));
});

/** SeatGrid's tables in the test database, or in these shards (a Kysely bound to its schema, and a grid to read them). */
export function openTestStore(urls: string | readonly string[] = testConfig().databaseUrl): StoreView {
  const view = openStoreView(urls);
  views.push(view);
  return view;
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL. */
  stop(): void;
  /** SIGKILL, then a fresh, empty server on the same port; resolves once it answers. */
  restart(): Promise<void>;
}

/**
 * A redis-server of this test file's own on a spare loopback port, with no persistence: free
 * to be paused or killed without touching the shared Redis. Killed when the file ends.
 */
export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const port = await sparePort();
  let server: ChildProcess | undefined;
  const stop = () => {
    server?.kill('SIGKILL');
  };
  const start = async () => {
    const exited = server === undefined || server.exitCode !== null || server.signalCode !== null;
    if (!exited) await new Promise((resolve) => server?.once('exit', resolve));
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
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
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      stop();
      await start();
    },
  };
}

/** A database of this test file's own on the test server, dropped when the file ends (after every view closed). */
export async function scratchDatabase(label: string): Promise<string> {
  const database = await createScratchDatabase(testConfig().databaseUrl, label);
  scratch.push(database);
  return database.url;
}

/** The local 3-master Redis Cluster of scripts/redis-cluster-up.sh (started unless it runs): `host:port,…`. */
export function localRedisCluster(): string {
  const script = new URL('../../../scripts/redis-cluster-up.sh', import.meta.url).pathname;
  // Bounded: a set-up that hangs fails the test that needs it, not the whole run.
  const line = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
  const nodes = /REDIS_CLUSTER_NODES='([^']+)'/.exec(line)?.[1];
  if (nodes === undefined) throw new Error(`redis-cluster-up.sh printed no nodes: ${line}`);
  return nodes;
}

export interface FreshAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** The body as sent. */
  readonly text: string;
}

/**
 * One request on a connection of its own, closed after the answer: node:cluster hands out
 * connections, not requests, so this is how requests reach every worker.
 */
export function freshRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<FreshAnswer> {
  // A Buffer, not a string: Node writes the head together with a string body in the body's
  // encoding (UTF-8), which would re-encode header bytes given as Latin-1 characters.
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, baseUrl),
      {
        method,
        agent: false,
        headers: { connection: 'close', ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
            headers: res.headers,
            text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
