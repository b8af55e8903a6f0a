// Winners/s through the admission strategy: every claim wins (distinct seats), so each one
// is written to PostgreSQL before it is answered. Run with group commit off (one
// transaction per winner) and on (winners of concurrent claims share transactions), in one
// run, on the same Redis and PostgreSQL:
//   pnpm --filter @seatgrid/bench winners [--winners N] [--in-flight N]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { openStoreView } from '@seatgrid/admission/testing';
import { createSeatGrid } from '@seatgrid/admission';
import { Registry } from 'prom-client';
import { optionsOrExitCode, runMain, wholeFlag } from './cli-entry.ts';

const USAGE = `usage: pnpm --filter @seatgrid/bench winners [--winners N] [--in-flight N]
  Winners a second through the admission strategy, each answered after its PostgreSQL commit,
  with group commit off and on, in one run.

  --winners N     claims, every one a winner on its own seat (default 20000, 1 to 1000000)
  --in-flight N   claims in flight at once (default 200, 1 to 10000)`;

function parseOptions(argv: readonly string[]): { winners: number; inFlight: number } | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      winners: { type: 'string' },
      'in-flight': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  return {
    winners: wholeFlag('winners', values.winners, 20_000, 1, 1_000_000),
    inFlight: wholeFlag('in-flight', values['in-flight'], 200, 1, 10_000),
  };
}

const cols = 1000;

async function measure(winners: number, inFlight: number, groupCommit: boolean): Promise<{ perSec: number; transactions: number }> {
  const rows = Math.ceil(winners / cols);
  const registry = new Registry();
  const grid = createSeatGrid({
    strategy: 'admission',
    database: { connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid', max: 10 },
    redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    metrics: { registry },
    groupCommit: { enabled: groupCommit },
    sweeper: false,
    reconciler: false,
  });
  await grid.migrate();
  const event = await grid.createEvent({ name: 'winners bench', rows, cols, holdTtlMs: 60_000 });
  await grid.seatMap(event.eventId); // hydrate before the clock starts
  const commits = async () => (await registry.getSingleMetric('seatgrid_pg_transactions_total')?.get())?.values[0]?.value ?? 0;
  const commitsBefore = await commits();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < winners; i = next++) {
        const result = await grid.claimSeats({
          eventId: event.eventId,
          userId: `w${i}`,
          seats: [{ row: Math.floor(i / cols) + 1, col: (i % cols) + 1 }],
          mode: 'book',
        });
        if (!result.ok) throw new Error(`claim ${i} refused: ${result.reason}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  const transactions = (await commits()) - commitsBefore;
  await grid.close();
  await removeEvent(event.eventId);
  return { perSec: winners / seconds, transactions };
}

async function removeEvent(eventId: string): Promise<void> {
  const store = openStoreView(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid');
  await store.db.deleteFrom('events').where('id', '=', eventId).execute();
  await store.close();
}

async function main(argv: readonly string[]): Promise<number> {
  const options = optionsOrExitCode(() => parseOptions(argv), USAGE);
  if (typeof options === 'number') return options;
  const { winners, inFlight } = options;
  const off = await measure(winners, inFlight, false);
  const on = await measure(winners, inFlight, true);
  console.log(`${winners} winners, ${inFlight} in flight, each answered after its PostgreSQL commit:`);
  console.log(`  group commit off: ${Math.round(off.perSec).toLocaleString('en-US')} winners/s, ${off.transactions} transactions`);
  console.log(`  group commit on:  ${Math.round(on.perSec).toLocaleString('en-US')} winners/s, ${on.transactions} transactions`);
  console.log(`  ratio on/off: ${(on.perSec / off.perSec).toFixed(2)}x`);
  return 0;
}

runMain('winners', () => main(process.argv.slice(2)));
