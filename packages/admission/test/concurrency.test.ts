import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClaimGranted, Seat } from '@seatgrid/admission/gate';
import { allSeats, newGate, randomSeats, seatKey, seeded, uniqueEventId } from './support.ts';

test('300 concurrent buyers of one seat each on a 299-seat event: exactly 299 granted, no seat twice', async () => {
  const gate = newGate();
  const eventId = uniqueEventId('burst299');
  await gate.loadEvent({ eventId, rows: 13, cols: 23, holds: [] }); // 299 seats
  const results = await Promise.all(
    Array.from({ length: 300 }, (_, i) => gate.claimBestAvailable({ eventId, userId: `buyer-${i}`, quantity: 1 })),
  );
  const granted = results.filter((r): r is ClaimGranted => r.ok);
  assert.equal(granted.length, 299);
  assert.equal(new Set(granted.map((g) => seatKey(g.seats[0] as Seat))).size, 299);
  const refused = results.filter((r) => !r.ok);
  assert.deepEqual(
    refused.map((r) => !r.ok && r.reason),
    ['sold-out'],
  );
  assert.equal((await gate.counters(eventId)).available, 0);
});

test('10,000 concurrent claims of 1-4 random seats on a 10 x 10 event never overlap and the map agrees', async () => {
  const gate = newGate();
  const eventId = uniqueEventId('burst10k');
  await gate.loadEvent({ eventId, rows: 10, cols: 10, holds: [] });
  const random = seeded(0x2545f491);
  const requests = Array.from({ length: 10_000 }, (_, i) => ({
    userId: `u${i}`,
    seats: randomSeats(random, 10, 10, 4),
    mode: i % 2 === 0 ? ('book' as const) : ('hold' as const),
  }));
  const results = await Promise.all(requests.map((r) => gate.claimSeats({ eventId, ...r })));

  const owner = new Map<string, number>();
  results.forEach((result, i) => {
    if (!result.ok) return;
    const asked = requests[i]?.seats.map(seatKey).sort();
    assert.deepEqual(result.seats.map(seatKey).sort(), asked, 'a grant has exactly the seats asked for');
    for (const seat of result.seats) {
      assert.equal(owner.has(seatKey(seat)), false, `seat ${seatKey(seat)} granted twice`);
      owner.set(seatKey(seat), i);
    }
  });
  assert.ok(owner.size > 0);

  const map = await gate.seatMap(eventId);
  allSeats(10, 10).forEach((seat, index) => {
    const grantIndex = owner.get(seatKey(seat));
    const expected = grantIndex === undefined ? '.' : requests[grantIndex]?.mode === 'book' ? 'S' : 'H';
    assert.equal(map.states[index], expected, `seat ${seatKey(seat)}`);
  });
  assert.equal(map.available, 100 - owner.size);
  for (const result of results) {
    if (!result.ok) assert.ok(['seats-taken', 'sold-out'].includes(result.reason), result.reason);
  }
});
