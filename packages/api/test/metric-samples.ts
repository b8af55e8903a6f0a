// Reads a Prometheus text exposition (GET /metrics) into samples, for tests that assert on
// counts (decisions by path, hydrations, breaker transitions), never on timings.

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function metricSamples(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include every one of `where`. */
export function metricSum(text: string, name: string, where: Readonly<Record<string, string>> = {}): number {
  return metricSamples(text)
    .filter((s) => s.name === name && Object.entries(where).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

/** GET /metrics of the API at `baseUrl`, as text. */
export async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

/**
 * PostgreSQL statements the API sent while `work` ran (seatgrid_pg_queries_total, before and
 * after). A scrape reads the counter before the readiness check it may start has landed (one
 * `select 1` a process, when its last check is over a second old), so each process answering
 * the scrapes may add one such statement to the count: `processes` bounds what is not `work`'s.
 */
export async function pgStatementsDuring(baseUrl: string, work: () => Promise<void>): Promise<number> {
  const before = metricSum(await scrape(baseUrl), 'seatgrid_pg_queries_total');
  await work();
  return metricSum(await scrape(baseUrl), 'seatgrid_pg_queries_total') - before;
}
