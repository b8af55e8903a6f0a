// The waiting room over HTTP, on the real app, PostgreSQL and Redis: an event created with one,
// tickets (waiting, admitted, owner-only), claims that need the caller's own Admission-Token,
// its metrics, and what a PostgreSQL strategy answers.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { z } from 'zod';
import { queueTicketResponse } from '../src/schemas.ts';
import { startApi, type RunningApi } from './harness.ts';
import { expectJson, expectProblem, hold, until, user } from './http-assertions.ts';

type Ticket = z.infer<typeof queueTicketResponse>;

async function queue(api: RunningApi, eventId: string, who: Record<string, string>): Promise<Ticket> {
  const ticket = await expectJson<Ticket>(await api.request('POST', `/events/${eventId}/queue`, { headers: who }), 201);
  assert.ok(queueTicketResponse.strict().safeParse(ticket).success, JSON.stringify(ticket));
  return ticket;
}

async function readTicket(api: RunningApi, ticket: string, who: Record<string, string>): Promise<Ticket> {
  const read = await expectJson<Ticket>(await api.request('GET', `/queue/${ticket}`, { headers: who }), 200);
  assert.ok(queueTicketResponse.strict().safeParse(read).success, JSON.stringify(read));
  return read;
}

/** A metric's value for one event from GET /metrics (undefined when absent). */
async function metric(api: RunningApi, name: string, eventId: string): Promise<number | undefined> {
  const text = await (await api.request('GET', '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`event="${eventId}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('the waiting room (admission strategy)', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission', { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' });
  });

  test('POST /events takes a waiting room and says so; tickets are admitted first come first served, as seats allow', async () => {
    // Three seats, one a buyer: three admitted at most while none of them has claimed.
    const event = await api.createEvent({
      name: 'Queue',
      rows: 1,
      cols: 3,
      maxSeatsPerUser: 1,
      waitingRoom: { admitPerSecond: 100, admissionTtlSeconds: 60 },
    });
    assert.deepEqual(event.waitingRoom, { admitPerSecond: 100, admissionTtlSeconds: 60 });
    const read = await expectJson<Record<string, unknown>>(await api.request('GET', `/events/${event.id}`), 200);
    assert.deepEqual(read.waitingRoom, event.waitingRoom);
    const fans = Array.from({ length: 5 }, (_, i) => user(`fan${i}`));
    const tickets: Ticket[] = [];
    for (const who of fans) tickets.push(await queue(api, event.id, who));
    assert.deepEqual(
      tickets.map((t) => t.status),
      ['admitted', 'admitted', 'admitted', 'waiting', 'waiting'],
    );
    assert.ok(tickets[0]?.admissionToken !== undefined && tickets[0].expiresAt !== undefined);
    assert.equal(tickets[3]?.admissionToken, undefined);
    assert.deepEqual(
      tickets.slice(3).map((t) => [t.position, t.estimatedWaitSeconds]),
      [
        [1, 1],
        [2, 1],
      ],
    );
    // Joining again answers the same ticket.
    assert.equal((await queue(api, event.id, fans[0] as Record<string, string>)).ticket, tickets[0]?.ticket);
    // The first fan claims a seat, then gives it back: a seat free with two admitted, so the next in line gets in.
    const first = fans[0] as Record<string, string>;
    const held = await hold(api, event.id, { ...first, 'admission-token': tickets[0]?.admissionToken as string }, { quantity: 1 });
    const [fourth, fifth] = [fans[3] as Record<string, string>, fans[4] as Record<string, string>];
    assert.equal((await readTicket(api, tickets[3]?.ticket as string, fourth)).status, 'waiting');
    assert.equal((await api.request('DELETE', `/holds/${held.holdId}`, { headers: first })).status, 204);
    const admitted = await readTicket(api, tickets[3]?.ticket as string, fourth);
    assert.equal(admitted.status, 'admitted');
    assert.ok(admitted.admissionToken !== undefined);
    const last = await readTicket(api, tickets[4]?.ticket as string, fifth);
    assert.deepEqual([last.status, last.position], ['waiting', 1]);
  });

  test("claims need the Admission-Token of the caller's own admitted ticket: else 403 admission-required", async () => {
    const event = await api.createEvent({
      name: 'Gate',
      rows: 1,
      cols: 4,
      maxSeatsPerUser: 2,
      waitingRoom: { admitPerSecond: 100, admissionTtlSeconds: 60 },
    });
    const [alice, bob] = [user('alice'), user('bob')];
    const aliceTicket = await queue(api, event.id, alice);
    const bobTicket = await queue(api, event.id, bob);
    const token = aliceTicket.admissionToken as string;
    const claim = (who: Record<string, string>, headers: Record<string, string> = {}, path = 'holds') =>
      api.request('POST', `/events/${event.id}/${path}`, { body: { quantity: 1 }, headers: { ...who, ...headers } });
    for (const [who, headers] of [
      [alice, {}],
      [bob, { 'admission-token': token }],
      [alice, { 'admission-token': `${aliceTicket.ticket}.forged` }],
      [alice, { 'admission-token': 'made-up' }],
    ] as const) {
      const problem = await expectProblem(await claim(who, headers), 'admission-required');
      assert.match(problem.detail ?? '', /Admission-Token/);
      await expectProblem(await claim(who, headers, 'bookings'), 'admission-required');
    }
    await expectProblem(await claim(alice, { 'admission-token': 'not a token' }), 'invalid-input');
    assert.equal((await expectJson<{ available: number }>(await api.request('GET', `/events/${event.id}`), 200)).available, 4);
    // Their own tokens: granted.
    await hold(api, event.id, { ...alice, 'admission-token': token }, { quantity: 1 });
    await hold(api, event.id, { ...bob, 'admission-token': bobTicket.admissionToken as string }, { quantity: 1 });
    // A claim granted: the ticket reads as admitted still (the token the caller has claims again while it lasts).
    const after = await readTicket(api, aliceTicket.ticket, alice);
    assert.equal(after.status, 'admitted');
    await hold(api, event.id, { ...alice, 'admission-token': token }, { quantity: 1 });
  });

  test("a ticket is its owner's: to anyone else it does not exist", async () => {
    const event = await api.createEvent({ name: 'Own', rows: 1, cols: 2, waitingRoom: { admitPerSecond: 1, admissionTtlSeconds: 60 } });
    const owner = user('owner');
    const ticket = await queue(api, event.id, owner);
    await expectProblem(await api.request('GET', `/queue/${ticket.ticket}`, { headers: user('other') }), 'ticket-not-found');
    await expectProblem(await api.request('GET', '/queue/no-such-ticket', { headers: owner }), 'ticket-not-found');
    assert.equal((await readTicket(api, ticket.ticket, owner)).ticket, ticket.ticket);
  });

  test('an event without a room: queueing is 404 no-waiting-room, and claims need no token', async () => {
    const event = await api.createEvent({ name: 'Open', rows: 1, cols: 2 });
    await expectProblem(await api.request('POST', `/events/${event.id}/queue`, { headers: user('eager') }), 'no-waiting-room');
    await expectProblem(await api.request('POST', '/events/no-such-event/queue', { headers: user('eager') }), 'event-not-found');
    await hold(api, event.id, { ...user('free'), 'admission-token': 'ignored-here' }, { quantity: 1 });
  });

  test('metrics: seatgrid_waiting_room_queue_length and seatgrid_waiting_room_admissions_total, by event', async () => {
    const event = await api.createEvent({
      name: 'Counted',
      rows: 1,
      cols: 10,
      maxSeatsPerUser: 1,
      waitingRoom: { admitPerSecond: 3, admissionTtlSeconds: 60 },
    });
    const fans = Array.from({ length: 8 }, (_, i) => user(`m${i}`));
    const tickets: Ticket[] = [];
    for (const who of fans) tickets.push(await queue(api, event.id, who));
    const length = await metric(api, 'seatgrid_waiting_room_queue_length', event.id);
    const admitted = await metric(api, 'seatgrid_waiting_room_admissions_total', event.id);
    assert.ok(length !== undefined && admitted !== undefined);
    assert.equal(length + admitted, 8, 'every ticket is waiting or was admitted');
    assert.ok(admitted >= 3, 'the first second admits three');
    // Admissions happen as tickets are read (or joined); the metrics count them at the next scrape.
    await until('a later admission counted', async () => {
      await readTicket(api, tickets[7]?.ticket as string, fans[7] as Record<string, string>);
      const later = await metric(api, 'seatgrid_waiting_room_admissions_total', event.id);
      return later !== undefined && later > admitted ? true : undefined;
    });
    assert.ok(((await metric(api, 'seatgrid_waiting_room_queue_length', event.id)) ?? 8) < length);
  });
});

describe('the waiting room on a PostgreSQL strategy', () => {
  test('is a clear problem: it needs the admission strategy', async () => {
    const api = await startApi('pessimistic');
    const who = user('fan');
    const problem = await expectProblem(
      await api.request('POST', '/events', {
        body: { name: 'Roomy', rows: 1, cols: 1, waitingRoom: { admitPerSecond: 1, admissionTtlSeconds: 60 } },
        headers: { authorization: `Bearer ${api.config.adminToken}` },
      }),
      'admission-strategy-required',
    );
    assert.match(problem.detail ?? '', /waiting room/);
    const event = await api.createEvent({ name: 'Plain', rows: 1, cols: 1 });
    await expectProblem(await api.request('POST', `/events/${event.id}/queue`, { headers: who }), 'admission-strategy-required');
    await expectProblem(await api.request('GET', '/queue/some-ticket', { headers: who }), 'admission-strategy-required');
  });
});
