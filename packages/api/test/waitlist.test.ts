// The waitlist over HTTP, on the real app, PostgreSQL and Redis: joining (waiting, or offered at
// once), the problems (already waiting, user limit, bad quantities, a PostgreSQL strategy), the
// owner-only entry, leaving, the waitlist link on sold-out answers, and a freed seat going to the
// waiter (and nobody else) as an offer it confirms like any hold.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { z } from 'zod';
import { waitlistEntryResponse } from '../src/schemas.ts';
import { startApi, type RunningApi } from './harness.ts';
import { book, expectJson, expectProblem, until, user } from './http-assertions.ts';

type Entry = z.infer<typeof waitlistEntryResponse>;

async function joinWaitlist(api: RunningApi, eventId: string, who: Record<string, string>, quantity = 1): Promise<Entry> {
  const entry = await expectJson<Entry>(
    await api.request('POST', `/events/${eventId}/waitlist`, { body: { quantity }, headers: who }),
    201,
  );
  assert.ok(waitlistEntryResponse.strict().safeParse(entry).success, JSON.stringify(entry));
  return entry;
}

async function readEntry(api: RunningApi, entryId: string, who: Record<string, string>): Promise<Entry> {
  const entry = await expectJson<Entry>(await api.request('GET', `/waitlist/${entryId}`, { headers: who }), 200);
  assert.ok(waitlistEntryResponse.strict().safeParse(entry).success, JSON.stringify(entry));
  return entry;
}

/** Polls the entry until `status` (offers reach PostgreSQL, which the read serves, just after the gate makes them). */
function entryBecomes(api: RunningApi, entryId: string, who: Record<string, string>, status: Entry['status']): Promise<Entry> {
  return until(`entry ${entryId} ${status}`, async () => {
    const entry = await readEntry(api, entryId, who);
    return entry.status === status ? entry : undefined;
  });
}

