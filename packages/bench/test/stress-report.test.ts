import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderBarChart } from '../src/stress/svg-chart.ts';
import { writeStressReport } from '../src/stress/report.ts';
import { computeRatios, type StressResults } from '../src/stress/results.ts';
import type { RunResult } from '../src/stress/run-scenario.ts';
import { percentiles } from '../src/stress/stats.ts';
import { goodputViolations, seatsOwed, violations } from '../src/stress/audit.ts';
import { outcomeOf } from '../src/stress/outcome.ts';
import { trendAfterWarmUp } from '../src/soak/memory-trend.ts';

const p = (ms: number, count = 10) => ({ count, p50: ms, p95: ms * 2, p99: ms * 3, max: ms * 4 });

function run(strategy: RunResult['strategy'], oversold: number, throughput: number): RunResult {
  const audit = {
    oversold,
    doubleBooked: oversold,
    leaked: 0,
    partial: 0,
    staleRows: 0,
    redisMatchesPg: strategy === 'admission' ? true : null,
    seatsSold: 100,
    seatsHeld: 0,
    activeHolds: 100,
  };
  return {
    scenario: 'flash-sale',
    strategy,
    eventId: 'e1',
    requests: 1_000,
    durationSec: 1_000 / throughput,
    throughput,
    byStatus: { '201': 100, '409': 900 },
    latency: p(2),
    byOutcome: { won: p(5, 100), refused: p(1, 900), error: p(0, 0) },
    phases: [],
    pgQueries: 200,
    pgTransactions: 100,
    pgQueriesPerRequest: 0.2,
    pgQueriesPerSoldSeat: 2,
    pgServer: { transactions: 120, tuplesRead: 1, tuplesWritten: 2 },
    seatsSold: 100,
    seatsHeld: 0,
    capacity: 100,
    audit,
    mustSell: 100,
    violations: violations(audit),
    mustBeCorrect: strategy !== 'naive',
    timeLimitSec: 10,
    apiCpuUsPerRequest: strategy === 'admission' ? 120 : 300,
    redisCpuUsPerRequest: 20,
  };
}

test('percentiles use nearest rank and leave the input alone', () => {
  const samples = [5, 1, 4, 2, 3];
  assert.deepEqual(percentiles(samples), { count: 5, p50: 3, p95: 5, p99: 5, max: 5 });
  assert.deepEqual(samples, [5, 1, 4, 2, 3]);
  assert.equal(percentiles([]).p50, null);
});

test('goodput is owed by admission and pessimistic once every buyer was heard, and only then', () => {
  const heard = { stoppedByTimeLimit: false, transportErrors: 0 };
  assert.equal(seatsOwed({ mustSell: 299 }, 'admission', heard), 299);
  assert.equal(seatsOwed({ mustSell: 299 }, 'pessimistic', heard), 299);
  assert.equal(seatsOwed({ mustSell: 299 }, 'optimistic', heard), null);
  assert.equal(seatsOwed({ mustSell: 299 }, 'naive', heard), null);
  assert.equal(seatsOwed({ mustSell: 299 }, 'admission', { stoppedByTimeLimit: true, transportErrors: 0 }), null);
  assert.equal(seatsOwed({ mustSell: 299 }, 'admission', { stoppedByTimeLimit: false, transportErrors: 3 }), null);
  assert.equal(seatsOwed({}, 'admission', heard), null);
  assert.deepEqual(goodputViolations(299, 8), ['sold 8 of the 299 seats demanded']);
  assert.deepEqual(goodputViolations(299, 299), []);
  assert.deepEqual(goodputViolations(null, 0), []);
});

test('outcomes: 2xx won, 409 refused, anything else an error', () => {
  assert.deepEqual([201, 200, 409, 402, 500].map(outcomeOf), ['won', 'won', 'refused', 'error', 'error']);
});

test('the bar chart is one well-formed SVG with a bar a value and escaped labels', () => {
  const svg = renderBarChart({
    title: 'a < b',
    yLabel: 'ms',
    log: true,
    groups: ['x/admission', 'y/naive'],
    series: [
      { name: 'p50', values: [1, 100] },
      { name: 'p99', values: [null, 1_000] },
    ],
  });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal((svg.match(/<rect x=/g) ?? []).length, 3 + 2); // 3 bars + 2 legend swatches
  assert.ok(svg.includes('a &lt; b'));
});

