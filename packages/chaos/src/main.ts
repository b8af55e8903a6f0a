// A seeded chaos run: `node packages/chaos/src/main.ts --seed N --minutes M` (or `pnpm chaos`).
// Prints the seed first (a run without --seed draws one), each scenario as it ends, then the
// audit table and what the system did during each fault. Exits 1 when any scenario failed.
import { parseArgs } from 'node:util';
import { runChaos } from './chaos-run.ts';
import { auditTable, faultTable, findings } from './report.ts';
import { chaosSchedule } from './schedule.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    minutes: { type: 'string', default: '2' },
    scenarios: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: chaos [--seed N] [--minutes M] [--scenarios K]\n  the same seed replays the same schedule of faults, timings and workloads',
  );
  process.exit(0);
}

function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number, got ${text}`);
    process.exit(2);
  }
  return n;
}

const seed = wholeNumber('seed', values.seed) ?? Math.floor(Math.random() * 2 ** 31);
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`--minutes must be positive, got ${values.minutes}`);
  process.exit(2);
}
const scenarios = wholeNumber('scenarios', values.scenarios);
const schedule = chaosSchedule(seed, { minutes, ...(scenarios === undefined ? {} : { scenarios }) });
console.log(
  `chaos seed ${seed}: ${schedule.scenarios.length} scenarios (replay: node packages/chaos/src/main.ts --seed ${seed} --minutes ${minutes})`,
);

const started = Date.now();
const results = await runChaos(schedule, (result, index, planned) => {
  const verdict = result.violations.length === 0 ? 'ok' : `FAIL: ${result.violations.join('; ')}`;
  console.log(
    `${String(index + 1).padStart(3)}. ${result.fault.padEnd(22)} ${planned.workload.buyers} buyers on ${planned.grid.rows}x${planned.grid.cols}, ` +
      `fault at ${planned.faultAtMs} ms for ${planned.faultForMs} ms: ${verdict}`,
  );
});

console.log(`\nAudit (every count but requests and answers must be 0), ${((Date.now() - started) / 1_000).toFixed(0)} s:\n`);
console.log(auditTable(results));
console.log('\nDuring each fault (requests sent while it was on) and over the whole burst:\n');
console.log(faultTable(results));
console.log(`\nNotes and findings:\n${findings(results)}`);
const failed = results.filter((r) => r.violations.length > 0).length;
console.log(`\n${failed === 0 ? 'every scenario kept every invariant' : `${failed} of ${results.length} scenarios failed`} (seed ${seed})`);
process.exitCode = failed === 0 ? 0 : 1;
