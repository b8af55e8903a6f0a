// Only the owner can confirm, release or cancel a hold or booking, and to anyone else it
// does not exist: the same 404 as an id never issued. Only the admin token creates events.
// Both identities: X-User-Id (the default) and a verified JWT (AUTH_JWT_SECRET).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { StoreView } from '@seatgrid/admission/testing';
import { startApi, type RunningApi } from './harness.ts';
import { book, expectJson, expectProblem, hold, seat, seatMap, type ProblemBody } from './http-assertions.ts';
import { IDENTITY_MODES, signToken } from './jwt-tokens.ts';
import { openTestStore } from './support.ts';

const MODES = IDENTITY_MODES;

/** A problem without its `instance` (the path asked for), to compare two answers. */
async function problemWithoutInstance(response: Response): Promise<{ status: number; body: Omit<ProblemBody, 'instance'> }> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const { instance: _instance, ...body } = (await response.json()) as ProblemBody;
  return { status: response.status, body };
}

for (const [mode, { env, caller }] of Object.entries(MODES)) {
  describe(`ownership (${mode})`, () => {
    let api: RunningApi;
    let store: StoreView;

    before(async () => {
      api = await startApi('admission', env);
      store = openTestStore();
    });

    test("someone else's hold or booking answers exactly as an id never issued, and nothing changes", async () => {
      const event = await api.createEvent({ name: `Owned ${mode}`, rows: 1, cols: 4 });
      const alice = await caller('alice');
      const mallory = await caller('mallory');
      // In JWT mode Mallory also names Alice in X-User-Id: it must not matter.
      const stranger = { ...mallory.headers, ...(mode === 'JWT' ? { 'x-user-id': alice.id } : {}) };
      const held = await hold(api, event.id, alice.headers, { seats: [seat(1, 1)] });
      const booking = await book(api, event.id, alice.headers, { seats: [seat(1, 2)] });
      const toConfirm = await hold(api, event.id, alice.headers, { seats: [seat(1, 3)] });
      await expectJson(await api.request('POST', `/holds/${toConfirm.holdId}/confirm`, { headers: alice.headers }), 200);
      const before = await seatMap(api, event.id);
      assert.deepEqual(before.grid, ['HSS.']);

      const unknown = `never-issued-${randomUUID()}`;
      for (const [method, path] of [
        ['POST', (id: string) => `/holds/${id}/confirm`],
        ['DELETE', (id: string) => `/holds/${id}`],
        ['DELETE', (id: string) => `/bookings/${id}`],
      ] as const) {
        const nothing = await problemWithoutInstance(await api.request(method, path(unknown), { headers: stranger }));
        assert.equal(nothing.status, 404);
        for (const id of [held.holdId, booking.bookingId, toConfirm.holdId]) {
          const answer = await problemWithoutInstance(await api.request(method, path(id), { headers: stranger }));
          assert.deepEqual(answer, nothing, `${method} ${path(id)}: a stranger learns nothing, not even the state`);
        }
      }
      assert.deepEqual(await seatMap(api, event.id), before);

      // The owner still can: release the hold, cancel both bookings.
      assert.equal((await api.request('DELETE', `/holds/${held.holdId}`, { headers: alice.headers })).status, 204);
      assert.equal((await api.request('DELETE', `/bookings/${booking.bookingId}`, { headers: alice.headers })).status, 204);
      assert.equal((await api.request('DELETE', `/bookings/${toConfirm.holdId}`, { headers: alice.headers })).status, 204);
      assert.deepEqual((await seatMap(api, event.id)).grid, ['....']);
    });

    test('only the admin token creates events: no event is written for anyone else', async () => {
      const name = `Not yours ${randomUUID()}`;
      const user = await caller('would-be-admin');
      const attempts: Record<string, string>[] = [
        {},
        user.headers,
        { 'x-user-id': 'admin' },
        { authorization: `Bearer ${await signToken('admin')}` },
        { authorization: `Bearer ${api.config.adminToken ?? ''}-not` },
      ];
      for (const headers of attempts) {
        const response = await api.request('POST', '/events', { body: { name, rows: 1, cols: 1 }, headers });
        assert.equal(response.headers.get('www-authenticate'), 'Bearer', JSON.stringify(headers));
        await expectProblem(response, 'unauthorized');
      }
      const written = await store.db.selectFrom('events').select('id').where('name', '=', name).execute();
      assert.deepEqual(written, []);
    });
  });
}
