import type { NextFunction, Request, Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import { RATE_LIMITED_BY, type RateLimitBucket } from '../rate-limiter.ts';
import { replaceMetric } from './replace-metric.ts';

/** A label set's count since the last scrape: the hot path adds 1 to a number; the scrape hands it to prom-client. */
interface Slot {
  readonly labels: Record<string, string>;
  pending: number;
}

/** The label value of requests no route answered (404s, bodies refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/** What is known of a route, made once per route: its template and its slots by method and status class. */
interface RouteEntry {
  readonly template: string;
  /** The route names an event as its first segment after /events/: the event is served. */
  readonly perEvent: boolean;
  readonly byMethod: Map<string, (Slot | undefined)[]>;
}

const EVENT_ROUTE_PREFIX = '/events/:eventId';
const EVENT_PATH_START = '/events/'.length;

export interface RequestMetricsOptions {
  readonly registry: Registry;
  /** Called with the event id of each answered request on an event's route (2xx, or 409: the event exists). */
  readonly onEventServed: (eventId: string) => void;
}

/**
 * `seatgrid_http_requests_total{method,route,status_class}` (route: the Express route
 * template, so ids never become labels) and `seatgrid_rate_limit_refusals_total{bucket}`.
 * A request costs a map lookup and an addition: the counts are handed to prom-client when
 * Prometheus scrapes, each label set's child made once. Routers are mounted at the root, so a
 * route's path is its whole template.
 */
export function requestMetrics(options: RequestMetricsOptions): (req: Request, res: Response, next: NextFunction) => void {
  const { registry, onEventServed } = options;
  const newSlot = (labels: Record<string, string>): Slot => ({ labels, pending: 0 });
  const routes = new Map<object, RouteEntry>();
  const unmatched: RouteEntry = { template: UNMATCHED_ROUTE, perEvent: false, byMethod: new Map() };
  const refusals: Record<RateLimitBucket, Slot> = { user: newSlot({ bucket: 'user' }), address: newSlot({ bucket: 'address' }) };
  const requestSlots = new Set<Slot>();

  replaceMetric(registry, 'seatgrid_http_requests_total', (name) => {
    return new Counter({
      name,
      help: 'HTTP requests answered, by method, route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      registers: [registry],
      collect() {
        for (const slot of requestSlots) flush(this, slot);
      },
    });
  });
  replaceMetric(registry, 'seatgrid_rate_limit_refusals_total', (name) => {
    const counter = new Counter({
      name,
      help: 'Claims refused 429 by the rate limiter, by the bucket that refused (user or address)',
      labelNames: ['bucket'],
      registers: [registry],
      collect() {
        flush(this, refusals.user);
        flush(this, refusals.address);
      },
    });
    // Both series exist from the start: a rate over them reads 0, not "no data", before the first refusal.
    counter.inc({ bucket: 'user' }, 0);
    counter.inc({ bucket: 'address' }, 0);
    return counter;
  });

  function entryOf(route: { path?: unknown } | undefined): RouteEntry {
    if (route === undefined) return unmatched;
    let entry = routes.get(route);
    if (entry === undefined) {
      const template = typeof route.path === 'string' ? route.path : String(route.path);
      entry = { template, perEvent: template.startsWith(EVENT_ROUTE_PREFIX), byMethod: new Map() };
      routes.set(route, entry);
    }
    return entry;
  }

  function slotOf(entry: RouteEntry, method: string, statusClass: number): Slot {
    let byClass = entry.byMethod.get(method);
    if (byClass === undefined) {
      byClass = [];
      entry.byMethod.set(method, byClass);
    }
    let slot = byClass[statusClass];
    if (slot === undefined) {
      slot = newSlot({ method, route: entry.template, status_class: `${statusClass}xx` });
      requestSlots.add(slot);
      byClass[statusClass] = slot;
    }
    return slot;
  }

  // One listener for every response (`this` is the response): nothing is made per request.
  function onFinish(this: Response): void {
    const req = this.req;
    const status = this.statusCode;
    const statusClass = Math.min(5, Math.max(1, Math.trunc(status / 100)));
    const entry = entryOf(req.route as { path?: unknown } | undefined);
    slotOf(entry, req.method, statusClass).pending++;
    if (status === 429) {
      const bucket: unknown = this.locals[RATE_LIMITED_BY];
      if (bucket === 'user' || bucket === 'address') refusals[bucket].pending++;
    }
    if (entry.perEvent && (statusClass === 2 || status === 409)) {
      const url = req.originalUrl;
      let end = url.indexOf('/', EVENT_PATH_START);
      if (end < 0) end = url.indexOf('?', EVENT_PATH_START);
      onEventServed(end < 0 ? url.slice(EVENT_PATH_START) : url.slice(EVENT_PATH_START, end));
    }
  }

  return (_req, res, next) => {
    res.on('finish', onFinish);
    next();
  };
}

function flush(counter: Counter<string>, slot: Slot): void {
  if (slot.pending === 0) return;
  counter.inc(slot.labels, slot.pending);
  slot.pending = 0;
}
