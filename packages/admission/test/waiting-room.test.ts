import { setTimeout as sleep } from 'node:timers/promises';
/**
 * The waiting room through the admission strategy, on real Redis and PostgreSQL: admissions at
 * the room's pace (measured over a 10-second window), first come first served, never more than
 * the free seats can serve, and admission tokens that admit their own user's claims only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionRequiredError, type AdmissionSeatGrid, type QueueTicket } from '@seatgrid/admission';
import { Redis } from 'ioredis';
import { admissionGrid, connectRedis, eventually, startPrivateRedis, uniqueEventId } from './support.ts';

const grid = await admissionGrid();

async function roomEvent(
  on: AdmissionSeatGrid,
  options: { rows: number; cols: number; admitPerSecond: number; admissionTtlMs?: number; maxSeatsPerUser?: number },
): Promise<string> {
  const { rows, cols, admitPerSecond, admissionTtlMs = 60_000, maxSeatsPerUser = 0 } = options;
  const event = await on.createEvent({
    eventId: uniqueEventId('room'),
    name: 'Room',
    rows,
    cols,
    maxSeatsPerUser,
    holdTtlMs: 60_000,
    waitingRoom: { admitPerSecond, admissionTtlMs },
  });
  return event.eventId;
}

/** Every ticket of `users` (who queued in this order) as its owner reads it now. */
async function tickets(on: AdmissionSeatGrid, queued: readonly QueueTicket[], users: readonly string[]): Promise<QueueTicket[]> {
  return Promise.all(
    queued.map(async (t, i) => {
      const read = await on.queueTicket(t.ticket, users[i] as string);
      assert.ok(read !== undefined);
      return read;
    }),
  );
}

const admittedOrDone = (t: QueueTicket) => t.status === 'admitted' || t.status === 'done';

test("admissions keep the room's pace: 20 a second, within ±10 %, over a 10-second window", async (t) => {
  const rate = 20;
  const eventId = await roomEvent(grid, { rows: 30, cols: 30, admitPerSecond: rate, maxSeatsPerUser: 1 });
  const crowd = Array.from({ length: 299 }, (_, i) => `fan-${i}`);
  await Promise.all(crowd.map((userId) => grid.joinQueue(eventId, userId)));
  // Joined last, so its place is the length of the queue: everyone before it left the queue by admission.
  const last = await grid.joinQueue(eventId, 'last');
  const total = crowd.length + 1;
  const admittedNow = async (): Promise<{ at: number; admitted: number }> => {
    const before = performance.now();
    const read = await grid.queueTicket(last.ticket, 'last');
    assert.equal(read?.status, 'waiting', 'the window must end before the last ticket is admitted');
    return { at: (before + performance.now()) / 2, admitted: total - (read.position ?? 0) };
  };
  const start = await admittedNow();
  let end = start;
  while (end.at - start.at < 10_000) {
    await sleep(100);
    end = await admittedNow();
  }
  const measured = (end.admitted - start.admitted) / ((end.at - start.at) / 1_000);
  t.diagnostic(`${end.admitted - start.admitted} admitted in ${((end.at - start.at) / 1_000).toFixed(2)} s: ${measured.toFixed(2)}/s`);
  assert.ok(Math.abs(measured - rate) <= rate * 0.1, `admitted ${measured.toFixed(2)}/s, not ${rate} ± 10 %`);
});

test('first come, first served: the admitted are always the first in line', async () => {
  const eventId = await roomEvent(grid, { rows: 5, cols: 20, admitPerSecond: 8, maxSeatsPerUser: 1 });
  const users = Array.from({ length: 30 }, (_, i) => `q-${i}`);
  const queued: QueueTicket[] = [];
  for (const userId of users) queued.push(await grid.joinQueue(eventId, userId));
  // Joining again answers the same ticket.
  assert.equal((await grid.joinQueue(eventId, 'q-3')).ticket, queued[3]?.ticket);
  let admitted = 0;
  await eventually(
    async () => {
      // Read back to front, one at a time: admissions go on meanwhile, but in order, so a ticket
      // found waiting means every later one (read before it) was waiting too.
      const now: QueueTicket[] = [];
      for (let i = queued.length - 1; i >= 0; i--)
        now[i] = (await grid.queueTicket(queued[i]?.ticket as string, users[i] as string)) as QueueTicket;
      admitted = now.filter(admittedOrDone).length;
      assert.ok(
        now.every((ticket, i) => admittedOrDone(ticket) === i < admitted),
        `admitted out of order: ${now.map((x) => x.status[0]).join('')}`,
      );
      const places = now.filter((ticket) => ticket.status === 'waiting').map((ticket) => ticket.position ?? 0);
      assert.ok(
        places.every((place, i) => i === 0 || place > (places[i - 1] ?? 0)),
        `places out of order: ${places.join(',')}`,
      );
      return admitted >= 20;
    },
    15_000,
    100,
  );
});

