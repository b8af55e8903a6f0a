import type { Registry } from 'prom-client';

/**
 * Registers the metric `make` builds under `name`, replacing one already there: an app built
 * twice on one registry (tests do) reports from the latest app, never fails on the name.
 */
export function replaceMetric<M>(registry: Registry, name: string, make: (name: string) => M): M {
  if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name);
  return make(name);
}
