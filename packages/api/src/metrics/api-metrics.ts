import type { RequestHandler } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { EventSeatGauges } from './event-seat-gauges.ts';
import { heapAfterGcGauge } from './heap-after-gc.ts';
import { readinessGauges } from './readiness-gauges.ts';
import { requestMetrics } from './request-metrics.ts';

/**
 * The API's own metrics beside the library's, on the app's registry: requests by route and
 * status class, rate-limit refusals by bucket, readiness, and the seats of the events served
 * lately, and the heap after the latest major GC. Returns the middleware that counts the requests (mount it first).
 */
export function apiMetrics(deps: Pick<AppDependencies, 'registry' | 'grid' | 'readiness'>): RequestHandler {
  const events = new EventSeatGauges(deps.grid, deps.registry);
  readinessGauges(deps.registry, deps.readiness);
  heapAfterGcGauge(deps.registry);
  return requestMetrics({ registry: deps.registry, onEventServed: (eventId) => events.served(eventId) });
}
