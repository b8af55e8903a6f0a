import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seatMapRows } from '@seatgrid/admission';
import { connectRedis, newAdmission, uniqueEventId } from './support.ts';

const admission = newAdmission();
const a1 = { row: 1, col: 1 };
const a2 = { row: 1, col: 2 };

test('only the owner can confirm, release or cancel; a stranger learns nothing', async () => {
  const eventId = uniqueEventId('owner');
  await admission.createEvent({ eventId, rows: 1, cols: 2 });
  const hold = await admission.claimSeats({ eventId, userId: 'owner', seats: [a1, a2] });
  assert.ok(hold.ok);
  const stranger = { eventId, userId: 'stranger', holdId: hold.holdId };
  const notFound = { ok: false, reason: 'hold-not-found' };
  assert.deepEqual(await admission.confirm(stranger), notFound);
  assert.deepEqual(await admission.release(stranger), notFound);
  assert.deepEqual(await admission.cancel(stranger), notFound);
  assert.deepEqual(await admission.confirm({ eventId, userId: 'owner', holdId: 'no-such-hold' }), notFound);
  assert.deepEqual(seatMapRows(await admission.seatMap(eventId)), ['HH']);
});

test('release frees a hold, cancel frees a booking, and neither does the other one', async () => {
  const eventId = uniqueEventId('free');
  await admission.createEvent({ eventId, rows: 1, cols: 2 });
  const hold = await admission.claimSeats({ eventId, userId: 'u', seats: [a1] });
  const booking = await admission.claimSeats({ eventId, userId: 'u', seats: [a2], mode: 'book' });
  assert.ok(hold.ok && booking.ok);
  assert.equal(booking.status, 'sold');
  assert.equal(booking.expiresAt, null);
  const holdRef = { eventId, userId: 'u', holdId: hold.holdId };
  const bookingRef = { eventId, userId: 'u', holdId: booking.holdId };

  assert.deepEqual(await admission.cancel(holdRef), { ok: false, reason: 'wrong-state', status: 'held' });
  assert.deepEqual(await admission.release(bookingRef), { ok: false, reason: 'wrong-state', status: 'sold' });
  assert.deepEqual(await admission.release(holdRef), { ok: true, seats: [a1] });
  assert.deepEqual(await admission.cancel(bookingRef), { ok: true, seats: [a2] });
  assert.deepEqual(await admission.release(holdRef), { ok: false, reason: 'hold-not-found' });
  assert.equal((await admission.seatMap(eventId)).states, '..');
});

test('the per-user limit counts held and bought seats, atomically under concurrency', async () => {
  const eventId = uniqueEventId('limit');
  await admission.createEvent({ eventId, rows: 5, cols: 10, maxSeatsPerUser: 4 });
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      admission.claimBestAvailable({ eventId, userId: 'greedy', quantity: 1 + (i % 3), mode: i % 2 ? 'book' : 'hold' }),
    ),
  );
  const seats = results.reduce((sum, r) => sum + (r.ok ? r.seats.length : 0), 0);
  assert.ok(seats <= 4 && seats >= 2, `greedy got ${seats} seats`);
  const refusal = results.find((r) => !r.ok);
  assert.equal(refusal && !refusal.ok && refusal.reason, 'user-limit');
  assert.equal((await admission.counters(eventId)).available, 50 - seats);

  const first = results.find((r) => r.ok && r.status === 'held');
  if (first?.ok) {
    await admission.release({ eventId, userId: 'greedy', holdId: first.holdId });
    const after = await admission.claimBestAvailable({ eventId, userId: 'greedy', quantity: first.seats.length });
    assert.equal(after.ok, true, 'released seats count no more against the limit');
  }
});

test('sold-out answers come from the in-process cache with no round trip, until this process releases', async () => {
  const redis = connectRedis();
  const cached = newAdmission({ soldOutCacheMs: 60_000 }, redis);
  const eventId = uniqueEventId('cache');
  await cached.createEvent({ eventId, rows: 1, cols: 1 });
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