describe('the waitlist (admission strategy)', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission');
  });

  /** A 1 × cols event sold out as one booking per seat; returns the bookings and their buyers. */
  async function soldOut(cols: number, extra: Record<string, unknown> = {}) {
    const event = await api.createEvent({ name: 'Sold out', rows: 1, cols, ...extra });
    const bookings = [];
    for (let col = 1; col <= cols; col++) {
      const buyer = user(`buyer${col}`);
      bookings.push({ buyer, booking: await book(api, event.id, buyer, { seats: [{ row: 1, col }] }) });
    }
    return { eventId: event.id, bookings };
  }

  test('sold out: the problem links the waitlist; joining answers 201 waiting, in arrival order', async () => {
    const { eventId } = await soldOut(2);
    const refused = await expectProblem(
      await api.request('POST', `/events/${eventId}/holds`, { body: { quantity: 1 }, headers: user('late') }),
      'sold-out',
    );
    assert.equal(refused.waitlist, `/events/${eventId}/waitlist`);
    const fans = Array.from({ length: 100 }, (_, i) => user(`fan${i}`));
    const entries = await Promise.all(fans.map((who) => joinWaitlist(api, eventId, who)));
    for (const [i, entry] of entries.entries()) {
      assert.equal(entry.eventId, eventId);
      assert.equal(entry.status, 'waiting');
      assert.equal(entry.quantity, 1);
      assert.equal(entry.holdId, undefined);
      // Read back now, each has its own place: 1 to 100.
      assert.ok((await readEntry(api, entry.entryId, fans[i] as Record<string, string>)).position !== undefined);
    }
    const places = await Promise.all(
      entries.map(async (e, i) => (await readEntry(api, e.entryId, fans[i] as Record<string, string>)).position),
    );
    assert.deepEqual(
      [...places].sort((a, b) => (a ?? 0) - (b ?? 0)),
      fans.map((_, i) => i + 1),
    );
  });

  test('not enough seats links the waitlist too; with seats free, joining is offered them at once', async () => {
    const event = await api.createEvent({ name: 'Few', rows: 1, cols: 3, waitlistOfferSeconds: 60 });
    await book(api, event.id, user('first'), { quantity: 1 });
    const short = await expectProblem(
      await api.request('POST', `/events/${event.id}/bookings`, { body: { quantity: 3 }, headers: user('group') }),
      'not-enough-seats',
    );
    assert.equal(short.available, 2);
    assert.equal(short.waitlist, `/events/${event.id}/waitlist`);
    const who = user('pair');
    const offered = await joinWaitlist(api, event.id, who, 2);
    assert.equal(offered.status, 'offered');
    assert.equal(offered.position, undefined);
    assert.ok(offered.holdId !== undefined && offered.offerExpiresAt !== undefined);
    const expiresIn = Date.parse(offered.offerExpiresAt) - Date.now();
    assert.ok(expiresIn > 0 && expiresIn <= 60_000, `the offer lasts the event's 60 s, not ${expiresIn} ms`);
    // The offer is a hold of the caller's: confirmed like any.
    const confirmed = await expectJson<{ seats: unknown[] }>(
      await api.request('POST', `/holds/${offered.holdId}/confirm`, { headers: who }),
      200,
    );
    assert.equal(confirmed.seats.length, 2);
    assert.equal((await readEntry(api, offered.entryId, who)).status, 'fulfilled');
  });

  test('a freed seat is offered to the head of the line, never to a stranger; the next in line waits its turn', async () => {
    const { eventId, bookings } = await soldOut(1);
    const [alice, bob] = [user('alice'), user('bob')];
    const first = await joinWaitlist(api, eventId, alice);
    const second = await joinWaitlist(api, eventId, bob);
    const { buyer, booking } = bookings[0] as (typeof bookings)[number];
    assert.equal((await api.request('DELETE', `/bookings/${booking.bookingId}`, { headers: buyer })).status, 204);
    const offer = await entryBecomes(api, first.entryId, alice, 'offered');
    assert.equal((await readEntry(api, second.entryId, bob)).position, 1);
    // By quantity or by name, held or bought: the seat is the offer's, and the event reads as sold out.
    for (const path of ['holds', 'bookings']) {
      for (const body of [{ quantity: 1 }, { seats: [{ row: 1, col: 1 }] }]) {
        await expectProblem(await api.request('POST', `/events/${eventId}/${path}`, { body, headers: user('stranger') }), 'sold-out');
      }
    }
    // Declined by releasing its hold: the seat goes to bob.
    assert.equal((await api.request('DELETE', `/holds/${offer.holdId}`, { headers: alice })).status, 204);
    assert.equal((await entryBecomes(api, first.entryId, alice, 'left')).status, 'left');
    const next = await entryBecomes(api, second.entryId, bob, 'offered');
    assert.notEqual(next.holdId, offer.holdId);
  });

  test('one entry per user: a second join is already-waiting, naming the entry; leaving makes room to join again', async () => {
    const { eventId } = await soldOut(1);
    const who = user('again');
    const entry = await joinWaitlist(api, eventId, who);
    const twice = await expectProblem(
      await api.request('POST', `/events/${eventId}/waitlist`, { body: { quantity: 1 }, headers: who }),
      'already-waiting',
    );
    assert.equal(twice.entryId, entry.entryId);
    assert.equal((await api.request('DELETE', `/waitlist/${entry.entryId}`, { headers: who })).status, 204);
    assert.equal((await readEntry(api, entry.entryId, who)).status, 'left');
    await expectProblem(await api.request('DELETE', `/waitlist/${entry.entryId}`, { headers: who }), 'waitlist-entry-closed');
    const back = await joinWaitlist(api, eventId, who);
    assert.notEqual(back.entryId, entry.entryId);
  });

  test("an entry is its owner's: to anyone else, reading or leaving it finds nothing", async () => {
    const { eventId } = await soldOut(1);
    const [owner, other] = [user('owner'), user('other')];
    const entry = await joinWaitlist(api, eventId, owner);
    await expectProblem(await api.request('GET', `/waitlist/${entry.entryId}`, { headers: other }), 'waitlist-entry-not-found');
    await expectProblem(await api.request('DELETE', `/waitlist/${entry.entryId}`, { headers: other }), 'waitlist-entry-not-found');
    await expectProblem(await api.request('GET', '/waitlist/no-such-entry', { headers: owner }), 'waitlist-entry-not-found');
    assert.equal((await readEntry(api, entry.entryId, owner)).status, 'waiting');
  });

  test('quantities: within the per-user limit and held seats, else a problem; a bad body is refused before anything', async () => {
    const event = await api.createEvent({ name: 'Limited', rows: 1, cols: 4, maxSeatsPerUser: 2 });
    const holder = user('holder');
    await book(api, event.id, holder, { quantity: 2 });
    await book(api, event.id, user('rest'), { quantity: 2 });
    const limit = await expectProblem(
      await api.request('POST', `/events/${event.id}/waitlist`, { body: { quantity: 1 }, headers: holder }),
      'user-limit',
    );
    assert.equal(limit.limit, 2);
    const tooMany = await expectProblem(
      await api.request('POST', `/events/${event.id}/waitlist`, { body: { quantity: 3 }, headers: user('greedy') }),
      'invalid-input',
    );
    assert.equal(tooMany.field, 'quantity');
    for (const body of [{}, { quantity: 0 }, { quantity: 101 }, { quantity: '1' }, { quantity: 1, seats: [] }]) {
      await expectProblem(await api.request('POST', `/events/${event.id}/waitlist`, { body, headers: user('odd') }), 'unprocessable-input');
    }
    await expectProblem(
      await api.request('POST', '/events/no-such-event/waitlist', { body: { quantity: 1 }, headers: user('lost') }),
      'event-not-found',
    );
  });
});

describe('the waitlist on a PostgreSQL strategy', () => {
  test('is a clear problem: it needs the admission strategy', async () => {
    const api = await startApi('optimistic');
    const event = await api.createEvent({ name: 'Plain', rows: 1, cols: 1 });
    await book(api, event.id, user('buyer'), { quantity: 1 });
    const refused = await expectProblem(
      await api.request('POST', `/events/${event.id}/bookings`, { body: { quantity: 1 }, headers: user('late') }),
      'sold-out',
    );
    assert.equal(refused.waitlist, undefined, 'no link to a waitlist that is not there');
    const who = user('waiter');
    const problem = await expectProblem(
      await api.request('POST', `/events/${event.id}/waitlist`, { body: { quantity: 1 }, headers: who }),
      'admission-strategy-required',
    );
    assert.match(problem.detail ?? '', /admission strategy/);
    await expectProblem(await api.request('GET', '/waitlist/some-entry', { headers: who }), 'admission-strategy-required');
    await expectProblem(await api.request('DELETE', '/waitlist/some-entry', { headers: who }), 'admission-strategy-required');
  });
});
