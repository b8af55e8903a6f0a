import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { Readiness } from '../app-dependencies.ts';
import { replaceMetric } from './replace-metric.ts';
import { scrapeOnce } from './scrape-once.ts';

/** A scrape waits this long for the readiness checks; then the process counts as not ready. */
const READINESS_TIME_LIMIT_MS = 2_000;

/**
 * `seatgrid_ready` (1 ready, 0 not: what GET /readyz answers) and
 * `seatgrid_redis_eviction_safe{policy}` (1 when Redis's maxmemory-policy cannot evict the
 * gate's keys), asked afresh when Prometheus scrapes, within a time limit.
 */
export function readinessGauges(registry: Registry, readiness: () => Promise<Readiness>): void {
  const read = scrapeOnce(() => withinLimit(readiness));
  replaceMetric(
    registry,
    'seatgrid_ready',
    (name) =>
      new Gauge({
        name,
        help: 'Readiness as GET /readyz answers it: 1 ready, 0 not (PostgreSQL down, or an evicting Redis)',
        registers: [registry],
        async collect() {
          this.set((await read())?.ready === true ? 1 : 0);
        },
      }),
  );
  replaceMetric(
    registry,
    'seatgrid_redis_eviction_safe',
    (name) =>
      new Gauge({
        name,
        help: "1 when Redis's maxmemory-policy cannot evict the gate's keys, 0 when it can (the process is then not ready)",
        labelNames: ['policy'],
        registers: [registry],
        async collect() {
          const answer = await read();
          this.reset();
          if (answer !== undefined) this.set({ policy: answer.redisEvictionPolicy }, answer.redisEvictionSafe ? 1 : 0);
        },
      }),
  );
}

/** The readiness answer, or undefined when it failed or took too long. */
async function withinLimit(readiness: () => Promise<Readiness>): Promise<Readiness | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), READINESS_TIME_LIMIT_MS);
  });
  try {
    // A throw (sync or not) counts as not ready, as a timeout does.
    return await Promise.race([(async () => readiness())().catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
