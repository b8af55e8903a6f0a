/**
 * The waitlist through the admission strategy, on real Redis and PostgreSQL: arrival order
 * under concurrent joins, freed seats offered strictly in that order and never to anyone else
 * while a waiter is owed them (whatever the claim: by name or by quantity, hold or sale, with
 * or without a key, through the gate or its PostgreSQL fallback), offers that expire or are
 * declined passing on, leaving, and the waitlist surviving a Redis that lost everything.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { AdmissionSeatGrid, ClaimResult, WaitlistEntry } from '@seatgrid/admission';
import { Redis } from 'ioredis';
import { admissionGrid, connectRedis, eventually, startPrivateRedis, uniqueEventId } from './support.ts';

const grid = await admissionGrid();

/** A 1 × cols event whose every seat is sold to `seller`, one booking a seat (so each can be cancelled alone). */
async function soldOutEvent(
  on: AdmissionSeatGrid,
  cols: number,
  options: { waitlistOfferMs?: number; maxSeatsPerUser?: number } = {},
): Promise<{ eventId: string; bookings: string[] }> {
  const { eventId } = await on.createEvent({
    eventId: uniqueEventId('wl'),
    name: 'Waitlist',
    rows: 1,
    cols,
    holdTtlMs: 60_000,
    ...options,
  });
  const bookings: string[] = [];
  for (let col = 1; col <= cols; col++) {
    const sold = await on.claimSeats({ eventId, userId: `seller-${col}`, seats: [{ row: 1, col }], mode: 'book' });
    assert.ok(sold.ok);
    bookings.push(sold.holdId);
  }
  return { eventId, bookings };
}

async function cancelBooking(on: AdmissionSeatGrid, eventId: string, bookings: string[], index: number): Promise<void> {
  const cancelled = await on.cancel({ eventId, userId: `seller-${index + 1}`, holdId: bookings[index] as string });
  assert.ok(cancelled.ok, JSON.stringify(cancelled));
}

async function join(on: AdmissionSeatGrid, eventId: string, userId: string, quantity = 1) {
  const joined = await on.joinWaitlist({ eventId, userId, quantity });
  assert.ok(joined.ok, JSON.stringify(joined));
  return joined;
}

async function entry(on: AdmissionSeatGrid, entryId: string): Promise<WaitlistEntry> {
  const found = await on.findWaitlistEntry(entryId);
  assert.ok(found !== undefined, `entry ${entryId}`);
  return found;
}

/** Polls until the entry (as PostgreSQL has it: the offers are written there after the gate makes them) has `status`. */
async function entryBecomes(on: AdmissionSeatGrid, entryId: string, status: WaitlistEntry['status']): Promise<WaitlistEntry> {
  let last: WaitlistEntry | undefined;
  await eventually(async () => {
    last = await on.findWaitlistEntry(entryId);
    return last?.status === status;
  }, 10_000).catch(() => assert.fail(`entry ${entryId} is ${last?.status}, never ${status}`));
  return last as WaitlistEntry;
}

/** Every way a buyer who is not owed the seats might try to take them: each must be refused. */
async function strangerRefused(on: AdmissionSeatGrid, eventId: string, cols: number, label: string): Promise<void> {
  const who = `stranger-${label}`;
  const tries: Promise<ClaimResult>[] = [
    on.claimBestAvailable({ eventId, userId: who, quantity: 1 }),
    on.claimBestAvailable({ eventId, userId: who, quantity: 1, mode: 'book' }),
    on.claimBestAvailable({ eventId, userId: who, quantity: 1, idempotencyKey: randomUUID() }),
  ];
  for (let col = 1; col <= cols; col++) {
    tries.push(on.claimSeats({ eventId, userId: who, seats: [{ row: 1, col }] }));
    tries.push(on.claimSeats({ eventId, userId: who, seats: [{ row: 1, col }], mode: 'book' }));
  }
  for (const result of await Promise.all(tries)) assert.equal(result.ok, false, `${label}: a stranger got ${JSON.stringify(result)}`);
}

