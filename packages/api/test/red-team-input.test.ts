// The red team's small input findings, through the real app on a real socket: a NUL in an
// event name is a 422 naming the field (PostgreSQL refuses NUL in text: it used to be a 500);
// X-User-Id is read as the UTF-8 the client sent, so "josé" owns what "josé" claimed on every
// layer (PostgreSQL, and Redis on the admission strategy), and a C1 control character sent
// as UTF-8 (U+0085) is refused like any other control character.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { StrategyName } from '@seatgrid/admission';
import { ADMIN_TOKEN, startApi, type RunningApi } from './harness.ts';
import { assertProblem, expectProblem, seat } from './http-assertions.ts';
import { freshRequest, openTestStore, type FreshAnswer } from './support.ts';

const NO_LIMITS = { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' };

/** A header value as its UTF-8 bytes cross the wire: node:http writes each character as one Latin-1 byte. */
const utf8OnTheWire = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** A request whose X-User-Id is sent as raw bytes (given as a Latin-1 string), on a connection of its own. */
function asBytes(api: RunningApi, method: string, path: string, userIdBytes: string, body?: unknown): Promise<FreshAnswer> {
  return freshRequest(api.baseUrl, method, path, { 'x-user-id': userIdBytes }, body);
}

function problemOf(answer: FreshAnswer, type: Parameters<typeof assertProblem>[1]) {
  return assertProblem({ status: answer.status, contentType: answer.headers['content-type'] ?? '', text: answer.text }, type);
}

describe('event names', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('optimistic', NO_LIMITS);
  });

  test('a NUL (or another control character) in an event name is 422 naming `name`, and creates nothing', async () => {
    const tag = `nul-${randomUUID().slice(0, 8)}`;
    for (const name of [`${tag}\u0000night`, `${tag}\u0000`, `${tag}\there`, `${tag}nel\u0085`]) {
      const response = await api.request('POST', '/events', {
        body: { name, rows: 1, cols: 2 },
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const problem = await expectProblem(response, 'unprocessable-input');
      assert.equal(problem.field, 'name', JSON.stringify(name));
    }
    const created = await openTestStore().db.selectFrom('events').select('id').where('name', 'like', `${tag}%`).execute();
    assert.deepEqual(created, [], 'no event was created');
    // The raw JSON escape too, as a client that builds its body by hand sends it.
    const raw = await api.request('POST', '/events', {
      body: '{"name":"a\\u0000b","rows":1,"cols":1}',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal((await expectProblem(raw, 'unprocessable-input')).field, 'name');
  });
});

const STRATEGIES: readonly StrategyName[] = ['admission', 'optimistic'];

for (const strategy of STRATEGIES) {
  describe(`X-User-Id bytes on BOOKING_STRATEGY=${strategy}`, () => {
    let api: RunningApi;
    before(async () => {
      api = await startApi(strategy, NO_LIMITS);
    });

    test('U+0085 (NEL, a C1 control) sent as UTF-8 is 400 naming X-User-Id; so is a lone Latin-1 byte', async () => {
      const event = await api.createEvent({ name: `C1 ${strategy}`, rows: 1, cols: 3 });
      for (const bytes of [utf8OnTheWire('nel\u0085x'), utf8OnTheWire('\u0085'), utf8OnTheWire('a\u009fb'), 'jos\u00e9']) {
        const answer = await asBytes(api, 'POST', `/events/${event.id}/holds`, bytes, { quantity: 1 });
        assert.equal(problemOf(answer, 'invalid-input').field, 'X-User-Id', JSON.stringify(bytes));
      }
      const map = await api.request('GET', `/events/${event.id}/seats`);
      assert.deepEqual(((await map.json()) as { grid: string[] }).grid, ['...'], 'nothing was claimed');
    });

    test('josé sent as UTF-8 bytes is the user josé: PostgreSQL records josé, and josé reads, confirms and cancels', async () => {
      const event = await api.createEvent({ name: `UTF-8 ${strategy}`, rows: 1, cols: 4, maxSeatsPerUser: 2 });
      const jose = utf8OnTheWire('josé');
      const held = await asBytes(api, 'POST', `/events/${event.id}/holds`, jose, { seats: [seat(1, 2)] });
      assert.equal(held.status, 201, JSON.stringify(held.body));
      const holdId = held.body.holdId as string;

      const store = openTestStore();
      const row = await store.db.selectFrom('holds').select('user_id').where('id', '=', holdId).executeTakeFirstOrThrow();
      assert.equal(row.user_id, 'josé');

      const readBack = await asBytes(api, 'GET', `/holds/${holdId}`, jose);
      assert.equal(readBack.status, 200, JSON.stringify(readBack.body));
      assert.equal(readBack.body.status, 'held');
      // A client that sends "josé" as one Latin-1 byte is not josé (not UTF-8: refused); the
      // mis-decoded "josÃ©" sent as UTF-8 is someone else, to whom the hold does not exist.
      assert.equal((await asBytes(api, 'GET', `/holds/${holdId}`, 'jos\u00e9')).status, 400);
      problemOf(await asBytes(api, 'GET', `/holds/${holdId}`, utf8OnTheWire('josÃ©')), 'hold-not-found');

      // The limit counts josé once, whichever layer keeps the count (Redis on admission).
      const second = await asBytes(api, 'POST', `/events/${event.id}/holds`, jose, { seats: [seat(1, 3)] });
      assert.equal(second.status, 201, JSON.stringify(second.body));
      const third = await asBytes(api, 'POST', `/events/${event.id}/holds`, jose, { seats: [seat(1, 4)] });
      assert.equal(problemOf(third, 'user-limit').limit, 2);

      const confirmed = await asBytes(api, 'POST', `/holds/${holdId}/confirm`, jose);
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      const booking = await asBytes(api, 'GET', `/bookings/${holdId}`, jose);
      assert.equal(booking.body.status, 'confirmed', JSON.stringify(booking.body));
      const cancelled = await asBytes(api, 'DELETE', `/bookings/${holdId}`, jose);
      assert.equal(cancelled.status, 204);
      const map = await api.request('GET', `/events/${event.id}/seats`);
      assert.deepEqual(((await map.json()) as { grid: string[] }).grid, ['..H.'], 'the cancel freed the seat everywhere');
    });
  });
}
