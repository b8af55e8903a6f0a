import { readFileSync } from 'node:fs';

interface Panel {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
}

/** The dashboard's panels whose queries the picture plots, with the target to take from each. */
const KEY_PANELS: readonly [title: string, target: number][] = [
  ['Decisions/s by strategy, outcome and path', 0],
  ['Claim latency p50 / p99 by outcome', 1],
  ['Seats sold vs capacity, per event', 0],
  ['Holds live, per event', 0],
  ['PostgreSQL queries and transactions per request', 0],
  ['Group-commit batch size', 2],
];

/** A dashboard query as Prometheus itself takes it: Grafana's variables replaced. */
export function forPrometheus(expr: string, rateWindow: string): string {
  return expr.replaceAll('$__rate_interval', rateWindow).replaceAll('"$event"', '".*"');
}

/** The key queries, read from the dashboard itself, so the picture shows what the dashboard plots. */
export const KEY_QUERIES: readonly string[] = (() => {
  const dashboard = JSON.parse(readFileSync(new URL('../grafana/dashboards/seatgrid.json', import.meta.url), 'utf8')) as {
    panels: Panel[];
  };
  return KEY_PANELS.map(([title, target]) => {
    const expr = dashboard.panels.find((p) => p.title === title)?.targets?.[target]?.expr;
    if (expr === undefined) throw new Error(`the dashboard has no panel "${title}" with a target ${target}`);
    return forPrometheus(expr, '10s');
  });
})();

/** Prometheus's graph page with one graph a query over the last `range`. */
export function graphUrl(prometheusUrl: string, queries: readonly string[], range: string): string {
  const params = new URLSearchParams();
  queries.forEach((expr, i) => {
    params.set(`g${i}.expr`, expr);
    params.set(`g${i}.tab`, '0');
    params.set(`g${i}.stacked`, '0');
    params.set(`g${i}.show_exemplars`, '0');
    params.set(`g${i}.range_input`, range);
  });
  return `${prometheusUrl}/graph?${params.toString()}`;
}
