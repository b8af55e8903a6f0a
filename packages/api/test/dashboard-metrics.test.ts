import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { startApiChild, type ChildServer } from '../src/child/index.ts';
import { exposedNames, metricNamesIn } from './promql-metric-names.ts';

const ADMIN = 'dashboard-test-token-0123456789';
const OPS = new URL('../../../ops/', import.meta.url);

/** Every PromQL expression of the dashboard's panels (rows' panels too) and of its variables. */
function dashboardExpressions(): { where: string; expr: string }[] {
  interface Panel {
    title?: string;
    targets?: { expr?: string }[];
    panels?: Panel[];
  }
  const dashboard = JSON.parse(readFileSync(new URL('grafana/dashboards/seatgrid.json', OPS), 'utf8')) as {
    panels: Panel[];
    templating: { list: { name: string; query?: unknown }[] };
  };
  const found: { where: string; expr: string }[] = [];
  const visit = (panels: readonly Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? [])
        if (target.expr !== undefined) found.push({ where: `panel "${panel.title}"`, expr: target.expr });
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    const query = variable.query as { query?: string } | string | undefined;
    const text = typeof query === 'string' ? query : query?.query;
    const inner = text === undefined ? undefined : /^label_values\(([^,]+),/.exec(text)?.[1];
    if (inner !== undefined) found.push({ where: `variable $${variable.name}`, expr: inner });
  }
  return found;
}

/** Every alert rule's expression. */
function alertExpressions(): { where: string; expr: string }[] {
  const rules = parse(readFileSync(new URL('prometheus/alerts.yml', OPS), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })));
}

let api: ChildServer;
let metricsText = '';
let eventId = '';

