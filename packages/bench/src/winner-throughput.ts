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

const { values } = parseArgs({
  options: { winners: { type: 'string', default: '20000' }, 'in-flight': { type: 'string', default: '200' } },
});
const winners = Number(values.winners);
const inFlight = Number(values['in-flight']);
const cols = 1000;
const rows = Math.ceil(winners / cols);

async function measure(groupCommit: boolean): Promise<{ perSec: number; transactions: number }> {
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

const off = await measure(false);
const on = await measure(true);
console.log(`${winners} winners, ${inFlight} in flight, each answered after its PostgreSQL commit:`);
console.log(`  group commit off: ${Math.round(off.perSec).toLocaleString('en-US')} winners/s, ${off.transactions} transactions`);
console.log(`  group commit on:  ${Math.round(on.perSec).toLocaleString('en-US')} winners/s, ${on.transactions} transactions`);
console.log(`  ratio on/off: ${(on.perSec / off.perSec).toFixed(2)}x`);
