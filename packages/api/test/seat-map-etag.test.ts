// GET /events/:eventId/seats: its version, a strong ETag derived from it, Cache-Control:
// no-cache, and 304 for a matching If-None-Match answered from the counters alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeatGrid } from '@seatgrid/admission';
import { Registry } from 'prom-client';
import { startApi, testConfig, testGrid, type RunningApi } from './harness.ts';
import { expectJson, expectProblem, hold, seat, type SeatMapBody, user } from './http-assertions.ts';

/** The real grid, with its seat-map reads counted (the map is what a 304 must not build). */
function countingMapReads(grid: SeatGrid): { grid: SeatGrid; mapReads: () => number } {
  let reads = 0;
  const counted = new Proxy(grid, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'seatMap') {
        return (...args: unknown[]) => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { grid: counted, mapReads: () => reads };
}

async function getSeats(api: RunningApi, eventId: string, ifNoneMatch?: string): Promise<Response> {
  return api.request('GET', `/events/${eventId}/seats`, ifNoneMatch === undefined ? {} : { headers: { 'if-none-match': ifNoneMatch } });
}

for (const strategy of ['admission', 'pessimistic'] as const) {
  describe(`the seat map's ETag (${strategy})`, () => {
    let api: RunningApi;
    let mapReads: () => number;
    let own: SeatGrid;

    before(async () => {
      const config = testConfig({ BOOKING_STRATEGY: strategy });
      own = testGrid(strategy, {
        database: { connectionString: config.databaseUrl, max: 2 },
        ...(strategy === 'admission' ? { redis: config.redisUrl } : {}),
        metrics: { registry: new Registry() },
        sweeper: false,
        reconciler: false,
      });
      const counted = countingMapReads(own);
      mapReads = counted.mapReads;
      api = await startApi(strategy, { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' }, { grid: counted.grid });
    });
    after(() => own.close());

    test('200 carries the version, a strong ETag and Cache-Control: no-cache; a matching If-None-Match is 304 without the map', async () => {
      const event = await api.createEvent({ name: 'ETag', rows: 3, cols: 4 });
      const first = await getSeats(api, event.id);
      const etag = first.headers.get('etag') ?? '';
      assert.match(etag, /^"\d+\.\d+\.\d+"$/, 'a strong ETag');
      assert.equal(first.headers.get('cache-control'), 'no-cache');
      const map = await expectJson<SeatMapBody>(first, 200);
      assert.equal(typeof map.version, 'number');
      assert.ok(etag.includes(`.${map.version}.`), `${etag} is derived from version ${map.version}`);

      const readsBefore = mapReads();
      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const again = await getSeats(api, event.id, ifNoneMatch);
        assert.equal(again.status, 304, ifNoneMatch);
        assert.equal(again.headers.get('etag'), etag);
        assert.equal(again.headers.get('cache-control'), 'no-cache');
        assert.equal(await again.text(), '');
      }
      assert.equal(mapReads(), readsBefore, 'a 304 never builds the map');

      const missed = await getSeats(api, event.id, '"0.0.0"');
      assert.equal(missed.status, 200);
      assert.equal(missed.headers.get('etag'), etag);
      await missed.body?.cancel();
    });

    test('every change of the seats moves the version and the ETag; the old ETag then gets the new map', async () => {
      const event = await api.createEvent({ name: 'ETag moves', rows: 2, cols: 2 });
      const before = await getSeats(api, event.id);
      const oldEtag = before.headers.get('etag') ?? '';
      const oldMap = await expectJson<SeatMapBody>(before, 200);

      const alice = user('alice');
      const held = await hold(api, event.id, alice, { seats: [seat(1, 2)] });
      const afterHold = await getSeats(api, event.id, oldEtag);
      assert.equal(afterHold.status, 200);
      const heldEtag = afterHold.headers.get('etag') ?? '';
      assert.notEqual(heldEtag, oldEtag);
      const heldMap = await expectJson<SeatMapBody>(afterHold, 200);
      assert.ok(heldMap.version > oldMap.version);
      assert.deepEqual(heldMap.grid, ['.H', '..']);

      await expectJson(await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice }), 200);
      const afterConfirm = await getSeats(api, event.id, heldEtag);
      assert.equal(afterConfirm.status, 200);
      const soldMap = await expectJson<SeatMapBody>(afterConfirm, 200);
      assert.ok(soldMap.version > heldMap.version);
      assert.deepEqual(soldMap.grid, ['.S', '..']);
      assert.equal((await getSeats(api, event.id, afterConfirm.headers.get('etag') ?? '')).status, 304);
    });

    test('an unknown event is 404 with or without If-None-Match', async () => {
      await expectProblem(await getSeats(api, 'no-such-event'), 'event-not-found');
      await expectProblem(await getSeats(api, 'no-such-event', '*'), 'event-not-found');
    });
  });
}