test('never more admitted than the free seats can serve, each up to the per-user limit', async () => {
  const eventId = await roomEvent(grid, { rows: 1, cols: 10, admitPerSecond: 1_000, maxSeatsPerUser: 2 });
  const users = Array.from({ length: 12 }, (_, i) => `buyer-${i}`);
  const queued: QueueTicket[] = [];
  for (const userId of users) queued.push(await grid.joinQueue(eventId, userId));
  const check = async () => {
    const now = await tickets(grid, queued, users);
    const { available } = await grid.counters(eventId);
    const serving = now.filter((ticket) => ticket.status === 'admitted').length;
    assert.ok(serving <= Math.ceil(available / 2), `${serving} admitted for ${available} free seats`);
    return now;
  };
  // Ten seats, two a buyer: five admitted, no more.
  assert.deepEqual(
    (await check()).map((x) => x.status),
    [...Array(5).fill('admitted'), ...Array(7).fill('waiting')],
  );
  const claim = async (i: number, quantity: number) => {
    const token = queued[i]?.admissionToken;
    const result = await grid.claimBestAvailable({
      eventId,
      userId: users[i] as string,
      quantity,
      ...(token ? { admissionToken: token } : {}),
    });
    assert.ok(result.ok, JSON.stringify(result));
  };
  // Two seats taken: eight left, four admitted still to serve: nobody new.
  await claim(0, 2);
  assert.equal((await check()).filter((x) => x.status === 'admitted').length, 4);
  assert.equal((await check())[5]?.status, 'waiting');
  // One seat taken: seven left for three admitted: room for one more.
  await claim(1, 1);
  const after = await check();
  assert.deepEqual(
    after.map((x) => x.status),
    ['done', 'done', 'admitted', 'admitted', 'admitted', 'admitted', ...Array(6).fill('waiting')],
  );
  queued[5] = after[5] as QueueTicket;
  for (const i of [2, 3, 4, 5]) await claim(i, i === 5 ? 1 : 2);
  // Sold out: nobody else is admitted, however long they wait.
  assert.equal((await grid.counters(eventId)).available, 0);
  assert.ok((await check()).slice(6).every((x) => x.status === 'waiting'));
});

test('without a per-user limit (100 a buyer), an event of fewer seats still admits, one buyer at a time', async () => {
  const eventId = await roomEvent(grid, { rows: 1, cols: 30, admitPerSecond: 1_000 });
  const first = await grid.joinQueue(eventId, 'one');
  const second = await grid.joinQueue(eventId, 'two');
  assert.equal(first.status, 'admitted');
  assert.equal(second.status, 'waiting');
  const claimed = await grid.claimBestAvailable({ eventId, userId: 'one', quantity: 3, admissionToken: first.admissionToken as string });
  assert.ok(claimed.ok);
  assert.equal((await grid.queueTicket(second.ticket, 'two'))?.status, 'admitted');
});

test('an admission token admits its own user only, and only while it lasts; a claim marks the user done', async () => {
  const eventId = await roomEvent(grid, { rows: 2, cols: 5, admitPerSecond: 1_000, admissionTtlMs: 1_000, maxSeatsPerUser: 2 });
  const alice = await grid.joinQueue(eventId, 'alice');
  const bob = await grid.joinQueue(eventId, 'bob');
  const token = alice.admissionToken as string;
  assert.equal(alice.status, 'admitted');
  const refused = (claim: Promise<unknown>) => assert.rejects(claim, (error) => error instanceof AdmissionRequiredError);
  await refused(grid.claimBestAvailable({ eventId, userId: 'alice', quantity: 1 }));
  await refused(grid.claimBestAvailable({ eventId, userId: 'mallory', quantity: 1, admissionToken: token }));
  await refused(grid.claimBestAvailable({ eventId, userId: 'alice', quantity: 1, admissionToken: `${alice.ticket}.forged` }));
  await refused(grid.claimBestAvailable({ eventId, userId: 'alice', quantity: 1, admissionToken: 'nonsense' }));
  await refused(grid.claimSeats({ eventId, userId: 'bob', seats: [{ row: 1, col: 1 }], admissionToken: token }));
  assert.equal((await grid.counters(eventId)).available, 10, 'nothing refused took a seat');
  // Her own token: granted, and she is done; she may claim again while her admission lasts.
  assert.ok((await grid.claimBestAvailable({ eventId, userId: 'alice', quantity: 1, admissionToken: token })).ok);
  assert.equal((await grid.queueTicket(alice.ticket, 'alice'))?.status, 'done');
  assert.ok((await grid.claimBestAvailable({ eventId, userId: 'alice', quantity: 1, admissionToken: token })).ok);
  // Someone else's ticket reads as unknown.
  assert.equal(await grid.queueTicket(alice.ticket, 'bob'), undefined);
  // Bob's admission runs out unused: his token admits nothing then.
  await eventually(async () => (await grid.queueTicket(bob.ticket, 'bob'))?.status === 'expired', 5_000, 50);
  await refused(grid.claimBestAvailable({ eventId, userId: 'bob', quantity: 1, admissionToken: bob.admissionToken as string }));
  // He may queue again: a new ticket.
  const again = await grid.joinQueue(eventId, 'bob');
  assert.notEqual(again.ticket, bob.ticket);
});

test('the queue lives in Redis only: lost with it, old tickets and tokens are gone, and buyers queue again', async () => {
  const server = await startPrivateRedis();
  const lossy = await admissionGrid({ redis: connectRedis({ url: server.url }) });
  const eventId = await roomEvent(lossy, { rows: 1, cols: 4, admitPerSecond: 1_000, maxSeatsPerUser: 1 });
  const ticket = await lossy.joinQueue(eventId, 'fan');
  assert.equal(ticket.status, 'admitted');
  const admin = new Redis(server.url);
  try {
    await admin.flushall();
  } finally {
    admin.disconnect();
  }
  assert.equal(await lossy.queueTicket(ticket.ticket, 'fan'), undefined);
  await assert.rejects(
    lossy.claimBestAvailable({ eventId, userId: 'fan', quantity: 1, admissionToken: ticket.admissionToken as string }),
    (error) => error instanceof AdmissionRequiredError,
  );
  const fresh = await lossy.joinQueue(eventId, 'fan');
  assert.notEqual(fresh.ticket, ticket.ticket);
  assert.equal(fresh.status, 'admitted');
  assert.ok((await lossy.claimBestAvailable({ eventId, userId: 'fan', quantity: 1, admissionToken: fresh.admissionToken as string })).ok);
});
