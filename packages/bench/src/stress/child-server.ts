import { spawn, type ChildProcess } from 'node:child_process';

/** A server running as a child process on loopback, and how to stop it. */
export interface ChildServer {
  readonly baseUrl: string;
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within graceMs. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** The last lines it wrote to stderr/stdout, for error messages. */
  tail(): string;
  /** Resolves with the exit code when the process exits, however it ends. */
  readonly exited: Promise<number | null>;
}

export interface ChildServerOptions {
  readonly script: string;
  readonly env: Record<string, string>;
  readonly port: number;
  /** A GET path that answers 200 once the server is ready. */
  readonly readyPath: string;
  readonly readyTimeoutMs: number;
  /** Node flags before the script (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `node <script>` on a port chosen by the caller and polls readyPath. We choose the
 * port rather than parse the 'listening' log line because that needs LOG_LEVEL=info, and
 * at info the API logs every request synchronously to our pipe, which would be measured too.
 */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { ...process.env, ...options.env, PORT: String(options.port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: string) => {
    lines.push(...chunk.split('\n').filter((l) => l.length > 0));
    if (lines.length > 30) lines.splice(0, lines.length - 30);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const server: ChildServer = {
    baseUrl,
    pid: child.pid,
    stop: (graceMs = 15_000) => stopChild(child, exited, graceMs),
    tail: () => lines.join('\n'),
    exited,
  };
  const deadline = Date.now() + options.readyTimeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${options.script} exited with ${exitCode}:\n${server.tail()}`);
    const ok = await fetch(`${baseUrl}${options.readyPath}`).then((r) => r.ok, () => false);
    if (ok) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop(1_000);
  throw new Error(`${options.script} not ready after ${options.readyTimeoutMs} ms:\n${server.tail()}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
