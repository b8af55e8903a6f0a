/**
 * A pass of background work repeated on an interval: passes never overlap (a pass asked for
 * while one runs shares it), failures go to `onError`, and the timer keeps no process alive.
 */
export class BackgroundJob<T> {
  readonly #intervalMs: number;
  readonly #pass: () => Promise<T>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T> | undefined;

  constructor(intervalMs: number, pass: () => Promise<T>, onError: (error: unknown) => void) {
    this.#intervalMs = intervalMs;
    this.#pass = pass;
    this.#onError = onError;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.runOnce().catch(this.#onError), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One pass now, or the pass already under way. */
  runOnce(): Promise<T> {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
    return this.#running;
  }
}
