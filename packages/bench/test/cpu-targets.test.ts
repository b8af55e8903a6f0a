import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CPU_TARGETS, cpuVerdict, describeVerdict, type RowName } from '../src/hot-path/cpu-targets.ts';
import type { RowMeasurement } from '../src/hot-path/measure-row.ts';
import { combineRounds, median } from '../src/hot-path/combine-rounds.ts';
import { rowFailures, rowsTable } from '../src/hot-path/report.ts';
import { renderText } from '../src/text-table.ts';

const p = (ms: number) => ({ count: 10, p50: ms, p95: ms, p99: ms * 2, max: ms * 3 });

function row(name: RowName, cpuUsPerRequest: number | null, extra: Partial<RowMeasurement> = {}): RowMeasurement {
  return {
    name,
    description: name,
    expectedStatus: name === 'granted-hold' ? 201 : 409,
    requests: 1_000,
    won: name === 'granted-hold' ? 1_000 : 0,
    durationSec: 0.1,
    throughput: 10_000,
    latency: p(5),
    byStatus: { [name === 'granted-hold' ? '201' : '409']: 1_000 },
    errors: 0,
    problems: [],
    cpuUsPerRequest,
    redisCpuUsPerRequest: 20,
    redisScriptCallsPerRequest: 1,
    redisUsPerScriptCall: 12.5,
    windowUs: { startUs: 0, endUs: 100_000 },
    ...extra,
  };
}

test("the CPU targets are the API's: sold-out 1.15x, seats-taken 1.4x, granted hold 3x a bare Express route", () => {
  assert.deepEqual(CPU_TARGETS, { 'sold-out': 1.15, 'seats-taken': 1.4, 'granted-hold': 3 });
});

test("a verdict: the ratio to bare Express against the row's target, at most the target is met", () => {
  assert.deepEqual(cpuVerdict('sold-out', 58.6, 58.6), { ratio: 1, target: 1.15, met: true });
  assert.deepEqual(cpuVerdict('sold-out', 96, 60), { ratio: 1.6, target: 1.15, met: false });
  assert.equal(cpuVerdict('sold-out', 115, 100).met, true, 'exactly on the target is met');
  assert.equal(cpuVerdict('seats-taken', 140.1, 100).met, false);
  assert.equal(cpuVerdict('granted-hold', 299, 100).met, true);
  assert.deepEqual(cpuVerdict('bare-express', 58.6, 58.6), { ratio: 1, target: null, met: null });
  assert.deepEqual(cpuVerdict('express-redis-call', 87.9, 58.6), { ratio: 1.5, target: null, met: null }, 'the floor row is a baseline');
  assert.deepEqual(cpuVerdict('seats-taken', null, 58.6), { ratio: null, target: 1.4, met: null });
  assert.deepEqual(cpuVerdict('seats-taken', 100, 0), { ratio: null, target: 1.4, met: null });
  assert.deepEqual(describeVerdict(cpuVerdict('seats-taken', 119.6, 58.6)), { target: '<= 1.4x', met: 'NO' });
  assert.deepEqual(describeVerdict(cpuVerdict('bare-express', 1, 1)), { target: '-', met: '-' });
});

test('rows are judged against the bare Express row of the same run, and printed with the verdicts', () => {
  const judged = combineRounds([[row('bare-express', 60), row('sold-out', 66), row('seats-taken', 90), row('granted-hold', 200)]]);
  assert.deepEqual(
    judged.map((r) => r.verdict.met),
    [null, true, false, false],
  );
  assert.deepEqual(
    judged.map((r) => r.verdict.ratio),
    [1, 1.1, 1.5, 200 / 60],
  );
  const text = renderText(rowsTable(judged));
  assert.match(text, /^sold-out +1000 +10000 +5\.0 +10\.0 +66\.0 +1\.10x +1\.10-1\.10x +<= 1\.15x +yes +20\.0 +1\.00 +12\.5 +0$/m);
  assert.match(text, /^seats-taken .* 1\.50x +1\.50-1\.50x +<= 1\.4x +NO /m);
  assert.deepEqual(
    combineRounds([[row('sold-out', 66)]]).map((r) => r.verdict.ratio),
    [null],
    'no baseline, no ratio',
  );
});

test("over rounds: each ratio against its own round's baseline, the median judged, the range shown", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
  // The machine is slower in round 2: a ratio across rounds (99/60) would miss the target, per round none does.
  const [bare, soldOut] = combineRounds([
    [row('bare-express', 60), row('sold-out', 66)],
    [row('bare-express', 90), row('sold-out', 99, { errors: 2, byStatus: { '409': 998, '500': 2 } })],
    [row('bare-express', 70), row('sold-out', 84)],
  ]);
  assert.deepEqual(bare?.verdict, { ratio: 1, target: null, met: null });
  assert.ok(soldOut !== undefined);
  assert.deepEqual(
    soldOut.rounds.map((r) => r.ratio),
    [1.1, 1.1, 1.2],
  );
  assert.deepEqual(soldOut.verdict, { ratio: 1.1, target: 1.15, met: true });
  assert.deepEqual(soldOut.ratioRange, { min: 1.1, max: 1.2 });
  assert.equal(soldOut.cpuUsPerRequest, 84, 'the median CPU a request');
  assert.equal(soldOut.requests, 3_000);
  assert.deepEqual(soldOut.byStatus, { '409': 2_998, '500': 2 });
  assert.equal(soldOut.errors, 2);
});

test('an answer with another status or a failed check is an error of its row', () => {
  const clean = [row('bare-express', 60), row('granted-hold', 200)];
  assert.deepEqual(rowFailures(clean), []);
  const failed = rowFailures([
    row('sold-out', 70, { errors: 3, byStatus: { '409': 997, '500': 3 } }),
    row('granted-hold', 200, { problems: ['1000 holds granted but 999 active in PostgreSQL'] }),
  ]);
  assert.deepEqual(failed, [
    'sold-out: 3 answers other than 409 ({"409":997,"500":3})',
    'granted-hold: 1000 holds granted but 999 active in PostgreSQL',
  ]);
});
