import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seatMapRows } from '@seatgrid/admission/gate';
import { connectRedis, newGate, uniqueEventId } from './support.ts';

const gate = newGate();
const a1 = { row: 1, col: 1 };
const a2 = { row: 1, col: 2 };

test('only the owner can confirm, release or cancel; a stranger learns nothing', async () => {
  const eventId = uniqueEventId('owner');
  await gate.loadEvent({ eventId, rows: 1, cols: 2, holds: [] });
  const hold = await gate.claimSeats({ eventId, userId: 'owner', seats: [a1, a2] });
  assert.ok(hold.ok);
  const stranger = { eventId, userId: 'stranger', holdId: hold.holdId };
  const notFound = { ok: false, reason: 'hold-not-found' };
  assert.deepEqual(await gate.confirm(stranger), notFound);
  assert.deepEqual(await gate.release(stranger), notFound);
  assert.deepEqual(await gate.cancel(stranger), notFound);
  assert.deepEqual(await gate.confirm({ eventId, userId: 'owner', holdId: 'no-such-hold' }), notFound);
  assert.deepEqual(seatMapRows(await gate.seatMap(eventId)), ['HH']);
});

test('release frees a hold, cancel frees a booking, and neither does the other one', async () => {
  const eventId = uniqueEventId('free');
  await gate.loadEvent({ eventId, rows: 1, cols: 2, holds: [] });
  const hold = await gate.claimSeats({ eventId, userId: 'u', seats: [a1] });
  const booking = await gate.claimSeats({ eventId, userId: 'u', seats: [a2], mode: 'book' });
  assert.ok(hold.ok && booking.ok);
  assert.equal(booking.status, 'sold');
  assert.equal(booking.expiresAt, null);
  const holdRef = { eventId, userId: 'u', holdId: hold.holdId };
  const bookingRef = { eventId, userId: 'u', holdId: booking.holdId };

  assert.deepEqual(await gate.cancel(holdRef), { ok: false, reason: 'wrong-state', status: 'held' });
  assert.deepEqual(await gate.release(bookingRef), { ok: false, reason: 'wrong-state', status: 'sold' });
  assert.deepEqual(await gate.release(holdRef), { ok: true, seats: [a1] });
  assert.deepEqual(await gate.cancel(bookingRef), { ok: true, seats: [a2] });
  assert.deepEqual(await gate.release(holdRef), { ok: false, reason: 'hold-not-found' });
  assert.equal((await gate.seatMap(eventId)).states, '..');
});

test('the per-user limit counts held and bought seats, atomically under concurrency', async () => {
  const eventId = uniqueEventId('limit');
  await gate.loadEvent({ eventId, rows: 5, cols: 10, maxSeatsPerUser: 4, holds: [] });
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      gate.claimBestAvailable({ eventId, userId: 'greedy', quantity: 1 + (i % 3), mode: i % 2 ? 'book' : 'hold' }),
    ),
  );
  const seats = results.reduce((sum, r) => sum + (r.ok ? r.seats.length : 0), 0);
  assert.ok(seats <= 4 && seats >= 2, `greedy got ${seats} seats`);
  const refusal = results.find((r) => !r.ok);
  assert.equal(refusal && !refusal.ok && refusal.reason, 'user-limit');
  assert.equal((await gate.counters(eventId)).available, 50 - seats);

  const first = results.find((r) => r.ok && r.status === 'held');
  if (first?.ok) {
    await gate.release({ eventId, userId: 'greedy', holdId: first.holdId });
    const after = await gate.claimBestAvailable({ eventId, userId: 'greedy', quantity: first.seats.length });
    assert.equal(after.ok, true, 'released seats count no more against the limit');
  }
});

test('sold-out answers come from the in-process cache with no round trip, until this process releases', async () => {
  const redis = connectRedis();
  const cached = newGate({ soldOutCacheMs: 60_000 }, redis);
  const eventId = uniqueEventId('cache');
  await cached.loadEvent({ eventId, rows: 1, cols: 1, holds: [] });
  const sale = await cached.claimSeats({ eventId, userId: 'first', seats: [a1], mode: 'book' });
  assert.ok(sale.ok);
  const fromRedis = await cached.claimBestAvailable({ eventId, userId: 'second', quantity: 1 });
  assert.deepEqual(fromRedis, { ok: false, reason: 'sold-out', replayed: false, cached: false });

  // With the connection closed, anything that needed Redis would fail: these answers need none.
  const closed = new Promise((resolve) => redis.once('end', resolve));
  redis.disconnect();
  await closed;
  const fromCache = await Promise.all(
    Array.from({ length: 100 }, (_, i) => cached.claimSeats({ eventId, userId: `late${i}`, seats: [a1] })),
  );
  assert.ok(fromCache.every((r) => !r.ok && r.reason === 'sold-out' && r.cached));
  await redis.connect();

  assert.equal((await cached.cancel({ eventId, userId: 'first', holdId: sale.holdId })).ok, true);
  const afterRelease = await cached.claimSeats({ eventId, userId: 'third', seats: [a1] });
  assert.equal(afterRelease.ok, true, 'this process’s own release cleared the cache');
});
