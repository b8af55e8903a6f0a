import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparePort, waitFor } from '@seatgrid/api/child';
import { Redis } from 'ioredis';
import { killOwned, spawnOwned } from './owned-processes.ts';

/**
 * A redis-server of our own on a spare loopback port, free to be killed, flushed, paused or
 * made to evict: never the shared Redis other tests use. It keeps an append-only file
 * (fsync every second, as a typical production Redis), so a restart after a kill comes back
 * with slightly stale data; restartEmpty() comes back with none.
 */
export class PrivateRedis {
  readonly port: number;
  readonly #dir: string;
  #process: ChildProcess | undefined;
  #admin: Redis | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await sparePort(), mkdtempSync(join(tmpdir(), 'seatgrid-chaos-redis-')));
    await redis.#spawn();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#process !== undefined;
  }

  /** A direct connection (not through any proxy) for setting faults up and reading state. */
  get admin(): Redis {
    if (this.#admin === undefined) {
      this.#admin = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      this.#admin.on('error', () => {}); // the server is killed on purpose
    }
    return this.#admin;
  }

  /** SIGKILL: no shutdown save, in-flight commands lost. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    this.#process = undefined;
    await killOwned(child);
  }

  /** Starts again on the same port from the append-only file (what it had fsynced). */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /** Starts again on the same port with no data at all. */
  async restartEmpty(): Promise<void> {
    await this.kill();
    rmSync(join(this.#dir, 'appendonlydir'), { recursive: true, force: true });
    await this.#spawn();
  }

  async scriptFlush(): Promise<void> {
    await this.admin.script('FLUSH');
  }

  async flushAll(): Promise<void> {
    await this.admin.flushall();
  }

  /** CLIENT PAUSE ALL: every client, ours included, waits this long. */
  async pause(ms: number): Promise<void> {
    await this.admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
  }

  async unpause(): Promise<void> {
    await this.admin.call('CLIENT', 'UNPAUSE');
  }

  /** maxmemory-policy, and optionally maxmemory in bytes (0: no limit). */
  async setMemoryPolicy(policy: string, maxmemoryBytes?: number): Promise<void> {
    await this.admin.config('SET', 'maxmemory-policy', policy);
    if (maxmemoryBytes !== undefined) await this.admin.config('SET', 'maxmemory', String(maxmemoryBytes));
  }

  async stop(): Promise<void> {
    this.#admin?.disconnect();
    this.#admin = undefined;
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    this.#process = spawnOwned('redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.#dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ]);
    await waitFor(`redis-server on port ${this.port}`, async () => (await this.admin.ping().catch(() => '')) === 'PONG', 10_000);
  }
}