test('200 concurrent joins get one arrival order, and the seats freed go to them strictly in that order', async () => {
  const { eventId, bookings } = await soldOutEvent(grid, 10);
  const users = Array.from({ length: 200 }, (_, i) => `w${i}`);
  const joined = await Promise.all(users.map((userId) => join(grid, eventId, userId)));
  assert.deepEqual(
    joined.map((j) => j.seq).sort((a, b) => a - b),
    users.map((_, i) => i + 1),
    'one seq each, 1 to 200',
  );
  for (const j of joined) assert.equal(j.status, 'waiting');
  const line = joined.map((j, i) => ({ entryId: j.entryId, userId: users[i] as string, seq: j.seq })).sort((a, b) => a.seq - b.seq);
  // The gate's line is the arrival order PostgreSQL recorded.
  const positions = await Promise.all(line.map(async (e) => (await entry(grid, e.entryId)).position));
  assert.deepEqual(
    positions,
    line.map((_, i) => i + 1),
  );

  for (let i = 0; i < 10; i++) await cancelBooking(grid, eventId, bookings, i);
  for (let i = 0; i < 10; i++) await entryBecomes(grid, (line[i] as { entryId: string }).entryId, 'offered');
  assert.equal((await entry(grid, (line[10] as { entryId: string }).entryId)).position, 1);
  await strangerRefused(grid, eventId, 10, 'after the first offers');

  // Each offer declined (its hold released, or the entry left) passes its seat to the next in line, and to nobody else.
  for (let next = 10; next < line.length + 10; next++) {
    const done = line[next - 10] as { entryId: string; userId: string };
    const offer = await entry(grid, done.entryId);
    assert.equal(offer.status, 'offered');
    if (next % 2 === 0) {
      assert.ok((await grid.release({ eventId, userId: done.userId, holdId: offer.holdId as string })).ok);
    } else {
      assert.deepEqual(await grid.leaveWaitlist({ eventId, entryId: done.entryId, userId: done.userId }), {
        ok: true,
        previous: 'offered',
      });
    }
    await entryBecomes(grid, done.entryId, 'left');
    const successor = line[next];
    if (successor !== undefined) {
      await entryBecomes(grid, successor.entryId, 'offered');
      const after = line[next + 1];
      if (after !== undefined) assert.equal((await entry(grid, after.entryId)).position, 1, `entry seq ${next + 2} is next`);
    }
  }
  assert.equal(await grid.gate.waitlist.length(eventId), 0);
  // The last ten offers are out; declined, their seats are free for anyone again.
  for (const e of line.slice(-10)) await grid.leaveWaitlist({ eventId, entryId: e.entryId, userId: e.userId });
  assert.equal((await grid.counters(eventId)).available, 10);
  const audit = await grid.audit(eventId);
  assert.deepEqual([audit.oversold, audit.doubleBooked, audit.partial], [0, 0, 0]);
});

test('a head that does not fit is passed over at most 3 times, then freed seats gather for it; nobody else gets them on any path', async () => {
  const { eventId, bookings } = await soldOutEvent(grid, 8);
  const head = await join(grid, eventId, 'head', 3);
  const later = [];
  for (const name of ['b', 'c', 'd', 'e']) later.push(await join(grid, eventId, name));
  // Three single seats: each goes to the first later entry that fits.
  for (let i = 0; i < 3; i++) {
    await cancelBooking(grid, eventId, bookings, i);
    await entryBecomes(grid, (later[i] as { entryId: string }).entryId, 'offered');
    await strangerRefused(grid, eventId, 8, `skip ${i + 1}`);
  }
  // The fourth seat would fit e, but the head has been passed over three times: it gathers for the head.
  await cancelBooking(grid, eventId, bookings, 3);
  assert.deepEqual(await grid.gate.waitlist.pool(eventId), [3]);
  assert.equal((await grid.seatMap(eventId)).states, 'HHHHSSSS');
  assert.equal((await entry(grid, (later[3] as { entryId: string }).entryId)).status, 'waiting');
  await strangerRefused(grid, eventId, 8, 'pooled');
  // Even with Redis taken out of the way (the breaker open: claims go to PostgreSQL), the seat owed is refused.
  grid.breaker.open();
  try {
    await strangerRefused(grid, eventId, 8, 'fallback');
  } finally {
    grid.breaker.close();
  }
  await cancelBooking(grid, eventId, bookings, 4);
  await strangerRefused(grid, eventId, 8, 'two pooled');
  await cancelBooking(grid, eventId, bookings, 5);
  const offered = await entryBecomes(grid, head.entryId, 'offered');
  assert.equal((await grid.findHold(offered.holdId as string))?.seats.length, 3);
  assert.deepEqual(await grid.gate.waitlist.pool(eventId), []);
  // Its offer is a hold like any: confirmed, the entry is fulfilled.
  assert.ok((await grid.confirm({ eventId, userId: 'head', holdId: offered.holdId as string })).ok);
  await entryBecomes(grid, head.entryId, 'fulfilled');
  // The next seat freed goes to e, still waiting, not to a stranger.
  await cancelBooking(grid, eventId, bookings, 6);
  await entryBecomes(grid, (later[3] as { entryId: string }).entryId, 'offered');
  // Nobody waits now: the last seat freed is anyone's.
  await cancelBooking(grid, eventId, bookings, 7);
  assert.ok((await grid.claimBestAvailable({ eventId, userId: 'late', quantity: 1 })).ok);
});

