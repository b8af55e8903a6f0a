import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Gauge, type Registry } from 'prom-client';
import { replaceMetric } from './replace-metric.ts';

/** The heap in use just after the latest major GC (0 before the first): what the process keeps alive. */
let liveAfterMajorGc = 0;
let observing = false;

/** One observer for the process, however many apps are built in it. */
function observeMajorGcs(): void {
  if (observing) return;
  observing = true;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) liveAfterMajorGc = getHeapStatistics().used_heap_size;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/**
 * `seatgrid_heap_after_major_gc_bytes`: the V8 heap in use right after the latest mark-sweep
 * (from the GC entries of a PerformanceObserver). A heap reading taken at any other moment
 * depends on where the GC cycle is; this one is what stays live, so a soak's trend reads it.
 */
export function heapAfterGcGauge(registry: Registry): void {
  observeMajorGcs();
  replaceMetric(
    registry,
    'seatgrid_heap_after_major_gc_bytes',
    (name) =>
      new Gauge({
        name,
        help: 'V8 heap in use right after the latest major (mark-sweep) GC; 0 before the first',
        registers: [registry],
        collect() {
          this.set(liveAfterMajorGc);
        },
      }),
  );
}
