import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { AdmissionSeatGrid, BestAvailableClaim, ClaimResult, SeatClaim } from '@seatgrid/admission';
import { admissionGrid, connectRedis, startPrivateRedis, testDatabase, uniqueEventId } from './support.ts';

// One Idempotency-Key, one answer, whichever path serves which try: the gate (Redis) or the
// fallback (PostgreSQL, while the breaker is open). Each first try's answer lives in
// PostgreSQL, where a retry on the other path finds it.

const grid = await admissionGrid({ breaker: { resetTimeoutMs: 60_000 } });

async function holdsOf(eventId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from seatgrid.holds where event_id = ${eventId} order by id`.execute(testDatabase());
  return rows.map((row) => row.id);
}

type Claim = (grid: AdmissionSeatGrid, eventId: string) => Promise<ClaimResult>;
const claims: Record<string, Claim> = {
  'specific seats': (g, eventId) =>
    g.claimSeats({ eventId, userId: 'fan', seats: [{ row: 1, col: 2 }], idempotencyKey: 'order-7' } satisfies SeatClaim),
  'best available': (g, eventId) =>
    g.claimBestAvailable({ eventId, userId: 'fan', quantity: 2, idempotencyKey: 'order-7' } satisfies BestAvailableClaim),
};

async function newLiveEvent(): Promise<string> {
  const event = await grid.createEvent({ eventId: uniqueEventId('two-path'), name: 'two paths', rows: 2, cols: 4, holdTtlMs: 60_000 });
  await grid.seatMap(event.eventId); // loaded in Redis, as a live event is
  return event.eventId;
}

for (const [kind, claim] of Object.entries(claims)) {
  test(`${kind}: first try through the fallback, retry through the gate: the same hold, one hold in PostgreSQL`, async () => {
    const eventId = await newLiveEvent();
    grid.breaker.open();
    const first = await claim(grid, eventId);
    assert.ok(first.ok && !first.replayed, `the fallback granted it: ${JSON.stringify(first)}`);
    grid.breaker.close();
    const retry = await claim(grid, eventId);
    assert.deepEqual(retry, { ...first, replayed: true });
    assert.deepEqual(await holdsOf(eventId), [first.holdId]);
    assert.equal((await grid.audit(eventId)).activeHolds, 1);
  });

  test(`${kind}: first try through the gate, retry with the breaker open: PostgreSQL replays the stored answer`, async () => {
    const eventId = await newLiveEvent();
    const first = await claim(grid, eventId);
    assert.ok(first.ok && !first.replayed, `the gate granted it: ${JSON.stringify(first)}`);
    grid.breaker.open();
    try {
      const retry = await claim(grid, eventId);
      assert.deepEqual(retry, { ...first, replayed: true });
    } finally {
      grid.breaker.close();
    }
    assert.deepEqual(await holdsOf(eventId), [first.holdId]);
    assert.equal((await grid.audit(eventId)).activeHolds, 1);
  });
}

test('a refusal given on the fallback is the answer the gate replays too, even once the seat is free', async () => {
  const eventId = await newLiveEvent();
  const other = await grid.claimSeats({ eventId, userId: 'other', seats: [{ row: 1, col: 2 }] });
  assert.ok(other.ok);
  grid.breaker.open();
  const first = await claims['specific seats']!(grid, eventId);
  assert.deepEqual(first, { ok: false, reason: 'seats-taken', takenSeats: [{ row: 1, col: 2 }], replayed: false });
  grid.breaker.close();
  assert.equal((await grid.release({ eventId, userId: 'other', holdId: other.holdId })).ok, true);
  assert.deepEqual(await claims['specific seats']!(grid, eventId), { ...first, replayed: true });
  assert.deepEqual(await holdsOf(eventId), [other.holdId]);
});

test('after Redis lost everything (FLUSHALL), a retry still replays its durable grant', async () => {
  const server = await startPrivateRedis();
  const alone = await admissionGrid({ redis: connectRedis({ url: server.url }) });
  const event = await alone.createEvent({ eventId: uniqueEventId('flushed'), name: 'flushed', rows: 2, cols: 4, holdTtlMs: 60_000 });
  const first = await claims['specific seats']!(alone, event.eventId);
  assert.ok(first.ok && !first.replayed);
  await connectRedis({ url: server.url }).flushall();
  assert.deepEqual(await claims['specific seats']!(alone, event.eventId), { ...first, replayed: true });
  assert.deepEqual(await holdsOf(event.eventId), [first.holdId]);
});
