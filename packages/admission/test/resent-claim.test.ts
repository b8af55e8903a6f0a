import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { createGate, gateScripts, InvalidInputError } from '@seatgrid/admission/gate';
import { connectRedis, newGate, redisUrl, uniqueEventId } from './support.ts';

// ioredis resends a command whose connection dropped before its reply was read
// (autoResendUnfulfilledCommands, on by default). A claim script that ran but whose reply
// was lost therefore runs again with the same fresh hold id: it must answer the same grant,
// not refuse the hold id (the caller would report bad input while Redis holds the seats).

const gate = newGate();
const seats = [
  { row: 1, col: 1 },
  { row: 1, col: 2 },
];

test('a resent claim (same hold id, same request) answers its grant again and claims once', async () => {
  const eventId = uniqueEventId('resent');
  await gate.loadEvent({ eventId, rows: 2, cols: 4, holds: [] });
  const claim = { eventId, userId: 'u', seats, holdId: 'h-resent' };
  const first = await gate.claimSeats(claim);
  const again = await gate.claimSeats(claim);
  assert.equal(first.ok, true);
  assert.deepEqual(again, first);
  assert.equal((await gate.counters(eventId)).available, 6, 'two seats taken, once');

  const booked = { eventId, userId: 'v', quantity: 3, mode: 'book' as const, holdId: 'b-resent' };
  const sale = await gate.claimBestAvailable(booked);
  assert.ok(sale.ok && sale.status === 'sold');
  assert.deepEqual(await gate.claimBestAvailable(booked), sale);
  const map = await gate.seatMap(eventId);
  assert.equal(map.available, 3);
  assert.equal(map.states.replace(/[^S]/g, ''), 'SSS', 'three seats sold, once');
});

test('a resent claim with an idempotency key is its first answer, not a replay', async () => {
  const eventId = uniqueEventId('resent-key');
  await gate.loadEvent({ eventId, rows: 2, cols: 4, holds: [] });
  const claim = { eventId, userId: 'u', seats, idempotencyKey: 'order-1', holdId: 'h-first' };
  const first = await gate.claimSeats(claim);
  assert.ok(first.ok && !first.replayed);
  const resent = await gate.claimSeats(claim);
  assert.ok(resent.ok && !resent.replayed, 'the same command again: not a replay');
  const retry = await gate.claimSeats({ ...claim, holdId: 'h-retry' });
  assert.ok(retry.ok && retry.replayed && retry.holdId === 'h-first', 'a client retry still replays the first grant');
  assert.equal((await gate.counters(eventId)).available, 6);
});

test('a hold id taken by another request is still refused, changing nothing', async () => {
  const eventId = uniqueEventId('resent-other');
  await gate.loadEvent({ eventId, rows: 2, cols: 4, holds: [] });
  await gate.claimSeats({ eventId, userId: 'u', seats, holdId: 'h-taken' });
  const before = await gate.seatMap(eventId);
  for (const other of [
    gate.claimSeats({ eventId, userId: 'someone-else', seats, holdId: 'h-taken' }),
    gate.claimSeats({ eventId, userId: 'u', seats: [{ row: 2, col: 1 }], holdId: 'h-taken' }),
    gate.claimSeats({ eventId, userId: 'u', seats, mode: 'book', holdId: 'h-taken' }),
    gate.claimBestAvailable({ eventId, userId: 'u', quantity: 1, holdId: 'h-taken' }),
    // Same seats, another TTL: not the command that made the hold (its grant time would not fit).
    gate.claimSeats({ eventId, userId: 'u', seats, holdTtlMs: 1_000, holdId: 'h-taken' }),
  ]) {
    await assert.rejects(other, (error: unknown) => error instanceof InvalidInputError && error.field === 'holdId');
  }
  assert.deepEqual(await gate.seatMap(eventId), before);
});

/** A loopback proxy to the shared Redis that, once armed, closes the client's connection as the next reply starts. */
async function replyDroppingProxy(): Promise<{ port: number; armNextReplyDrop: () => Promise<void>; close: () => void }> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  let armed: (() => void) | undefined;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client
      .on('data', (chunk) => upstream.write(chunk))
      .on('close', () => upstream.destroy())
      .on('error', () => {});
    upstream.on('close', () => client.destroy()).on('error', () => {});
    upstream.on('data', (chunk) => {
      if (armed === undefined) return void client.write(chunk);
      const done = armed;
      armed = undefined;
      client.destroy(); // the script ran; its reply never arrives
      upstream.destroy();
      done();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    armNextReplyDrop: () => new Promise<void>((resolve) => (armed = resolve)),
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

test('a claim whose reply a dropped connection lost is resent by ioredis and granted once', async () => {
  const proxy = await replyDroppingProxy();
  const redis = new Redis(proxy.port, '127.0.0.1', { enableAutoPipelining: false, retryStrategy: () => 20 });
  redis.on('error', () => {});
  after(() => {
    redis.disconnect();
    proxy.close();
  });
  const viaProxy = createGate({ redis });
  const eventId = uniqueEventId('resent-wire');
  await gate.loadEvent({ eventId, rows: 2, cols: 4, holds: [] });
  // Connected, and the claim script cached, so the next reply is the claim's own result.
  await connectRedis().script('LOAD', gateScripts['claim-seats'].lua);
  await viaProxy.counters(eventId);

  const dropped = proxy.armNextReplyDrop();
  const result = await viaProxy.claimSeats({ eventId, userId: 'u', seats, idempotencyKey: 'order-9' });
  await dropped;
  assert.ok(result.ok && !result.replayed, `granted as a first answer, got ${JSON.stringify(result)}`);
  assert.equal((await gate.counters(eventId)).available, 6, 'the seats were taken once');
  assert.equal((await gate.seatMap(eventId)).states, 'HH......');
});
