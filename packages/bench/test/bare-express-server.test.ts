import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { bareExpressRequest, startBareExpress } from '../src/stress/baselines.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function post(baseUrl: string, eventId: string, n: number): Promise<number> {
  const request = bareExpressRequest(n);
  const response = await fetch(`${baseUrl}/events/${eventId}/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: JSON.stringify(request.body),
  });
  await response.arrayBuffer();
  return response.status;
}

test('the floor row: the bare Express route sends exactly one claim-shaped EVALSHA a request, and none without a Redis URL', async () => {
  const redis = new Redis(REDIS_URL);
  const monitor = await redis.monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'evalsha' && args[3]?.startsWith('bare:{ev:floor-')) seen.push(args);
  });
  const withRedis = await startBareExpress([], 1, REDIS_URL);
  const without = await startBareExpress();
  try {
    const eventId = `floor-${Date.now().toString(36)}`;
    for (let n = 0; n < 20; n++) assert.equal(await post(withRedis.baseUrl, eventId, n), 409);
    for (let n = 0; n < 5; n++) assert.equal(await post(without.baseUrl, `${eventId}-bare`, n), 409);
    // MONITOR relays a command after Redis ran it; the last one may still be on its way.
    const deadline = Date.now() + 2_000;
    while (seen.length < 20 && Date.now() < deadline) await sleep(10);
    assert.equal(seen.length, 20, 'one EVALSHA a request, for this event only');
    const [first] = seen;
    assert.equal(first?.[2], '11', '11 keys, as a claim sends');
    assert.equal(first?.length, 3 + 11 + 10, 'then 10 arguments');
    assert.ok(
      seen.every((args) => args[3]?.startsWith(`bare:{ev:${eventId}}:`)),
      'the route without a Redis URL sent none',
    );
  } finally {
    await withRedis.stop();
    await without.stop();
    monitor.disconnect();
    redis.disconnect();
  }
});
