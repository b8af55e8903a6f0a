import { performance } from 'node:perf_hooks';

/** How long a read's answer serves the other metrics of the same scrape. */
const SAME_SCRAPE_MS = 1_000;
/** Past its first answer, a scrape waits this long for a fresh one, then reports the last. */
const FRESH_WAIT_MS = 250;

/**
 * One read shared by the metrics a scrape collects together (prom-client collects them at
 * once, each on its own), that never holds a scrape up for long: one read runs at a time;
 * the first scrape waits for its answer, later ones at most FRESH_WAIT_MS, then report the
 * last answer. A sick Redis must not make /metrics slow: that is when it is read most.
 */
export function scrapeOnce<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let last: { readonly answer: T } | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | undefined;
  return async () => {
    if (running === undefined && performance.now() - lastAt > SAME_SCRAPE_MS) {
      running = read()
        .then(
          (answer) => {
            last = { answer };
            lastAt = performance.now();
          },
          () => {},
        )
        .finally(() => {
          running = undefined;
        });
    }
    if (running !== undefined) {
      if (last === undefined) await running;
      else await within(running, FRESH_WAIT_MS);
    }
    return last?.answer;
  };
}

function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
