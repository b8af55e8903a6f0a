// Idempotency-Key on the claim endpoints, over the real socket: one key and one body claim
// once however many times they arrive, the same key with another body is 422, and keys are
// scoped per user. Run against each correct strategy.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { StrategyName } from '@seatgrid/admission';
import { startApi, type RunningApi } from './harness.ts';
import { assertProblem, seatMap, type ReadAnswer } from './http-assertions.ts';

interface Answer extends ReadAnswer {
  readonly retryAfter: string | null;
}

const STRATEGIES: readonly StrategyName[] = ['admission', 'optimistic', 'pessimistic'];
const PARALLEL = 20;

async function answer(response: Response): Promise<Answer> {
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after'),
    text: await response.text(),
  };
}

const count = (grid: readonly string[], state: string) => grid.join('').split(state).length - 1;

for (const strategy of STRATEGIES) {
  describe(`Idempotency-Key (${strategy})`, () => {
    let api: RunningApi;

    before(async () => {
      api = await startApi(strategy);
    });

    for (const kind of ['holds', 'bookings'] as const) {
      test(`${PARALLEL} parallel POST /events/:id/${kind} with one key and one body claim once, and all answer the same`, async () => {
        const event = await api.createEvent({ name: `Parallel ${kind}`, rows: 4, cols: 5 });
        const headers = { 'x-user-id': `racer-${randomUUID()}`, 'idempotency-key': `order-${randomUUID()}` };
        const body = { quantity: 2 };
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, async () => answer(await api.request('POST', `/events/${event.id}/${kind}`, { body, headers }))),
        );
        const granted = answers.filter((a) => a.status === 201);
        for (const a of answers) {
          if (a.status === 201) continue;
          // A duplicate may be told the first is still being written: 409 with Retry-After.
          assertProblem(a, 'idempotency-in-flight');
          assert.equal(a.retryAfter, '1');
        }
        assert.ok(granted.length >= 1, 'at least the first request is granted');
        const map = await seatMap(api, event.id);
        assert.equal(count(map.grid, kind === 'holds' ? 'H' : 'S'), 2, `exactly one claim of 2 seats: ${map.grid.join('/')}`);
        assert.equal(map.available, 18);

        const first = JSON.parse(granted[0]!.text) as { seats: unknown[] };
        assert.equal(first.seats.length, 2);
        for (const a of granted) assert.deepEqual(JSON.parse(a.text), first, 'every 201 carries the same body');

        // A late retry still replays the same answer and claims nothing.
        const retry = await answer(await api.request('POST', `/events/${event.id}/${kind}`, { body, headers }));
        assert.equal(retry.status, 201);
        assert.deepEqual(JSON.parse(retry.text), first);
        assert.deepEqual(await seatMap(api, event.id), map);
      });
    }

    test('the same key with a different body is 422 and claims nothing; the original still replays', async () => {
      const event = await api.createEvent({ name: 'Mismatch', rows: 2, cols: 5 });
      const headers = { 'x-user-id': `u-${randomUUID()}`, 'idempotency-key': `k-${randomUUID()}` };
      const original = await answer(
        await api.request('POST', `/events/${event.id}/holds`, { body: { seats: [{ row: 1, col: 1 }] }, headers }),
      );
      assert.equal(original.status, 201);
      const before = await seatMap(api, event.id);
      for (const [kind, body] of [
        ['holds', { seats: [{ row: 1, col: 2 }] }],
        [
          'holds',
          {
            seats: [
              { row: 1, col: 1 },
              { row: 1, col: 2 },
            ],
          },
        ],
        ['holds', { quantity: 1 }],
        ['bookings', { seats: [{ row: 1, col: 1 }] }],
      ] as const) {
        const a = await answer(await api.request('POST', `/events/${event.id}/${kind}`, { body, headers }));
        assertProblem(a, 'idempotency-mismatch');
      }
      assert.deepEqual(await seatMap(api, event.id), before);
      const replay = await answer(
        await api.request('POST', `/events/${event.id}/holds`, { body: { seats: [{ row: 1, col: 1 }] }, headers }),
      );
      assert.equal(replay.status, 201);
      assert.deepEqual(JSON.parse(replay.text), JSON.parse(original.text));
    });

    test('keys are scoped per user: another user with the same key gets an independent result', async () => {
      const event = await api.createEvent({ name: 'Scoped', rows: 2, cols: 5 });
      const key = `shared-${randomUUID()}`;
      const alice = { 'x-user-id': `alice-${randomUUID()}`, 'idempotency-key': key };
      const bob = { 'x-user-id': `bob-${randomUUID()}`, 'idempotency-key': key };
      const a = await answer(await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 2 }, headers: alice }));
      const b = await answer(await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 2 }, headers: bob }));
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      const aliceHold = JSON.parse(a.text) as { holdId: string; seats: { row: number; col: number }[] };
      const bobHold = JSON.parse(b.text) as { holdId: string; seats: { row: number; col: number }[] };
      assert.notEqual(aliceHold.holdId, bobHold.holdId);
      const seatsOf = (h: typeof aliceHold) => new Set(h.seats.map((s) => `${s.row}:${s.col}`));
      assert.equal([...seatsOf(aliceHold)].filter((s) => seatsOf(bobHold).has(s)).length, 0, 'disjoint seats');
      assert.equal((await seatMap(api, event.id)).available, 6);
      // Bob may even use the key with another body: his record is not Alice's.
      const carol = { 'x-user-id': `carol-${randomUUID()}`, 'idempotency-key': key };
      const c = await answer(await api.request('POST', `/events/${event.id}/bookings`, { body: { quantity: 1 }, headers: carol }));
      assert.equal(c.status, 201);
      // And each replays their own.
      const again = await answer(await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 2 }, headers: alice }));
      assert.deepEqual(JSON.parse(again.text), JSON.parse(a.text));
      const bobAgain = await answer(await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 2 }, headers: bob }));
      assert.deepEqual(JSON.parse(bobAgain.text), JSON.parse(b.text));
      assert.equal((await seatMap(api, event.id)).available, 5);
    });

    // Known bug on the PostgreSQL strategies (see the report): the stored answer comes back from
    // jsonb, which reorders object keys, so a replay's seats read {"col":…,"row":…} where the
    // first answer said {"row":…,"col":…}: equal as JSON, but not the same bytes (nor ETag).
    test('a replay is byte-for-byte the first answer (same ETag)', async () => {
      const event = await api.createEvent({ name: 'Bytes', rows: 2, cols: 5 });
      const headers = { 'x-user-id': `u-${randomUUID()}`, 'idempotency-key': `k-${randomUUID()}` };
      for (const [kind, body] of [
        [
          'holds',
          {
            seats: [
              { row: 1, col: 1 },
              { row: 2, col: 3 },
            ],
          },
        ],
        ['bookings', { quantity: 2 }],
      ] as const) {
        const key = { ...headers, 'idempotency-key': `${headers['idempotency-key']}-${kind}` };
        const firstResponse = await api.request('POST', `/events/${event.id}/${kind}`, { body, headers: key });
        const first = await answer(firstResponse);
        assert.equal(first.status, 201);
        const replayResponse = await api.request('POST', `/events/${event.id}/${kind}`, { body, headers: key });
        const replay = await answer(replayResponse);
        assert.equal(replay.status, 201);
        assert.equal(replay.text, first.text);
        assert.equal(replayResponse.headers.get('etag'), firstResponse.headers.get('etag'));
      }
    });

    test('a request refused as invalid does not use up its key', async () => {
      const event = await api.createEvent({ name: 'Invalid first', rows: 2, cols: 3 });
      const headers = { 'x-user-id': `u-${randomUUID()}`, 'idempotency-key': `k-${randomUUID()}` };
      const offGrid = await answer(
        await api.request('POST', `/events/${event.id}/holds`, { body: { seats: [{ row: 3, col: 1 }] }, headers }),
      );
      assertProblem(offGrid, 'invalid-input');
      const schema = await answer(await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 0 }, headers }));
      assertProblem(schema, 'unprocessable-input');
      assert.equal((await seatMap(api, event.id)).available, 6);
      const granted = await answer(
        await api.request('POST', `/events/${event.id}/holds`, { body: { seats: [{ row: 2, col: 1 }] }, headers }),
      );
      assert.equal(granted.status, 201, granted.text);
      assert.deepEqual((await seatMap(api, event.id)).grid, ['...', 'H..']);
    });

    test('a stored refusal replays as the same refusal, even after the seats came free', async () => {
      const event = await api.createEvent({ name: 'Refusal', rows: 1, cols: 3 });
      const owner = { 'x-user-id': `owner-${randomUUID()}` };
      const taken = await api.request('POST', `/events/${event.id}/holds`, { body: { seats: [{ row: 1, col: 2 }] }, headers: owner });
      assert.equal(taken.status, 201);
      const { holdId } = (await taken.json()) as { holdId: string };
      const headers = { 'x-user-id': `late-${randomUUID()}`, 'idempotency-key': `k-${randomUUID()}` };
      const body = {
        seats: [
          { row: 1, col: 2 },
          { row: 1, col: 3 },
        ],
      };
      const refused = await answer(await api.request('POST', `/events/${event.id}/holds`, { body, headers }));
      assertProblem(refused, 'seats-taken');
      assert.equal((await api.request('DELETE', `/holds/${holdId}`, { headers: owner })).status, 204);
      const replay = await answer(await api.request('POST', `/events/${event.id}/holds`, { body, headers }));
      assert.equal(replay.status, 409);
      assert.equal(JSON.parse(replay.text).type, JSON.parse(refused.text).type);
      assert.deepEqual(JSON.parse(replay.text).takenSeats, JSON.parse(refused.text).takenSeats);
      assert.deepEqual((await seatMap(api, event.id)).grid, ['...']);
    });
  });
}
