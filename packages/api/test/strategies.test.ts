// The same core suite through the API on each correct strategy (BOOKING_STRATEGY): the API
// must answer alike whichever of admission, optimistic or pessimistic sits behind it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { StrategyName } from '@seatgrid/admission';
import { startApi, type RunningApi } from './harness.ts';
import { book, expectJson, expectProblem, hold, seat, seatMap, until, user } from './http-assertions.ts';

const STRATEGIES: readonly StrategyName[] = ['admission', 'optimistic', 'pessimistic'];

for (const strategy of STRATEGIES) {
  describe(`core suite on BOOKING_STRATEGY=${strategy}`, () => {
    let api: RunningApi;

    before(async () => {
      api = await startApi(strategy);
      assert.equal(api.config.strategy, strategy);
      const ready = await expectJson<{ strategy: string }>(await api.request('GET', '/readyz'), 200);
      assert.equal(ready.strategy, strategy);
    });

    test('hold → confirm: H then S; a release of what is left frees it', async () => {
      const event = await api.createEvent({ name: `Happy ${strategy}`, rows: 2, cols: 3 });
      const alice = user('alice');
      const held = await hold(api, event.id, alice, { seats: [seat(1, 1), seat(1, 2)] });
      assert.deepEqual(held.seats, [seat(1, 1), seat(1, 2)]);
      assert.equal(held.eventId, event.id);
      assert.deepEqual((await seatMap(api, event.id)).grid, ['HH.', '...']);
      const confirmed = await expectJson(await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice }), 200);
      assert.deepEqual(confirmed, { bookingId: held.holdId, status: 'confirmed', seats: [seat(1, 1), seat(1, 2)] });
      const sold = await seatMap(api, event.id);
      assert.deepEqual(sold, { rows: 2, cols: 3, available: 4, version: sold.version, grid: ['SS.', '...'] });

      const best = await hold(api, event.id, alice, { quantity: 3 });
      assert.equal(best.seats.length, 3);
      assert.equal((await seatMap(api, event.id)).available, 1);
      assert.equal((await api.request('DELETE', `/holds/${best.holdId}`, { headers: alice })).status, 204);
      assert.deepEqual((await seatMap(api, event.id)).grid, ['SS.', '...']);
      const read = await expectJson<{ available: number }>(await api.request('GET', `/events/${event.id}`), 200);
      assert.equal(read.available, 4);
    });

    test('booking → cancel: S then free', async () => {
      const event = await api.createEvent({ name: `Book ${strategy}`, rows: 1, cols: 4 });
      const bob = user('bob');
      const booking = await book(api, event.id, bob, { seats: [seat(1, 3), seat(1, 4)] });
      assert.deepEqual(booking, { bookingId: booking.bookingId, eventId: event.id, seats: [seat(1, 3), seat(1, 4)] });
      assert.deepEqual((await seatMap(api, event.id)).grid, ['..SS']);
      await expectProblem(await api.request('DELETE', `/holds/${booking.bookingId}`, { headers: bob }), 'wrong-state');
      await expectProblem(await api.request('DELETE', `/bookings/${booking.bookingId}`, { headers: user('eve') }), 'hold-not-found');
      assert.equal((await api.request('DELETE', `/bookings/${booking.bookingId}`, { headers: bob })).status, 204);
      assert.deepEqual((await seatMap(api, event.id)).grid, ['....']);
      await expectProblem(await api.request('DELETE', `/bookings/${booking.bookingId}`, { headers: bob }), 'hold-not-found');
    });

    test('seats-taken: all or nothing, listing the taken seats', async () => {
      const event = await api.createEvent({ name: `Taken ${strategy}`, rows: 1, cols: 4 });
      await hold(api, event.id, user('first'), { seats: [seat(1, 2)] });
      const p = await expectProblem(
        await api.request('POST', `/events/${event.id}/holds`, {
          body: { seats: [seat(1, 1), seat(1, 2), seat(1, 3)] },
          headers: user('second'),
        }),
        'seats-taken',
      );
      assert.deepEqual(p.takenSeats, [seat(1, 2)]);
      assert.deepEqual((await seatMap(api, event.id)).grid, ['.H..']);
      await expectProblem(
        await api.request('POST', `/events/${event.id}/bookings`, { body: { seats: [seat(1, 2)] }, headers: user('third') }),
        'seats-taken',
      );
    });

    test('idempotency: a replay answers the same and claims once; another body is 422', async () => {
      const event = await api.createEvent({ name: `Idem ${strategy}`, rows: 2, cols: 4 });
      const headers = { ...user('idem'), 'idempotency-key': `k-${randomUUID()}` };
      const first = await hold(api, event.id, headers, { quantity: 2 });
      const again = await hold(api, event.id, headers, { quantity: 2 });
      assert.deepEqual(again, first);
      const map = await seatMap(api, event.id);
      assert.equal(map.available, 6);
      await expectProblem(
        await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 3 }, headers }),
        'idempotency-mismatch',
      );
      assert.deepEqual(await seatMap(api, event.id), map);
    });

    // Keys are scoped per user and per event, on every strategy (the gate keeps its records
    // under the event's hash tag): the same key on another event names another request.
    test('idempotency: the same key on another event is another request, claimed on its own', async () => {
      const one = await api.createEvent({ name: `Key A ${strategy}`, rows: 1, cols: 2 });
      const two = await api.createEvent({ name: `Key B ${strategy}`, rows: 1, cols: 2 });
      const headers = { ...user('scope'), 'idempotency-key': `k-${randomUUID()}` };
      await hold(api, one.id, headers, { quantity: 1 });
      const other = await api.request('POST', `/events/${two.id}/holds`, { body: { quantity: 1 }, headers });
      assert.equal(other.status, 201);
      assert.deepEqual((await seatMap(api, two.id)).grid, ['H.']);
    });

    test('expiry: a 1 s hold comes free by itself; once a rival has its seats, confirm and release are 410', async () => {
      const event = await api.createEvent({ name: `Expiry ${strategy}`, rows: 1, cols: 3, holdTtlSeconds: 1 });
      const alice = user('alice');
      const held = await hold(api, event.id, alice, { seats: [seat(1, 1), seat(1, 2)] });
      assert.deepEqual((await seatMap(api, event.id)).grid, ['HH.']);
      // admission: Redis reaps 500 ms after PostgreSQL's expiry (the grace).
      await until('the hold to expire', async () => ((await seatMap(api, event.id)).grid[0] === '...' ? true : undefined));
      await hold(api, event.id, user('rival'), { seats: [seat(1, 1)] });
      await expectProblem(await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice }), 'hold-expired');
      await expectProblem(await api.request('DELETE', `/holds/${held.holdId}`, { headers: alice }), 'hold-expired');
      assert.deepEqual((await seatMap(api, event.id)).grid, ['H..']);
    });
  });
}
