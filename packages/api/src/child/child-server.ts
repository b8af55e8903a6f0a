import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { sparePort } from './spare-port.ts';
import { waitFor } from './wait-for.ts';

/** Children still running when this process exits are killed: a crashed harness leaves no server behind. */
const living = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

/** Lines of output kept, across restarts. */
const OUTPUT_LINES = 2_000;

export interface ChildServerOptions {
  /** The script node runs. */
  readonly script: string;
  /** Environment over this process's; PORT and HOST (127.0.0.1) are the child server's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** The loopback port (default: a spare one); a restart keeps it. */
  readonly port?: number;
  /** Node flags before the script (--cpu-prof, ...). */
  readonly nodeArgs?: readonly string[];
  /**
   * A GET path that answers 2xx once the server is ready (default /readyz). /healthz waits only
   * for it to listen: an API on an evicting Redis is up but, rightly, not ready.
   */
  readonly readyPath?: string;
  /** How long it may take to be ready (default 30 s); then it is killed and start() throws. */
  readonly readyTimeoutMs?: number;
}

/**
 * A Node server as a child process on a loopback port chosen here, not read from its log (the
 * API logs its port only at LOG_LEVEL=info, and at info it logs every request to our pipe).
 * It can be stopped (a signal, then SIGKILL after a grace), SIGKILLed and restarted on the
 * same port; its output is kept for error messages and for what a harness checks.
 */
export class ChildServer {
  readonly port: number;
  readonly baseUrl: string;
  /** Every line it wrote (stdout and stderr), across restarts: the last 2,000. */
  readonly output: string[] = [];
  readonly #script: string;
  readonly #args: readonly string[];
  readonly #env: Readonly<Record<string, string>>;
  readonly #readyPath: string;
  readonly #readyTimeoutMs: number;
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> = Promise.resolve(null);
  #starts = 0;

  private constructor(options: ChildServerOptions, port: number) {
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.#script = options.script;
    this.#args = [...(options.nodeArgs ?? []), options.script];
    this.#env = { ...options.env, PORT: String(port), HOST: '127.0.0.1' };
    this.#readyPath = options.readyPath ?? '/readyz';
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  }

  /** Starts the server; resolves once it is ready. */
  static async start(options: ChildServerOptions): Promise<ChildServer> {
    const server = new ChildServer(options, options.port ?? (await sparePort()));
    await server.#spawn();
    return server;
  }

  /** The running process's id (for /proc readings); undefined while it is down. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** How many times it was started (1 + restarts). */
  get starts(): number {
    return this.#starts;
  }

  /** Resolves with the exit code when the latest process ends, however it ends (null: ended by a signal). */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  /** Sends `signal`, then SIGKILL if it has not exited within graceMs; resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<number | null> {
    const child = this.#child;
    if (child === undefined) return this.#exited;
    this.#child = undefined;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: no drain, no compensation; whatever was between Redis and PostgreSQL stays there. */
  kill(): Promise<number | null> {
    return this.stop('SIGKILL');
  }

  /** Kills it (if running) and starts it again on the same port with the same environment. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /** The last lines it wrote, for error messages. */
  tail(lines = 20): string {
    return this.output.slice(-lines).join('\n');
  }

  async #spawn(): Promise<void> {
    const child = spawn(process.execPath, this.#args, { env: { ...process.env, ...this.#env }, stdio: ['ignore', 'pipe', 'pipe'] });
    living.add(child);
    this.#starts++;
    this.#child = child;
    let exitCode: number | null | undefined;
    // 'close', not 'exit': by then every line it wrote has been read.
    this.#exited = new Promise((resolve) =>
      child.once('close', (code) => {
        exitCode = code;
        living.delete(child);
        if (this.#child === child) this.#child = undefined;
        resolve(code);
      }),
    );
    child.once('error', (error) => this.#keep(`spawn failed: ${error.message}`));
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => this.#keep(line));
    const name = basename(this.#script);
    try {
      await waitFor(
        `${name} ready on ${this.baseUrl}${this.#readyPath}`,
        async () => {
          if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode}`);
          return fetch(`${this.baseUrl}${this.#readyPath}`, { signal: AbortSignal.timeout(1_000) }).then(
            (res) => res.ok,
            () => false,
          );
        },
        this.#readyTimeoutMs,
        100,
      );
    } catch (error) {
      await this.kill();
      throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${this.tail()}`);
    }
  }

  #keep(line: string): void {
    if (line.length === 0) return;
    this.output.push(line);
    if (this.output.length > OUTPUT_LINES) this.output.splice(0, this.output.length - OUTPUT_LINES);
  }
}
