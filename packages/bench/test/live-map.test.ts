import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIVE_MAP_NOTES, liveMapLines } from '../src/stress/live-map-report.ts';
import { renderStressMarkdown } from '../src/stress/report.ts';
import { computeRatios, type StressResults } from '../src/stress/results.ts';
import type { RunResult } from '../src/stress/run-scenario.ts';
import { scenarios } from '../src/stress/scenarios.ts';
import { type StreamFigures, streamViolations } from '../src/stress/stream-figures.ts';

const p = (ms: number, count = 10) => ({ count, p50: ms, p95: ms * 2, p99: ms * 3, max: ms * 4 });

const figures: StreamFigures = {
  clients: 500,
  connectMs: 180,
  claimsTimed: 375,
  commitToLastClientMs: p(-20, 375),
  commitToFirstClientMs: p(-70, 375),
  firstToLastClientMs: p(40, 375),
  missed: 0,
  dropped: 0,
  behind: 0,
  mismatched: 0,
  messages: 187_500,
  snapshots: 500,
  apiCpuUsPerRequestWithout: 150,
  apiCpuUsPerRequestWith: 306,
  apiCpuUsPerClientChange: 4.16,
  baselineRequests: 5_000,
};

test('live-map: 500 clients (100 in --quick), the admission strategy only, an audited flash sale', () => {
  for (const [quick, clients] of [
    [false, 500],
    [true, 100],
  ] as const) {
    const liveMap = scenarios({ quick }).find((s) => s.name === 'live-map');
    assert.ok(liveMap !== undefined);
    assert.equal(liveMap.streams, clients);
    assert.deepEqual(liveMap.strategies, ['admission']);
    assert.equal(liveMap.endpoint, 'bookings');
    assert.ok(liveMap.buyers > liveMap.rows * liveMap.cols, 'demand exceeds supply');
  }
  // No other scenario has streams; those that run on every strategy are the ones without a driver.
  for (const scenario of scenarios({ quick: false }).filter((s) => s.name !== 'live-map')) {
    assert.equal(scenario.streams, undefined, scenario.name);
    assert.deepEqual(scenario.strategies, scenario.driver === undefined ? undefined : ['admission'], scenario.name);
  }
});

test("the stream's invariants: clients that kept up end with the API's map and saw every sale; dropped ones are only reported", () => {
  assert.deepEqual(streamViolations(figures), []);
  assert.deepEqual(streamViolations({ ...figures, dropped: 3 }), []);
  assert.deepEqual(streamViolations({ ...figures, mismatched: 2, behind: 1, missed: 4 }), [
    "2 stream clients' maps differ from the API's",
    '1 stream clients never caught up',
    '4 sales unseen by a stream client',
  ]);
});

const audit = {
  oversold: 0,
  doubleBooked: 0,
  leaked: 0,
  partial: 0,
  staleRows: 0,
  redisMatchesPg: true,
  seatsSold: 500,
  seatsHeld: 0,
  activeHolds: 375,
};
const run: RunResult = {
  scenario: 'live-map',
  strategy: 'admission',
  eventId: 'e1',
  requests: 5_000,
  durationSec: 2,
  throughput: 2_500,
  byStatus: { '201': 375, '409': 4_625 },
  latency: p(30),
  byOutcome: { won: p(40, 375), refused: p(20, 4_625), error: p(0, 0) },
  phases: [],
  pgQueries: 500,
  pgTransactions: 100,
  pgQueriesPerRequest: 0.1,
  pgQueriesPerSoldSeat: 1,
  pgServer: { transactions: 120, tuplesRead: 1, tuplesWritten: 2 },
  seatsSold: 500,
  seatsHeld: 0,
  capacity: 500,
  audit,
  mustSell: null,
  violations: [],
  mustBeCorrect: true,
  timeLimitSec: 12,
  apiCpuUsPerRequest: 306,
  redisCpuUsPerRequest: 20,
  streams: figures,
};

test('the report shows the fan-out times and the CPU with and without streams', () => {
  const { streams: _, ...withoutStreams } = run;
  const lines = liveMapLines([run, withoutStreams]);
  assert.equal(lines.length, 6, 'one block for the one run with streams');
  assert.match(lines[0] ?? '', /^live-map\/admission: 500 SSE clients, connected .* in 180 ms; 187500 change messages and 500 snapshots/);
  assert.equal(lines[1], "  claim's 201 -> last client sees it: p50 -20.0 ms, p99 -60.0 ms, max -80.0 ms (375 claims)");
  assert.match(
    lines[4] ?? '',
    /150\.0 µs without streams \(5000 requests.*306\.0 µs with them \(\+156\.0 µs\); 4\.16 µs a client a change/,
  );

  const results = {
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T00:00:10.000Z',
    runtimeSec: 10,
    quick: false,
    environment: { node: 'v24', cpus: 2, redisUrl: 'redis://x', databaseUrl: 'postgres://x' },
    scaling: [],
    runs: [],
    baselines: { bareExpress: null, redisBenchmark: null, notes: [] },
    ratios: computeRatios([], { bareExpress: null, redisBenchmark: null, notes: [] }),
    failures: [],
  } satisfies StressResults;
  assert.doesNotMatch(renderStressMarkdown(results, []), /Live seat map/, 'no section without a live-map run');
  const markdown = renderStressMarkdown({ ...results, runs: [run] }, []);
  assert.match(markdown, /## Live seat map \(Server-Sent Events\)/);
  for (const note of LIVE_MAP_NOTES) assert.ok(markdown.includes(note));
});
