import { performance } from 'node:perf_hooks';

/** How long an ended write's duration counts towards lately(): this window and the one after it. */
const WINDOW_MS = 5_000;

/**
 * How long this process's winner writes take to reach PostgreSQL (queue, transaction,
 * commit). Another process's writes to the same database take about as long: a re-hydration
 * and the reconciler wait that long for grants they cannot see to land, so they neither free
 * seats being written nor take them for drift.
 */
export class WriteLatency {
  /** Write under way → when it started (performance.now()). */
  readonly #underWay = new Map<Promise<unknown>, number>();
  /** The longest write that ended in the current window and in the one before; when the current one began. */
  #slowestNow = 0;
  #slowestBefore = 0;
  #windowStart = 0;

  /** Times a write until it settles; returns it unchanged. */
  track<T>(write: Promise<T>): Promise<T> {
    const started = performance.now();
    this.#underWay.set(write, started);
    const ended = () => {
      this.#underWay.delete(write);
      const now = performance.now();
      this.#roll(now);
      this.#slowestNow = Math.max(this.#slowestNow, now - started);
    };
    write.then(ended, ended);
    return write;
  }

  /** How long writes take lately, without waiting (ms): the longest that ended in the last 5-10 s, or the oldest still under way. */
  lately(): number {
    const now = performance.now();
    this.#roll(now);
    let slowest = Math.max(this.#slowestNow, this.#slowestBefore);
    for (const started of this.#underWay.values()) slowest = Math.max(slowest, now - started);
    return slowest;
  }

  /**
   * Resolves once every write under way now has settled, with the longest one of them took
   * (ms; 0 when none was under way): how slow PostgreSQL is now, even when it just got slow.
   */
  async slowestUnderWay(): Promise<number> {
    const durations = [...this.#underWay].map(([write, started]) => {
      const took = () => performance.now() - started;
      return write.then(took, took);
    });
    return (await Promise.all(durations)).reduce((slowest, took) => Math.max(slowest, took), 0);
  }

  #roll(now: number): void {
    if (now - this.#windowStart < WINDOW_MS) return;
    // After a quiet spell longer than a window, the last window's figure is stale too.
    this.#slowestBefore = now - this.#windowStart < 2 * WINDOW_MS ? this.#slowestNow : 0;
    this.#slowestNow = 0;
    this.#windowStart = now;
  }
}