test('the report writes results.json, the charts and a report.md that links them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stress-report-'));
  try {
    const runs = [run('admission', 0, 2_000), run('naive', 3, 500)];
    const baselines = {
      bareExpress: {
        label: 'bare-express',
        requests: 1,
        durationSec: 1,
        throughput: 4_000,
        byStatus: {},
        latency: p(1),
        byOutcome: { won: p(0, 0), refused: p(1), error: p(0, 0) },
        transportErrors: 0,
        timeouts: 0,
        stoppedByTimeLimit: false,
        cpuUsPerRequest: 60,
      },
      redisBenchmark: { clients: 50, requests: 1, requestsPerSec: 10_000, p50Ms: 1, p99Ms: 2 },
      notes: [],
    };
    const ratios = computeRatios(runs, baselines);
    assert.equal(ratios.throughputVsBareExpress['flash-sale/admission'], 0.5);
    assert.equal(ratios.apiCpuVsBareExpress['flash-sale/admission'], 2);
    assert.equal(ratios.apiCpuVsBareExpress['flash-sale/naive'], 5);
    assert.equal(ratios.admissionRefusedVsBareExpress, 900 / (1_000 / 2_000) / 4_000);
    const results: StressResults = {
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      runtimeSec: 60,
      quick: true,
      environment: { node: 'v24', cpus: 2, redisUrl: 'redis://x', databaseUrl: 'postgres://x' },
      scaling: ['scaled'],
      runs,
      baselines,
      ratios,
      failures: [],
    };
    const written = await writeStressReport(dir, results);
    const markdown = await readFile(written.markdown, 'utf8');
    for (const file of ['latency.svg', 'latency-by-outcome.svg', 'pg-queries.svg']) {
      assert.ok(markdown.includes(`](${file})`), `report links ${file}`);
      assert.ok((await readFile(join(dir, file), 'utf8')).startsWith('<svg'));
    }
    assert.match(markdown, /flash-sale\/naive .*\| caught \|/);
    assert.match(markdown, /flash-sale\/admission .*\| ok \|/);
    assert.match(markdown, /\| API µs\/req \| xExpr µs \|/);
    assert.match(markdown, /flash-sale\/admission \| 1000 \| 2000 \| 0\.50 \| 120\.0 \| 2\.00 \|/);
    assert.match(markdown, /bare Express POST .* 60\.0 µs CPU a request/);
    const json = JSON.parse(await readFile(written.json, 'utf8')) as StressResults;
    assert.equal(json.runs[1]?.audit.oversold, 3);
    assert.equal(json.runs[0]?.apiCpuUsPerRequest, 120);
    assert.equal(json.runs[0]?.redisCpuUsPerRequest, 20);
    assert.equal(json.baselines.bareExpress?.cpuUsPerRequest, 60);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a soak trend: flat through a GC sawtooth, growing with a leak, warm-up left out', () => {
  const minutes = Array.from({ length: 120 }, (_, i) => i / 10);
  // A sawtooth between 50 and 90 MB with a steep warm-up: flat.
  const sawtooth = minutes.map((minute, i) => ({ minute, value: minute < 2 ? 10 + minute * 20 : 50 + (i % 7) * 6 }));
  const flat = trendAfterWarmUp(sawtooth);
  assert.equal(flat.verdict, 'flat');
  assert.ok(flat.warmUpMinutes > 2, 'the first quarter is warm-up');
  // The same sawtooth on a floor that rises 5 MB a minute: growing.
  const leak = sawtooth.map((r) => ({ minute: r.minute, value: r.value + r.minute * 5 }));
  const growing = trendAfterWarmUp(leak);
  assert.equal(growing.verdict, 'growing');
  assert.ok(Math.abs(growing.slopePerMinute - 5) < 1, `slope ${growing.slopePerMinute} is about 5 MB/min`);
  assert.equal(trendAfterWarmUp([]).verdict, 'flat');
});