test("seats freed beyond what one call may offer stay the waiters': a stranger never takes them", async () => {
  const { eventId } = await grid.createEvent({ eventId: uniqueEventId('wl'), name: 'Big', rows: 1, cols: 40, holdTtlMs: 60_000 });
  const block = await grid.claimBestAvailable({ eventId, userId: 'group', quantity: 40, mode: 'book' });
  assert.ok(block.ok);
  const waiters = [];
  for (let i = 0; i < 40; i++) waiters.push(await join(grid, eventId, `w${i}`));
  assert.ok((await grid.cancel({ eventId, userId: 'group', holdId: block.holdId })).ok);
  await strangerRefused(grid, eventId, 40, 'after a 40-seat cancel');
  for (const w of waiters) await entryBecomes(grid, w.entryId, 'offered');
  assert.equal((await grid.counters(eventId)).available, 0);
  assert.deepEqual(await grid.gate.waitlist.pool(eventId), []);
});

test('an offer that expires passes to the next waiter; reads alone are enough to move it on', async () => {
  const { eventId, bookings } = await soldOutEvent(grid, 1, { waitlistOfferMs: 1_000 });
  const first = await join(grid, eventId, 'first');
  const second = await join(grid, eventId, 'second');
  await cancelBooking(grid, eventId, bookings, 0);
  const offer = await entryBecomes(grid, first.entryId, 'offered');
  assert.ok(offer.offerExpiresAt !== null);
  // Only reads and refused strangers from here: the reads' reaps must carry the news to PostgreSQL.
  await eventually(
    async () => {
      await strangerRefused(grid, eventId, 1, 'while the offer runs out');
      await grid.seatMap(eventId);
      return (await entry(grid, second.entryId)).status === 'offered';
    },
    10_000,
    50,
  );
  assert.equal((await entryBecomes(grid, first.entryId, 'expired')).status, 'expired');
  const next = await entry(grid, second.entryId);
  assert.equal((await grid.findHold(next.holdId as string))?.userId, 'second');
  assert.equal(await grid.storedSeatStates(eventId), 'H');
  // The expired offer cannot be confirmed; the live one can.
  assert.equal((await grid.confirm({ eventId, userId: 'first', holdId: offer.holdId as string })).ok, false);
  assert.ok((await grid.confirm({ eventId, userId: 'second', holdId: next.holdId as string })).ok);
  await entryBecomes(grid, second.entryId, 'fulfilled');
});

test('leaving: a waiting entry leaves its place, an offered one declines its offer; strangers and closed entries are refused', async () => {
  const { eventId, bookings } = await soldOutEvent(grid, 2);
  const [a, b, c] = [await join(grid, eventId, 'a'), await join(grid, eventId, 'b'), await join(grid, eventId, 'c')];
  assert.deepEqual(await grid.leaveWaitlist({ eventId, entryId: b.entryId, userId: 'c' }), { ok: false, reason: 'entry-not-found' });
  assert.deepEqual(await grid.leaveWaitlist({ eventId, entryId: b.entryId, userId: 'b' }), { ok: true, previous: 'waiting' });
  assert.equal((await entryBecomes(grid, b.entryId, 'left')).position, undefined);
  assert.equal((await entry(grid, c.entryId)).position, 2);
  assert.deepEqual(await grid.leaveWaitlist({ eventId, entryId: b.entryId, userId: 'b' }), {
    ok: false,
    reason: 'entry-closed',
    status: 'left',
  });
  // Joining again after leaving: a new entry, at the back.
  const again = await join(grid, eventId, 'b');
  assert.ok(again.seq > c.seq);
  await cancelBooking(grid, eventId, bookings, 0);
  const offer = await entryBecomes(grid, a.entryId, 'offered');
  assert.deepEqual(await grid.leaveWaitlist({ eventId, entryId: a.entryId, userId: 'a' }), { ok: true, previous: 'offered' });
  await entryBecomes(grid, a.entryId, 'left');
  await entryBecomes(grid, c.entryId, 'offered');
  assert.equal((await grid.findHold(offer.holdId as string))?.status, 'released');
  assert.equal((await entry(grid, again.entryId)).position, 1);
});

