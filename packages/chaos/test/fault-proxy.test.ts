import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { waitFor } from '@seatgrid/api/child';
import { Redis } from 'ioredis';
import { FaultProxy } from '../src/fault-proxy.ts';
import { PrivateRedis } from '../src/private-redis.ts';
import { RespFrameReader } from '../src/resp-frames.ts';

/** A server that answers every chunk with `reply(chunk)`. */
async function replyServer(reply: (chunk: Buffer) => Buffer): Promise<Server> {
  const server = createServer((socket) => socket.on('data', (chunk) => socket.write(reply(chunk))).on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** A client connection that collects what it receives and notes when it closes. */
async function client(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  let closed = false;
  socket
    .on('data', (chunk) => (data += chunk.toString('latin1')))
    .on('close', () => (closed = true))
    .on('error', () => {});
  // A dropped connection may be reset before it reports connect.
  await new Promise((resolve) => socket.once('connect', resolve).once('close', resolve));
  return { socket, received: () => data, closed: () => closed };
}

let echo: Server;
let proxy: FaultProxy;
const sockets: Socket[] = [];
before(async () => {
  echo = await replyServer((chunk) => chunk);
  proxy = await FaultProxy.start({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await proxy.close();
  echo.close();
});

async function viaProxy() {
  const c = await client(proxy.port);
  sockets.push(c.socket);
  return c;
}

test('bytes pass both ways unchanged', async () => {
  proxy.heal();
  const c = await viaProxy();
  c.socket.write('hello');
  await waitFor('the echo', () => c.received() === 'hello', 5_000, 5);
});

test('latency delays every chunk by at least the latency, in order, also across a change', async () => {
  proxy.heal();
  const c = await viaProxy();
  proxy.setLatency(150);
  const sent = Date.now();
  for (let i = 0; i < 10; i++) c.socket.write(`${i},`);
  await waitFor('every chunk', () => c.received().endsWith('9,'), 5_000, 5);
  // A lower bound only: the proxy may be slower on a busy machine, never faster.
  assert.ok(Date.now() - sent >= 150 - 5, `the echo took ${Date.now() - sent} ms`);
  assert.equal(c.received(), '0,1,2,3,4,5,6,7,8,9,');

  // Bytes queued under a long latency keep their place when it drops: later ones wait behind.
  proxy.setLatency(300);
  c.socket.write('slow,');
  await sleep(50); // let it reach the proxy (if not, it goes first anyway)
  proxy.setLatency(0);
  c.socket.write('fast');
  await waitFor('both', () => c.received().endsWith('fast'), 5_000, 5);
  assert.equal(c.received(), '0,1,2,3,4,5,6,7,8,9,slow,fast');
});

test('a black hole holds the bytes until it heals, then delivers them in order', async () => {
  proxy.heal();
  const c = await viaProxy();
  proxy.setMode('blackhole');
  c.socket.write('lost?');
  // The same trip through a second, direct connection to the echo server comes back first.
  const direct = await client((echo.address() as AddressInfo).port);
  sockets.push(direct.socket);
  direct.socket.write('probe');
  await waitFor('the direct echo', () => direct.received() === 'probe', 5_000, 5);
  assert.equal(c.received(), '', 'nothing crossed the black hole');
  proxy.setMode('pass');
  await waitFor('the held bytes', () => c.received() === 'lost?', 5_000, 5);
});

test('drop resets new connections; cutAll closes the open ones', async () => {
  proxy.heal();
  proxy.cutAll(); // the earlier tests' connections
  const open = await viaProxy();
  proxy.setMode('drop');
  const refused = await viaProxy();
  await waitFor('the new connection to be dropped', refused.closed, 5_000, 5);
  assert.equal(open.closed(), false, 'drop leaves open connections alone');
  proxy.setMode('pass');
  assert.equal(proxy.cutAll(), 1);
  await waitFor('the open connection to be cut', open.closed, 5_000, 5);
});

test('cutReply delivers the first N reply bytes, then closes the connection', async () => {
  proxy.heal();
  const c = await viaProxy();
  const cut = proxy.cutReply({ afterBytes: 4 });
  c.socket.write('0123456789');
  const done = await cut;
  await waitFor('the cut', c.closed, 5_000, 5);
  assert.equal(c.received(), '0123');
  assert.equal(done.bytesDelivered, 4);
});

test('the RESP frame reader finds frames split across chunks, RESP2 and RESP3', () => {
  const reader = new RespFrameReader();
  const stream = Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n+OK\r\n%1\r\n+a\r\n:1\r\n$-1\r\n_\r\n,1.5\r\n');
  const ends: number[] = [];
  const words: string[][] = [];
  for (let i = 0; i < stream.length; i += 3) {
    for (const frame of reader.push(stream.subarray(i, i + 3))) {
      ends.push(frame.end);
      words.push(frame.words);
    }
  }
  // *2 GET k | +OK | %1 {+a: :1} | $-1 | _ | ,1.5
  assert.deepEqual(ends, [20, 25, 37, 42, 45, 51]);
  assert.deepEqual(words[0], ['GET', 'k']);
});

test("on Redis, cutReply by command cuts that command's reply only: the ones before it arrive whole", async () => {
  const redis = await PrivateRedis.start();
  const redisProxy = await FaultProxy.start({ host: '127.0.0.1', port: redis.port }, { protocol: 'resp' });
  const viaRedisProxy = new Redis(redisProxy.port, '127.0.0.1', {
    enableAutoPipelining: false,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  viaRedisProxy.on('error', () => {});
  try {
    await viaRedisProxy.set('before', 'whole');
    const cut = redisProxy.cutReply({ afterBytes: 2, command: (words) => words[0]?.toUpperCase() === 'INCR' });
    const replies = await viaRedisProxy
      .pipeline()
      .get('before')
      .incr('counter')
      .exec()
      .catch((error: unknown) => error);
    const done = await cut;
    assert.deepEqual(done.command, ['incr', 'counter']);
    assert.equal(done.bytesDelivered, 2);
    // Redis ran the INCR; the client never heard (its pipeline failed with the connection).
    assert.equal(await redis.admin.get('counter'), '1');
    assert.ok(!Array.isArray(replies) || replies.some(([error]) => error !== null), 'the INCR reply was lost');
  } finally {
    viaRedisProxy.disconnect();
    await redisProxy.close();
    await redis.stop();
  }
});
