import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { ClaimGranted, Database, PostgresSeatGrid } from '@seatgrid/admission';
import { openKysely, postgresGrid, privateDatabase, uniqueEventId } from './support.ts';

// A sweeper serves its whole schema: these tests run in a database of their own, so no other
// process's sweeper takes their holds. No grace: the sweeps are about the exact expiry instant.
const url = await privateDatabase('sweep');
const db = openKysely({ url, max: 2 }).withSchema('seatgrid');
const gridIn = (max: number) =>
  postgresGrid('optimistic', { database: { connectionString: url, max }, gate: { expiryGraceMs: 0 }, sweeper: { batch: 25 } });
/** Three instances, each with its own sweeper: their sweeps run at once. */
const sweepers: PostgresSeatGrid[] = [await gridIn(2), await gridIn(2), await gridIn(2)];

/** Polls PostgreSQL's clock (the one the sweeper uses) until it is past `at`. */
async function untilDatabaseClockPasses(db: Kysely<Database>, at: Date): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
    if ((rows[0]?.now.getTime() ?? 0) > at.getTime()) return;
    await sleep(50);
  }
}

async function heldSeats(count: number) {
  const grid = await gridIn(5);
  const event = await grid.createEvent({ eventId: uniqueEventId('sweep'), name: 'sweep', rows: 1, cols: count, holdTtlMs: 60_000 });
  const holds = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      grid.claimSeats({ eventId: event.eventId, userId: `u${i}`, seats: [{ row: 1, col: i + 1 }], holdTtlMs: 1_000 }),
    ),
  );
  const granted = holds.filter((h): h is ClaimGranted => h.ok);
  assert.equal(granted.length, count);
  const lastExpiry = Math.max(...granted.map((h) => h.expiresAt?.getTime() ?? 0));
  return { grid, event, holds: granted, lastExpiry: new Date(lastExpiry) };
}

test('concurrent sweepers expire every due hold exactly once and free its seats', async () => {
  const { event, holds, lastExpiry } = await heldSeats(60);
  await untilDatabaseClockPasses(db, lastExpiry);
  // Sweep in concurrent rounds until nothing is due.
  const expired = [];
  for (;;) {
    const round = (await Promise.all(sweepers.map((sweeper) => sweeper.sweepOnce()))).flat();
    if (round.length === 0) break;
    expired.push(...round.filter((row) => row.eventId === event.eventId));
  }
  const ids = expired.map((row) => row.holdId).sort();
  assert.deepEqual(ids, holds.map((h) => h.holdId).sort(), 'each hold expired once, none twice');
  const seats = await db.selectFrom('seats').select('state').where('event_id', '=', event.eventId).execute();
  assert.ok(seats.every((seat) => seat.state === 'free'));
});

test('a confirm racing the sweeper at the expiry boundary: exactly one of them wins each hold', async () => {
  while ((await sweepers[0]?.sweepOnce())?.length) {} // nothing else due: the race is about these holds
  const { grid, event, holds, lastExpiry } = await heldSeats(40);
  await untilDatabaseClockPasses(db, lastExpiry);
  const [confirms, ...sweeps] = await Promise.all([
    Promise.all(holds.map((hold, i) => grid.confirm({ eventId: event.eventId, userId: `u${i}`, holdId: hold.holdId }))),
    ...sweepers.map((sweeper) => sweeper.sweepOnce()),
  ]);
  const swept = new Set(sweeps.flat().map((row) => row.holdId));
  const rows = await db.selectFrom('holds').select(['id', 'status']).where('event_id', '=', event.eventId).execute();
  const seats = await db.selectFrom('seats').select(['seat_index', 'state', 'hold_id']).where('event_id', '=', event.eventId).execute();
  holds.forEach((hold, i) => {
    const status = rows.find((row) => row.id === hold.holdId)?.status;
    const confirmed = confirms[i]?.ok === true;
    assert.equal(confirmed && swept.has(hold.holdId), false, `hold ${i} both confirmed and swept`);
    if (confirmed) {
      assert.equal(status, 'confirmed');
      assert.deepEqual(
        seats.find((s) => s.seat_index === i),
        { seat_index: i, state: 'sold', hold_id: hold.holdId },
      );
    } else {
      assert.equal(status, 'expired');
    }
  });
});