test('once per user while waiting or offered, concurrent joins included; the per-user limit counts', async () => {
  const { eventId } = await soldOutEvent(grid, 3, { maxSeatsPerUser: 2 });
  const racing = await Promise.all(Array.from({ length: 10 }, () => grid.joinWaitlist({ eventId, userId: 'eager', quantity: 1 })));
  const winners = racing.filter((r) => r.ok);
  assert.equal(winners.length, 1);
  for (const r of racing) if (!r.ok) assert.deepEqual(r, { ok: false, reason: 'already-waiting', entryId: winners[0]?.entryId });
  await assert.rejects(grid.joinWaitlist({ eventId, userId: 'greedy', quantity: 3 }), { code: 'INVALID_INPUT', field: 'quantity' });
  const other = await grid.createEvent({
    eventId: uniqueEventId('wl'),
    name: 'Limit',
    rows: 1,
    cols: 2,
    holdTtlMs: 60_000,
    maxSeatsPerUser: 2,
  });
  assert.ok((await grid.claimBestAvailable({ eventId: other.eventId, userId: 'holder', quantity: 2 })).ok);
  assert.deepEqual(await grid.joinWaitlist({ eventId: other.eventId, userId: 'holder', quantity: 1 }), {
    ok: false,
    reason: 'user-limit',
    limit: 2,
    current: 2,
  });
});

test('a Redis that lost everything: after the hydration the waitlist is as it was, and goes on in order', async () => {
  const server = await startPrivateRedis();
  const client = connectRedis({ url: server.url });
  const lossy = await admissionGrid({ redis: client });
  const { eventId, bookings } = await soldOutEvent(lossy, 3);
  const line = [];
  for (const name of ['a', 'b', 'c', 'd', 'e']) line.push(await join(lossy, eventId, name));
  await cancelBooking(lossy, eventId, bookings, 0);
  const offered = await entryBecomes(lossy, (line[0] as { entryId: string }).entryId, 'offered');

  const admin = new Redis(server.url);
  try {
    await admin.flushall();
  } finally {
    admin.disconnect();
  }
  // The next call finds the event gone and loads it from PostgreSQL.
  assert.equal((await lossy.seatMap(eventId)).states, 'HSS');
  assert.equal(await lossy.gate.holdStatus(eventId, offered.holdId as string), 'held');
  for (const [i, e] of line.slice(1).entries()) assert.equal((await entry(lossy, e.entryId)).position, i + 1);
  await strangerRefused(lossy, eventId, 3, 'after the loss');
  // In order still: b, then c; d leaves; e next.
  await cancelBooking(lossy, eventId, bookings, 1);
  await entryBecomes(lossy, (line[1] as { entryId: string }).entryId, 'offered');
  assert.ok((await lossy.leaveWaitlist({ eventId, entryId: (line[3] as { entryId: string }).entryId, userId: 'd' })).ok);
  await cancelBooking(lossy, eventId, bookings, 2);
  await entryBecomes(lossy, (line[2] as { entryId: string }).entryId, 'offered');
  assert.equal((await entry(lossy, (line[4] as { entryId: string }).entryId)).position, 1);
  // The first offer, made before the loss, is still a hold its waiter can confirm.
  assert.ok((await lossy.confirm({ eventId, userId: 'a', holdId: offered.holdId as string })).ok);
  await entryBecomes(lossy, (line[0] as { entryId: string }).entryId, 'fulfilled');
});
