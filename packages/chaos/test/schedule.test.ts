import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faults } from '../src/faults.ts';
import { chaosSchedule } from '../src/schedule.ts';
import { seededRandom } from '../src/seeded-random.ts';
import { defaultWorkload, planBuyers } from '../src/workload.ts';

test('the same seed gives the same schedule, and the same buyers in each scenario', () => {
  const first = chaosSchedule(20_261_125, { minutes: 5 });
  const again = chaosSchedule(20_261_125, { minutes: 5 });
  assert.deepEqual(again, first);
  assert.ok(first.scenarios.length >= 10, `5 minutes hold ${first.scenarios.length} scenarios`);
  const scenario = first.scenarios[3];
  assert.ok(scenario !== undefined);
  assert.deepEqual(
    planBuyers(scenario.workload, seededRandom(scenario.seed), scenario.grid),
    planBuyers(scenario.workload, seededRandom(scenario.seed), scenario.grid),
  );
});

test('another seed gives another schedule, drawn from every fault', () => {
  const a = chaosSchedule(1, { scenarios: 60 });
  const b = chaosSchedule(2, { scenarios: 60 });
  assert.notDeepEqual(a.scenarios, b.scenarios);
  const drawn = new Set([...a.scenarios, ...b.scenarios].map((s) => s.fault));
  assert.deepEqual([...drawn].sort(), faults.map((f) => f.name).sort());
});

test('every scheduled fault starts mid-burst and heals before the last buyers arrive', () => {
  for (const s of chaosSchedule(99, { scenarios: 50 }).scenarios) {
    assert.ok(s.faultAtMs > 0 && s.faultAtMs + s.faultForMs < s.workload.spreadMs, JSON.stringify(s));
    assert.ok(s.holdTtlSeconds >= 1 && s.holdTtlSeconds <= 2);
  }
});

test('buyer plans stay within the grid and the workload', () => {
  const plans = planBuyers({ ...defaultWorkload, buyers: 500 }, seededRandom(5), { rows: 3, cols: 4 });
  for (const plan of plans) {
    if (plan.seats !== undefined) {
      assert.ok(plan.seats.length >= 1 && plan.seats.length <= 4);
      for (const seat of plan.seats) assert.ok(seat.row >= 1 && seat.row <= 3 && seat.col >= 1 && seat.col <= 4, JSON.stringify(seat));
    } else {
      assert.ok(plan.quantity !== undefined && plan.quantity >= 1 && plan.quantity <= 4);
    }
  }
  assert.ok(plans.some((p) => p.kind === 'book') && plans.some((p) => p.kind === 'hold') && plans.some((p) => p.quantity !== undefined));
});
