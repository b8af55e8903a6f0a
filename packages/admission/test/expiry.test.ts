import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seatMapRows } from '@seatgrid/admission/gate';
import { connectRedis, newGate, uniqueEventId } from './support.ts';

const redis = connectRedis();
// These tests are about the exact expiry instant: no grace before the reap.
const gate = newGate({ expiryGraceMs: 0 }, redis);
const seat = { row: 1, col: 1 };

/** Waits (polling) until Redis's clock, the one that decides expiry, is past `at`. */
async function untilRedisClockPasses(at: Date): Promise<void> {
  for (;;) {
    const [seconds, micros] = await redis.time();
    if (Number(seconds) * 1000 + Number(micros) / 1000 > at.getTime()) return;
    await sleep(50);
  }
}

test('a hold with a 1 s TTL frees its seats with no worker running, and cannot be confirmed after', async () => {
  const eventId = uniqueEventId('expiry');
  await gate.loadEvent({ eventId, rows: 1, cols: 2, holds: [] });
  const hold = await gate.claimSeats({ eventId, userId: 'slow', seats: [seat], holdTtlMs: 1_000 });
  assert.ok(hold.ok && hold.expiresAt);
  const rival = await gate.claimSeats({ eventId, userId: 'rival', seats: [seat], mode: 'book' });
  assert.equal(!rival.ok && rival.reason, 'seats-taken', 'the hold blocks the seat while it lasts');

  await untilRedisClockPasses(hold.expiresAt);
  // No reap call, no sweeper: the claim itself reaps the expired hold.
  const late = await gate.claimSeats({ eventId, userId: 'rival', seats: [seat], mode: 'book' });
  assert.equal(late.ok, true);
  assert.deepEqual(await gate.confirm({ eventId, userId: 'slow', holdId: hold.holdId }), {
    ok: false,
    reason: 'hold-expired',
  });
});

test('a hold confirmed before expiry stays sold after its TTL', async () => {
  const eventId = uniqueEventId('confirm');
  await gate.loadEvent({ eventId, rows: 1, cols: 2, holds: [] });
  const hold = await gate.claimSeats({ eventId, userId: 'quick', seats: [seat], holdTtlMs: 1_000 });
  assert.ok(hold.ok && hold.expiresAt);
  assert.deepEqual(await gate.confirm({ eventId, userId: 'quick', holdId: hold.holdId }), {
    ok: true,
    alreadyConfirmed: false,
    seats: [seat],
  });
  await untilRedisClockPasses(hold.expiresAt);
  assert.deepEqual((await gate.reapExpired(eventId)).expired, []);
  assert.deepEqual(seatMapRows(await gate.seatMap(eventId)), ['S.']);
  const rival = await gate.claimSeats({ eventId, userId: 'rival', seats: [seat] });
  assert.equal(!rival.ok && rival.reason, 'seats-taken');
  const again = await gate.confirm({ eventId, userId: 'quick', holdId: hold.holdId });
  assert.equal(again.ok && again.alreadyConfirmed, true);
});

test('a backlog larger than one reap batch never blocks a seat', async () => {
  const eventId = uniqueEventId('backlog');
  const small = newGate({ reapBatchSize: 2, expiryGraceMs: 0 }, redis);
  await small.loadEvent({ eventId, rows: 1, cols: 30, holds: [] });
  const holds = await Promise.all(
    Array.from({ length: 30 }, (_, i) => small.claimSeats({ eventId, userId: `u${i}`, seats: [{ row: 1, col: i + 1 }], holdTtlMs: 1_000 })),
  );
  const lastExpiry = Math.max(...holds.map((h) => (h.ok && h.expiresAt ? h.expiresAt.getTime() : 0)));
  await untilRedisClockPasses(new Date(lastExpiry));

  // The 30th seat's hold is far beyond the first batch of 2: it is reaped on touch.
  const touched = await small.claimSeats({ eventId, userId: 'late', seats: [{ row: 1, col: 30 }], mode: 'book' });
  assert.equal(touched.ok, true);
  // Best-available reaps more rounds while it cannot be satisfied.
  const block = await small.claimBestAvailable({ eventId, userId: 'group', quantity: 10, mode: 'book' });
  assert.equal(block.ok, true);

  const reaped = await small.reapExpired(eventId);
  assert.ok(reaped.expired.length <= 2);
  assert.ok(reaped.expired.every((e) => e.seats.length === 1 && e.userId.startsWith('u')));
});

test('reapExpired says which holds it released', async () => {
  const eventId = uniqueEventId('reap');
  await gate.loadEvent({ eventId, rows: 2, cols: 2, holds: [] });
  const hold = await gate.claimSeats({
    eventId,
    userId: 'gone',
    seats: [
      { row: 2, col: 1 },
      { row: 2, col: 2 },
    ],
    holdTtlMs: 200,
  });
  assert.ok(hold.ok && hold.expiresAt);
  await untilRedisClockPasses(hold.expiresAt);
  const reaped = await gate.reapExpired(eventId);
  assert.deepEqual(reaped, {
    expired: [
      {
        holdId: hold.holdId,
        userId: 'gone',
        seats: [
          { row: 2, col: 1 },
          { row: 2, col: 2 },
        ],
      },
    ],
    moreDue: false,
  });
  assert.equal((await gate.counters(eventId)).available, 4);
  assert.deepEqual(await gate.release({ eventId, userId: 'gone', holdId: hold.holdId }), {
    ok: false,
    reason: 'hold-expired',
  });
});
