// Idempotency keys are scoped per user: another user sending the same Idempotency-Key, with
// the same body or another, gets an answer of their own and nothing of the first user's: not
// the first answer, not a 422 that says the key is in use, not a 409 while it is in flight.
// Under X-User-Id and under JWT identity (where naming the victim in X-User-Id is no help).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { StrategyName } from '@seatgrid/admission';
import { startApi, type RunningApi } from './harness.ts';
import { seatMap, type HoldBody } from './http-assertions.ts';
import { IDENTITY_MODES } from './jwt-tokens.ts';

const STRATEGIES: readonly StrategyName[] = ['admission', 'optimistic', 'pessimistic'];
const MODES = IDENTITY_MODES;

async function claimed(response: Response): Promise<HoldBody> {
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return JSON.parse(text) as HoldBody;
}

const seatsOf = (body: HoldBody) => body.seats.map((s) => `${s.row}:${s.col}`).sort();

for (const strategy of STRATEGIES) {
  for (const [mode, { env, caller }] of Object.entries(MODES)) {
    describe(`Idempotency-Key scope (${strategy}, ${mode})`, () => {
      let api: RunningApi;

      before(async () => {
        api = await startApi(strategy, env);
      });

      test("another user replaying a key gets an answer of their own, never the first user's", async () => {
        const event = await api.createEvent({ name: `Key scope ${mode}`, rows: 2, cols: 5 });
        const key = { 'idempotency-key': `order-${randomUUID()}` };
        const alice = await caller('alice');
        const mallory = await caller('mallory');
        // Under JWT, Mallory also claims to be Alice in X-User-Id.
        const replayer = { ...mallory.headers, ...key, ...(mode === 'JWT' ? { 'x-user-id': alice.id } : {}) };
        const body = { quantity: 2 };
        const path = `/events/${event.id}/holds`;

        const first = await claimed(await api.request('POST', path, { body, headers: { ...alice.headers, ...key } }));
        const sameBody = await claimed(await api.request('POST', path, { body, headers: replayer }));
        assert.notEqual(sameBody.holdId, first.holdId, "Mallory did not get Alice's hold");
        assert.equal(seatsOf(sameBody).filter((s) => seatsOf(first).includes(s)).length, 0, 'nor her seats');
        // Another user with the key and another body: no 422 telling her the key is in use.
        const trudy = await caller('trudy');
        const otherBody = await api.request('POST', `/events/${event.id}/bookings`, {
          body: { quantity: 1 },
          headers: { ...trudy.headers, ...key },
        });
        assert.equal((await claimed(otherBody)).seats.length, 1);
        const mallorysReplay = await claimed(await api.request('POST', path, { body, headers: replayer }));
        assert.deepEqual(mallorysReplay, sameBody);
        // Alice's key still replays Alice's hold, untouched by Mallory.
        const alicesReplay = await claimed(await api.request('POST', path, { body, headers: { ...alice.headers, ...key } }));
        assert.deepEqual(alicesReplay, first);
        assert.equal((await seatMap(api, event.id)).available, 5);
      });

      test('a key in flight for one user is no 409 for another', async () => {
        const event = await api.createEvent({ name: `Key in flight ${mode}`, rows: 2, cols: 10 });
        const key = { 'idempotency-key': `order-${randomUUID()}` };
        const callers = await Promise.all(Array.from({ length: 10 }, (_, i) => caller(`racer${i}`)));
        const answers = await Promise.all(
          callers.map(async (c) =>
            claimed(await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 2 }, headers: { ...c.headers, ...key } })),
          ),
        );
        assert.equal(new Set(answers.map((a) => a.holdId)).size, callers.length, 'ten users, ten holds');
        assert.equal((await seatMap(api, event.id)).available, 0);
      });
    });
  }
}