before(async () => {
  // The real server (src/server.ts: default process metrics included); the address limit is off
  // (other processes share 127.0.0.1), the user limit refuses a fourth claim in a row.
  api = await startApiChild({
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_SECOND: '0.001',
    RATE_LIMIT_BURST: '3',
    RATE_LIMIT_IP_PER_SECOND: '0',
  });
  const call = async (method: string, path: string, user?: string, body?: unknown) => {
    const response = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(user === undefined ? { authorization: `Bearer ${ADMIN}` } : { 'x-user-id': user }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const created = await call('POST', '/events', undefined, { name: 'dashboard load', rows: 1, cols: 3 });
  assert.equal(created.status, 201);
  eventId = String(created.json.id);
  const tag = randomUUID().slice(0, 8);
  const hold = (user: string, col: number) => call('POST', `/events/${eventId}/holds`, `${user}-${tag}`, { seats: [{ row: 1, col }] });
  const book = (user: string) => call('POST', `/events/${eventId}/bookings`, `${user}-${tag}`, { quantity: 1 });

  const won = await hold('a', 1);
  assert.equal(won.status, 201, 'a wins seat 1');
  assert.equal((await hold('b', 1)).status, 409, 'b loses it (seats-taken, through Redis)');
  assert.equal((await call('POST', `/holds/${won.json.holdId}/confirm`, `a-${tag}`)).status, 200, 'a confirms');
  const released = await hold('c', 2);
  assert.equal(released.status, 201);
  assert.equal((await call('DELETE', `/holds/${released.json.holdId}`, `c-${tag}`)).status, 204, 'c releases');
  assert.equal((await book('d')).status, 201);
  assert.equal((await book('e')).status, 201, 'the last seat: sold out');
  assert.equal((await book('f')).status, 409, 'Redis says sold out');
  assert.equal((await book('g')).status, 409, 'the sold-out cache says so, no round trip');
  const limited = [];
  for (let i = 0; i < 4; i++) limited.push((await book('r')).status);
  assert.deepEqual(limited, [409, 409, 409, 429], "r's fourth claim in a row is refused by the user bucket");
  assert.equal((await call('GET', '/no-such-route')).status, 404);

  const metrics = await fetch(`${api.baseUrl}/metrics`);
  assert.equal(metrics.status, 200);
  metricsText = await metrics.text();
});
after(() => api?.stop());

/** The value of the sample `name{labels}` (labels in exposition order), or undefined. */
function sample(name: string, labels: string): number | undefined {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${name}{${labels}} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test("every metric the dashboard's queries and the alert rules read is in the API's /metrics", () => {
  const { declared, sampled } = exposedNames(metricsText);
  const expressions = [...dashboardExpressions(), ...alertExpressions()];
  assert.ok(expressions.length >= 30, `found ${expressions.length} expressions`);
  const missing: string[] = [];
  const read = new Set<string>();
  for (const { where, expr } of expressions) {
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0, `${where}: no metric found in ${expr}`);
    for (const name of names) {
      read.add(name);
      // `up` is Prometheus's own, about the scrape.
      if (name !== 'up' && !declared.has(name) && !sampled.has(name)) missing.push(`${where}: ${name}`);
    }
  }
  assert.deepEqual(missing, []);
  for (const name of [
    'seatgrid_decisions_total',
    'seatgrid_claim_latency_seconds_bucket',
    'process_cpu_seconds_total',
    'seatgrid_event_seats',
  ]) {
    assert.ok(read.has(name), `the queries read ${name}`);
  }
});

test('the load produced a series for each metric the dashboard plots on an ordinary on-sale', () => {
  const { sampled } = exposedNames(metricsText);
  const expected = [
    'seatgrid_decisions_total',
    'seatgrid_claim_latency_seconds_bucket',
    'seatgrid_pg_queries_total',
    'seatgrid_pg_transactions_total',
    'seatgrid_group_commit_batch_size_bucket',
    'seatgrid_breaker_state',
    'seatgrid_hydrations_total',
    'seatgrid_reconcile_drift_seats',
    'seatgrid_http_requests_total',
    'seatgrid_rate_limit_refusals_total',
    'seatgrid_event_seats',
    'seatgrid_event_capacity_seats',
    'seatgrid_ready',
    'seatgrid_redis_eviction_safe',
    'process_cpu_seconds_total',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_p99_seconds',
  ];
  assert.deepEqual(
    expected.filter((name) => !sampled.has(name)),
    [],
  );
});

test("the API's own metrics count what the load did", () => {
  const decisions = (outcome: string, path: string) =>
    sample('seatgrid_decisions_total', `strategy="admission",outcome="${outcome}",path="${path}"`);
  assert.equal(decisions('granted', 'redis'), 4);
  assert.equal(decisions('seats-taken', 'redis'), 1);
  assert.ok((decisions('sold-out', 'sold-out-cache') ?? 0) >= 1, 'a sold-out cache hit');
  const requests = (method: string, route: string, statusClass: string) =>
    sample('seatgrid_http_requests_total', `method="${method}",route="${route}",status_class="${statusClass}"`);
  assert.equal(requests('POST', '/events/:eventId/holds', '2xx'), 2);
  assert.equal(requests('POST', '/events/:eventId/holds', '4xx'), 1);
  assert.equal(requests('POST', '/events/:eventId/bookings', '2xx'), 2);
  assert.equal(requests('POST', '/events/:eventId/bookings', '4xx'), 6);
  assert.equal(requests('POST', '/holds/:holdId/confirm', '2xx'), 1);
  assert.equal(requests('DELETE', '/holds/:holdId', '2xx'), 1);
  assert.equal(requests('GET', 'unmatched', '4xx'), 1);
  assert.equal(sample('seatgrid_rate_limit_refusals_total', 'bucket="user"'), 1);
  assert.equal(sample('seatgrid_rate_limit_refusals_total', 'bucket="address"'), 0);
  assert.equal(sample('seatgrid_event_capacity_seats', `event="${eventId}"`), 3);
  for (const [state, seats] of [
    ['sold', 3],
    ['held', 0],
    ['available', 0],
  ] as const) {
    assert.equal(sample('seatgrid_event_seats', `event="${eventId}",state="${state}"`), seats, state);
  }
  assert.equal(sample('seatgrid_ready', ''), 1);
  // Whatever safe policy this machine's Redis runs (noeviction, volatile-*).
  assert.match(metricsText, /^seatgrid_redis_eviction_safe\{policy="[a-z-]+"\} 1$/m);
});
