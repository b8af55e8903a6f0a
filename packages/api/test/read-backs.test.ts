// Read-backs: GET /holds/:holdId and GET /bookings/:bookingId for their owner only (to anyone
// else the same 404 as an id never issued), and GET /events a page at a time.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { startApi, type RunningApi } from './harness.ts';
import { book, expectJson, expectProblem, hold, seat, user } from './http-assertions.ts';

interface HoldRecordBody {
  holdId: string;
  eventId: string;
  seats: { row: number; col: number }[];
  status: string;
  expiresAt: string | null;
}
interface BookingRecordBody {
  bookingId: string;
  eventId: string;
  seats: { row: number; col: number }[];
  status: string;
}
interface EventPageBody {
  events: { id: string; name: string; rows: number; cols: number; capacity: number }[];
  nextCursor: string | null;
}

for (const strategy of ['admission', 'optimistic'] as const) {
  describe(`read-backs (${strategy})`, () => {
    let api: RunningApi;
    before(async () => {
      api = await startApi(strategy, { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' });
    });

    test("GET /holds/:holdId: the owner reads the hold and what became of it; a stranger gets the unknown id's 404", async () => {
      const event = await api.createEvent({ name: 'Read back', rows: 2, cols: 3 });
      const alice = user('alice');
      const held = await hold(api, event.id, alice, { seats: [seat(1, 1), seat(1, 2)] });
      const read = await expectJson<HoldRecordBody>(await api.request('GET', `/holds/${held.holdId}`, { headers: alice }), 200);
      assert.deepEqual(read, { holdId: held.holdId, eventId: event.id, seats: held.seats, status: 'held', expiresAt: held.expiresAt });

      const stranger = await api.request('GET', `/holds/${held.holdId}`, { headers: user('mallory') });
      const unknown = await api.request('GET', '/holds/never-issued', { headers: alice });
      const strangerBody = await expectProblem(stranger, 'hold-not-found');
      const unknownBody = await expectProblem(unknown, 'hold-not-found');
      assert.deepEqual({ ...strangerBody, instance: '' }, { ...unknownBody, instance: '' }, 'a stranger learns nothing');

      await expectJson(await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice }), 200);
      const confirmed = await expectJson<HoldRecordBody>(await api.request('GET', `/holds/${held.holdId}`, { headers: alice }), 200);
      assert.equal(confirmed.status, 'confirmed');

      const other = await hold(api, event.id, alice, { seats: [seat(2, 3)] });
      assert.equal((await api.request('DELETE', `/holds/${other.holdId}`, { headers: alice })).status, 204);
      const released = await expectJson<HoldRecordBody>(await api.request('GET', `/holds/${other.holdId}`, { headers: alice }), 200);
      assert.equal(released.status, 'released');
    });

    test('GET /bookings/:bookingId: a confirmed hold or a one-step booking, and its cancellation; never a hold not bought', async () => {
      const event = await api.createEvent({ name: 'Bookings', rows: 2, cols: 2 });
      const bob = user('bob');
      const bought = await book(api, event.id, bob, { seats: [seat(2, 2)] });
      const read = await expectJson<BookingRecordBody>(await api.request('GET', `/bookings/${bought.bookingId}`, { headers: bob }), 200);
      assert.deepEqual(read, { bookingId: bought.bookingId, eventId: event.id, seats: [seat(2, 2)], status: 'confirmed' });
      const asHold = await expectJson<HoldRecordBody>(await api.request('GET', `/holds/${bought.bookingId}`, { headers: bob }), 200);
      assert.equal(asHold.status, 'confirmed');

      await expectProblem(await api.request('GET', `/bookings/${bought.bookingId}`, { headers: user('mallory') }), 'hold-not-found');
      await expectProblem(await api.request('GET', '/bookings/never-issued', { headers: bob }), 'hold-not-found');

      const held = await hold(api, event.id, bob, { seats: [seat(1, 1)] });
      await expectProblem(await api.request('GET', `/bookings/${held.holdId}`, { headers: bob }), 'hold-not-found');
      await expectJson(await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: bob }), 200);
      const confirmed = await expectJson<BookingRecordBody>(await api.request('GET', `/bookings/${held.holdId}`, { headers: bob }), 200);
      assert.equal(confirmed.status, 'confirmed');

      assert.equal((await api.request('DELETE', `/bookings/${bought.bookingId}`, { headers: bob })).status, 204);
      const cancelled = await expectJson<BookingRecordBody>(
        await api.request('GET', `/bookings/${bought.bookingId}`, { headers: bob }),
        200,
      );
      assert.equal(cancelled.status, 'cancelled');
    });

    test('a malformed id or no X-User-Id: 400 naming the field', async () => {
      assert.equal(
        (await expectProblem(await api.request('GET', '/holds/bad!id', { headers: user('a') }), 'invalid-input')).field,
        'holdId',
      );
      assert.equal((await expectProblem(await api.request('GET', '/holds/h-1'), 'invalid-input')).field, 'X-User-Id');
      assert.equal((await expectProblem(await api.request('GET', '/bookings/b-1'), 'invalid-input')).field, 'X-User-Id');
    });
  });
}

describe('GET /events, a page at a time', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission');
  });

  test('pages follow one another by cursor, each event once, the last page with nextCursor null', async () => {
    const created = new Set<string>();
    for (let i = 0; i < 5; i++) created.add((await api.createEvent({ name: `Listed ${i}`, rows: 1, cols: i + 1 })).id);
    const pageAt = async (limit: number, cursor: string | null): Promise<EventPageBody> =>
      expectJson<EventPageBody>(await api.request('GET', `/events?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`), 200);

    // Small pages: each one is the next ids after the cursor.
    const first = await pageAt(2, null);
    const second = await pageAt(2, first.nextCursor);
    assert.equal(first.events.length, 2);
    assert.equal(first.nextCursor, first.events[1]?.id);
    assert.ok(
      second.events.every((event) => !first.events.some((e) => e.id === event.id)),
      'the next page starts after the cursor',
    );

    // Every page (the test database holds other tests' events too): ordered, each once, ours among them.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: EventPageBody = await pageAt(100, cursor);
      assert.ok(page.events.length <= 100);
      if (page.nextCursor !== null) assert.equal(page.nextCursor, page.events.at(-1)?.id);
      for (const event of page.events) {
        assert.deepEqual(Object.keys(event).sort(), ['capacity', 'cols', 'holdTtlSeconds', 'id', 'maxSeatsPerUser', 'name', 'rows']);
        seen.push(event.id);
      }
      cursor = page.nextCursor;
      pages++;
      assert.ok(pages < 10_000, 'paging ends');
    } while (cursor !== null);
    // (Their order is the database's collation of ids; each page starts after the one before.)
    assert.deepEqual(
      seen.slice(0, 4),
      [...first.events, ...second.events].map((event) => event.id),
    );
    assert.equal(new Set(seen).size, seen.length, 'each event once');
    for (const id of created) assert.ok(seen.includes(id), `${id} listed`);
  });

  test('the default page holds up to 50; a bad limit or cursor is 400 naming it', async () => {
    const page = await expectJson<EventPageBody>(await api.request('GET', '/events'), 200);
    assert.ok(page.events.length > 0 && page.events.length <= 50);
    assert.equal((await expectProblem(await api.request('GET', '/events?limit=0'), 'invalid-input')).field, 'limit');
    assert.equal((await expectProblem(await api.request('GET', '/events?limit=101'), 'invalid-input')).field, 'limit');
    assert.equal((await expectProblem(await api.request('GET', '/events?cursor=bad!id'), 'invalid-input')).field, 'cursor');
  });
});
