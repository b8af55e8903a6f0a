import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sparePort } from './ports.ts';
import { waitFor } from './wait-for.ts';

const SERVER_SCRIPT = fileURLToPath(new URL('../../api/src/server.ts', import.meta.url));

/** Children still running when this process exits are killed. */
const living = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

export interface ApiProcessOptions {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly adminToken: string;
  /** More environment (BREAKER_TIMEOUT_MS, RECONCILE_INTERVAL_MS, ...), over the chaos defaults. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What every chaos API runs with unless told otherwise: short background intervals, no rate limits. */
export const chaosApiDefaults: Readonly<Record<string, string>> = Object.freeze({
  BOOKING_STRATEGY: 'admission',
  // The limiter would answer 429 to our buyers; faults are what is under test.
  RATE_LIMIT_PER_SECOND: '0',
  RATE_LIMIT_IP_PER_SECOND: '0',
  LOG_LEVEL: 'warn',
  RECONCILE_INTERVAL_MS: '1000',
  SWEEP_INTERVAL_MS: '500',
  BREAKER_TIMEOUT_MS: '300',
  BREAKER_RESET_MS: '1000',
  SHUTDOWN_GRACE_MS: '2000',
});

/**
 * The API server (packages/api/src/server.ts) as a child process on a port of its own, so a
 * run can SIGKILL it mid-burst and start it again on the same port.
 */
export class ApiProcess {
  readonly port: number;
  readonly #env: Record<string, string>;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  /** Every line it wrote (pino JSON at LOG_LEVEL), across restarts. */
  readonly output: string[] = [];
  #starts = 0;

  private constructor(port: number, env: Record<string, string>) {
    this.port = port;
    this.#env = env;
  }

  static async start(options: ApiProcessOptions): Promise<ApiProcess> {
    const port = await sparePort();
    const api = new ApiProcess(port, {
      ...chaosApiDefaults,
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: options.redisUrl,
      DATABASE_URL: options.databaseUrl,
      ADMIN_TOKEN: options.adminToken,
    });
    await api.#spawn();
    return api;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** How many times it was started (1 + restarts). */
  get starts(): number {
    return this.#starts;
  }

  /** SIGKILL: no drain, no compensation, whatever was between Redis and PostgreSQL stays there. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    child.kill('SIGKILL');
    await this.#exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /** SIGTERM, then SIGKILL after a grace. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** The last lines it wrote, for error messages. */
  tail(lines = 20): string {
    return this.output.slice(-lines).join('\n');
  }

  async #spawn(): Promise<void> {
    const child = spawn(process.execPath, [SERVER_SCRIPT], { env: { ...process.env, ...this.#env }, stdio: ['ignore', 'pipe', 'pipe'] });
    living.add(child);
    this.#starts++;
    this.#child = child;
    let exitCode: number | null | undefined;
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        living.delete(child);
        if (this.#child === child) this.#child = undefined;
        resolve();
      }),
    );
    const keep = (chunk: string) => {
      this.output.push(...chunk.split('\n').filter((line) => line.length > 0));
      if (this.output.length > 2_000) this.output.splice(0, this.output.length - 2_000);
    };
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);
    // /healthz, not /readyz: an API on an evicting Redis is alive but (rightly) not ready.
    await waitFor(
      `the API on port ${this.port}`,
      async () => {
        if (exitCode !== undefined) throw new Error(`the API exited with ${exitCode}:\n${this.tail()}`);
        return fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((res) => res.ok, () => false);
      },
      30_000,
      100,
    );
  }
}
