import { performance } from 'node:perf_hooks';

/** How long a read's answer serves the other metrics of the same scrape. */
const SAME_SCRAPE_MS = 1_000;

/**
 * One read shared by the metrics a scrape collects together (prom-client collects them at
 * once, each on its own): the first caller starts it, the others get the same answer.
 */
export function scrapeOnce<T>(read: () => Promise<T>): () => Promise<T> {
  let last: { readonly at: number; readonly answer: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (last === undefined || now - last.at > SAME_SCRAPE_MS) last = { at: now, answer: read() };
    return last.answer;
  };
}
