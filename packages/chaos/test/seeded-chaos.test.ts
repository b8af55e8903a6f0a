import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from '../src/chaos-run.ts';
import { auditTable } from '../src/report.ts';
import { chaosSchedule } from '../src/schedule.ts';
import { summary } from './support.ts';

// A short seeded run, as CI's taste of `pnpm chaos`. CI keeps one schedule (a red run must be
// the code's doing, not the draw's); CHAOS_SEED=<n> replays another, CHAOS_SEED=random draws
// one. `pnpm chaos` draws a new seed each run to explore.
const CI_SEED = 2026;

test('a short seeded chaos run keeps every invariant', async (t) => {
  const wanted = process.env.CHAOS_SEED;
  const seed = wanted === undefined ? CI_SEED : wanted === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(wanted);
  t.diagnostic(`seed ${seed} (replay: node packages/chaos/src/main.ts --seed ${seed} --scenarios 3)`);
  const schedule = chaosSchedule(seed, { scenarios: 3 });
  const results = await runChaos(schedule);
  for (const result of results) t.diagnostic(summary(result));
  for (const line of auditTable(results).split('\n')) t.diagnostic(line);
  assert.equal(results.length, 3);
  assert.deepEqual(
    results.flatMap((r) => r.violations.map((v) => `${r.fault}: ${v}`)),
    [],
    `seed ${seed} broke invariants`,
  );
});
