import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { API_SERVER_SCRIPT, startApiChild, type ChildServer } from '../src/child/index.ts';
import { startPrivateRedis } from './support.ts';

const ADMIN = 'shutdown-test-token-0123456789';

const servers: ChildServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.kill()));
});

/**
 * Starts src/server.ts as a real process on a spare port, logging at info; resolves once it
 * listens (/healthz: an API on an evicting Redis is up but not ready).
 */
async function startServer(env: Record<string, string>) {
  const server = await startApiChild({ ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info', ...env }, { readyPath: '/healthz' });
  servers.push(server);
  /** Its pino log lines so far. */
  const logs = () => server.output.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));
  return { server, logs, baseUrl: server.baseUrl };
}

test('SIGTERM: the server stops accepting, finishes the request in flight, closes its pools and exits 0', async () => {
  const { server, logs, baseUrl } = await startServer({ PAYMENT_DELAY_MS: '1500' });
  const json = { 'content-type': 'application/json' };
  const created = await fetch(`${baseUrl}/events`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ name: 'shutdown', rows: 1, cols: 2 }),
  });
  const event = (await created.json()) as { id: string };
  const held = await fetch(`${baseUrl}/events/${event.id}/holds`, {
    method: 'POST',
    headers: { ...json, 'x-user-id': 'payer' },
    body: JSON.stringify({ seats: [{ row: 1, col: 1 }] }),
  });
  const hold = (await held.json()) as { holdId: string };

  // The confirm waits 1.5 s on the mock payment; SIGTERM arrives while it is in flight.
  const confirming = fetch(`${baseUrl}/holds/${hold.holdId}/confirm`, { method: 'POST', headers: { 'x-user-id': 'payer' } });
  await sleep(300);
  const stopped = server.stop('SIGTERM');

  const confirmed = await confirming;
  assert.equal(confirmed.status, 200, 'the request in flight was finished');
  assert.equal(((await confirmed.json()) as { status: string }).status, 'confirmed');
  assert.equal(await stopped, 0);
  await assert.rejects(fetch(`${baseUrl}/healthz`), 'no new connections after shutdown');
  const messages = logs().map((entry) => entry.msg);
  assert.ok(messages.includes('stopped'), `logs: ${messages.join(', ')}`);
});

test('bad configuration is refused at start with every bad variable named', async () => {
  const child = spawn(process.execPath, [API_SERVER_SCRIPT], {
    env: { ...process.env, BOOKING_STRATEGY: 'yolo', PORT: 'eighty' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(child, 'exit');
  assert.notEqual(code, 0);
  assert.match(stderr, /BOOKING_STRATEGY/);
  assert.match(stderr, /PORT/);
});

test('two server processes on a PostgreSQL strategy share the per-user limit through Redis, and close it on SIGTERM', async () => {
  // The address limit is off: other processes on this machine share 127.0.0.1's bucket.
  const env = { BOOKING_STRATEGY: 'pessimistic', RATE_LIMIT_PER_SECOND: '0.01', RATE_LIMIT_BURST: '1', RATE_LIMIT_IP_PER_SECOND: '0' };
  const [a, b] = await Promise.all([startServer(env), startServer(env)]);
  const json = { 'content-type': 'application/json' };
  const created = await fetch(`${a.baseUrl}/events`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ name: 'two servers', rows: 1, cols: 3 }),
  });
  const event = (await created.json()) as { id: string };
  const claim = async (baseUrl: string, userId: string) => {
    const response = await fetch(`${baseUrl}/events/${event.id}/holds`, {
      method: 'POST',
      headers: { ...json, 'x-user-id': userId },
      body: JSON.stringify({ quantity: 1 }),
    });
    await response.body?.cancel();
    return [response.status, response.headers.get('ratelimit-remaining')];
  };
  const userId = `two-servers-${randomUUID()}`;
  assert.deepEqual(await claim(a.baseUrl, userId), [201, '0']);
  assert.deepEqual(await claim(b.baseUrl, userId), [429, '0'], 'the other process knows the bucket is empty');
  assert.deepEqual(await claim(b.baseUrl, `${userId}-other`), [201, '0']);
  assert.deepEqual(await Promise.all([a.server.stop('SIGTERM'), b.server.stop('SIGTERM')]), [0, 0]);
});

test('an evicting Redis makes the server unready, and fixing the policy makes it ready again without a restart', async () => {
  const redis = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
  const { server, logs, baseUrl } = await startServer({ REDIS_URL: redis.url, BOOKING_STRATEGY: 'admission' });
  try {
    assert.ok(
      logs().some((entry) => String(entry.msg).includes('maxmemory-policy is allkeys-lru')),
      'start-up warned',
    );
    const unready = await fetch(`${baseUrl}/readyz`);
    assert.equal(unready.status, 503);
    assert.equal(((await unready.json()) as { redisEvictionSafe: boolean }).redisEvictionSafe, false);
    const admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    admin.disconnect();
    const ready = await fetch(`${baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { redisEvictionPolicy: string }).redisEvictionPolicy, 'noeviction');
  } finally {
    await server.stop('SIGTERM');
    redis.stop();
  }
});
